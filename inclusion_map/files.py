"""Files readable by their owner only: the store, the HTTP cache, the report and account databases.

They may hold contacts (a venue's, or a person's who reported an error) or account hashes; on a
shared machine nobody else should read them.
"""

from __future__ import annotations

import os
from pathlib import Path


def private_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (created with mode 0600, never readable by others meanwhile)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(path, 0o600)


def owner_only(*paths: Path) -> None:
    """Make existing files (mode 0600) and folders (mode 0700) private to their owner."""
    for path in paths:
        if path.is_dir():
            os.chmod(path, 0o700)
        elif path.is_file():
            os.chmod(path, 0o600)
