"""The site for a WSGI server: ``gunicorn inclusion_map.wsgi:app``, and ``python run.py serve --workers N``.

``app`` is built from the configuration (``$INCLUSION_MAP_CONFIG``, then ``./config.yaml``; the
store from ``store:`` or ``$INCLUSION_MAP_STORE_URL``) the first time it is asked for, not when the
module is imported: a gunicorn worker builds its own after the fork, so that no store connection,
lock or thread of the parent process is shared by several workers. For the same reason do not
start gunicorn with ``--preload``.

Every worker signs the session cookies with ``$INCLUSION_MAP_SECRET_KEY``. Without it each process
draws its own random key and an organiser logged in on one worker is unknown to the others:
``python run.py serve --workers N`` draws one key for all its workers; under a bare ``gunicorn``
command, set the variable (a warning says so when it is missing).

:class:`Server` runs gunicorn inside ``python run.py serve`` with the options below; the harvest of
an empty store is done by the caller before :meth:`Server.run`, so once, never in every worker.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

SECRET_ENV = "INCLUSION_MAP_SECRET_KEY"

#: seconds a worker may stay silent before the parent kills and replaces it; a gthread worker
#: stays in touch while its threads answer, so a slow page (a PDF) does not count, a stuck process does
TIMEOUT_S = 60
#: seconds a worker asked to stop (SIGTERM, SIGHUP of the parent) has to finish its requests
GRACEFUL_TIMEOUT_S = 30
#: connections one worker holds open per thread of it (the others are taken by the other workers)
CONNECTIONS_PER_THREAD = 4
#: seconds an idle keep-alive connection is kept (a reverse proxy reuses its connections)
KEEPALIVE_S = 5

log = logging.getLogger("inclusion_map.wsgi")


def gunicorn_options(host: str, port: int, workers: int, threads: int, access_log: str | None = None,
                     trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")) -> dict:  # fmt: skip
    """The gunicorn settings of ``python run.py serve --workers N``.

    Parameters
    ----------
    host, port : str, int
        Where to listen: one socket, opened by the parent and shared by every worker.
    workers : int
        Worker processes.
    threads : int
        Threads per worker (gthread): each worker answers that many requests at once.
    access_log : str, optional
        A file for one line per request (``-``: standard output); none by default.
    trusted_proxies : tuple of str
        ``server.trusted_proxies`` of the configuration: only their ``X-Forwarded-Proto`` is believed,
        as the application believes only their ``X-Forwarded-For``.

    Returns
    -------
    dict
        gunicorn setting name → value.
    """
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    options = {
        "bind": [bind],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        # gthread's default (1,000 connections a worker) lets one worker take every keep-alive
        # connection of a proxy or a client while the others idle: a few per thread spreads them.
        # Beyond workers × threads × 4 open connections, new ones wait in the socket's queue until
        # one closes (an idle keep-alive connection closes after KEEPALIVE_S). One worker: no limit.
        "worker_connections": threads * CONNECTIONS_PER_THREAD if workers > 1 else 1000,
        "timeout": TIMEOUT_S,
        "graceful_timeout": GRACEFUL_TIMEOUT_S,
        "keepalive": KEEPALIVE_S,
        "accesslog": access_log,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "inclusion_map",
        "forwarded_allow_ips": ",".join(trusted_proxies),
        # The application is loaded in each worker after the fork, never in the parent.
        "preload_app": False,
        # gunicorn ≥ 25 opens a control socket at one fixed path per user: two servers of one user
        # (a test beside a running site) would take it from each other; signals do the same work.
        "control_socket_disable": True,
    }
    if Path("/dev/shm").is_dir():
        # The heartbeat file is touched every second: in memory it never waits on a disk (the
        # temporary folder of a container is often an overlay on one).
        options["worker_tmp_dir"] = "/dev/shm"
    return options


def shared_secret() -> None:
    """Draw one session key for every worker of this server, unless ``$INCLUSION_MAP_SECRET_KEY`` is set.

    Set in the parent's environment before the fork, the key is inherited by every worker (also the
    ones started again later); like a single process's random key it lasts until the server stops.
    """
    import secrets

    if not os.environ.get(SECRET_ENV):
        os.environ[SECRET_ENV] = secrets.token_hex(32)


def build_app(load_settings: Callable | None = None):
    """The Flask application from the configuration.

    Parameters
    ----------
    load_settings : callable, optional
        Returns the :class:`~inclusion_map.config.Settings`; default
        :func:`~inclusion_map.config.load_settings` (``$INCLUSION_MAP_CONFIG``, then ``./config.yaml``).
    """
    from .config import load_settings as default_settings
    from .web import create_app

    if not os.environ.get(SECRET_ENV):
        log.warning("%s is not set: with several workers each one signs sessions with its own random "
                    "key, so organisers' logins fail at random; set it to a long random text", SECRET_ENV)  # fmt: skip
    return create_app((load_settings or default_settings)())


try:  # gunicorn is only needed to serve with several workers
    from gunicorn.app.base import BaseApplication
except ImportError:  # pragma: no cover - declared in pyproject.toml
    BaseApplication = object


class Server(BaseApplication):
    """gunicorn run from Python: the parent listens and watches, each worker builds its own app.

    Parameters
    ----------
    options : dict
        gunicorn settings (:func:`gunicorn_options`).
    load_settings : callable
        Called in each worker (and again after a SIGHUP of the parent, which starts new workers on
        the configuration read again) to build its application.

    Notes
    -----
    Signals to the parent: SIGTERM or SIGINT stops gracefully (the workers finish their requests,
    at most ``graceful_timeout`` seconds); SIGHUP reads the configuration again and replaces the
    workers one by one; TTIN/TTOU add or remove a worker. A worker that dies (SIGKILL, a crash) or
    is stopped (SIGTERM to it) is replaced by a new one.
    """

    def __init__(self, options: dict, load_settings: Callable):
        self.options = options
        self.load_settings = load_settings
        super().__init__(usage=None, prog="inclusion_map")

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # an older gunicorn lacks the newer settings: their default is kept
                self.cfg.set(key, value)

    def load(self):
        return build_app(self.load_settings)

    def run(self) -> None:
        """Serve until stopped; a worker that fails to build its application stops the server."""
        from gunicorn.errors import HaltServer

        from .errors import InclusionMapError

        try:
            super().run()
        except HaltServer as exc:  # the worker's error is already written above, by gunicorn
            raise InclusionMapError(f"the site could not start in its workers ({exc.reason}); "
                                    "the error is written above") from None  # fmt: skip


def __getattr__(name: str):
    """``app``, built at first use (by the gunicorn worker that imports it), then kept."""
    if name == "app":
        globals()["app"] = application = build_app()
        return application
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
