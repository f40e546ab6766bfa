"""What counts as a web address a page may link to: ``http(s)://`` and a real host.

Open data carry websites such as ``https://javascript:alert(1)`` or ``https://`` with no host; a
check on the scheme alone lets them through to ``<a href>``. One rule serves the harvest (which
drops such values, with an issue in its report) and the pages (which never link to them, even in a
store written before the rule).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

MAX_LENGTH = 2000


def _label_ok(label: str) -> bool:
    """One label of a domain name: letters (accented ones too), digits and inner hyphens."""
    return 0 < len(label) <= 63 and all(c.isalnum() or c == "-" for c in label) and \
        not label.startswith("-") and not label.endswith("-")  # fmt: skip


def _host_ok(host: str) -> bool:
    """An IP address, or a domain name with a dot and a top-level label that is not a number."""
    if host.startswith("["):  # IPv6 literal, as urlsplit keeps it in netloc
        try:
            return isinstance(ipaddress.ip_address(host[1:-1]), ipaddress.IPv6Address) and host.endswith("]")
        except ValueError:
            return False
    try:
        ipaddress.IPv4Address(host)
        return True
    except ValueError:
        pass
    labels = host.removesuffix(".").split(".")
    return len(labels) >= 2 and all(_label_ok(label) for label in labels) and not labels[-1].isdigit()


def is_web_address(value: object, schemes: tuple[str, ...] = ("http", "https")) -> bool:
    """Whether ``value`` is an absolute web address with a real host.

    Parameters
    ----------
    value : object
        Anything read from data (only a ``str`` may pass).
    schemes : tuple of str
        The schemes accepted (lower case).

    Returns
    -------
    bool
        True for ``scheme://host[:port][/…]`` where the host is a domain name with a dot (labels of
        letters, digits and hyphens) or an IP address; False when there is no host, a user name or
        password, a bad port, or any space, control character or backslash.
    """
    if not isinstance(value, str) or not value or len(value) > MAX_LENGTH:
        return False
    if any(c.isspace() or not c.isprintable() or c == "\\" for c in value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number in range
    except ValueError:
        return False
    if parts.scheme.lower() not in schemes or not parts.netloc or "@" in parts.netloc:
        return False
    host = parts.netloc.rsplit(":", 1)[0] if not parts.netloc.endswith("]") else parts.netloc
    return _host_ok(host.lower())
