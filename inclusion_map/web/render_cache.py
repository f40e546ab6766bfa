"""What the pages compute or render, kept per store version and bounded in memory and in work.

Two tools, both held per application (``app.extensions``), so that two apps of one process (the
tests make many) never share an answer:

:class:`Jobs`
    Slow work (a gap analysis, a PDF render) run in a small thread pool: at most ``workers`` at a
    time, once per key however many requests ask for it at once, the answers of the last ``keep``
    keys remembered. A request waits for its answer at most a given time; past it, it gets
    :class:`Pending` (the page says « en préparation ») and the work goes on in the background. A
    failure is not remembered: the next request tries again.
:class:`PageCache`
    Pages whose HTML depends only on their URL, the store's version (and, for opening hours, the
    minute), rendered once and served again to visitors without a session. The per-response CSP
    nonce is the one thing that differs: pages are rendered with a placeholder (:data:`NONCE`)
    that :func:`finish` replaces.

Keys carry :func:`~inclusion_map.stores.store_version`, so a harvest or a build (a new store file) renders everything again.
"""

from __future__ import annotations

import math
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from flask import current_app, render_template, request

from . import security

#: Rendered in place of the response's nonce, then replaced. Random per process, so that no text
#: of a visitor (a search, echoed in the page) can contain it.
NONCE = f"nonce-placeholder-{secrets.token_hex(16)}"
MAX_QUERY = 1024  # bytes of query string of a page that is kept
_MAKING = threading.Lock()


class Pending(Exception):
    """The answer is being prepared; ask again in ``retry_after`` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"being prepared, retry in {retry_after} s")
        self.retry_after = retry_after


class Jobs:
    """Work done once per key in a bounded thread pool, its answers kept for the last keys.

    Parameters
    ----------
    name : str
        Names the pool's threads.
    workers : int
        Computations running at the same time (the others queue).
    typical_s : float
        About how long one computation takes, to tell clients when to come back.
    keep : int
        Finished answers kept (least recently asked dropped first); running ones are never dropped.
    queue : int
        Computations waiting or running at most; a new key beyond that is refused with
        :class:`Pending` rather than queued, so that many new keys cannot pile up work.
    """

    def __init__(self, name: str, workers: int, typical_s: float, keep: int = 16, queue: int = 32):
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._futures: OrderedDict[Hashable, Future] = OrderedDict()
        self._lock = threading.Lock()
        self.workers, self.typical_s, self.keep, self.queue = workers, typical_s, keep, queue
        #: computations started since the pool was made (what the tests count)
        self.started = 0

    def _unfinished(self) -> int:
        return sum(not f.done() for f in self._futures.values())

    def retry_after(self) -> int:
        """Seconds until a newly queued computation is likely done (at least 1, at most 60)."""
        with self._lock:
            waiting = self._unfinished()
        return max(1, min(60, math.ceil(self.typical_s * (1 + waiting / self.workers))))

    def submit(self, key: Hashable, compute: Callable[[], Any]) -> Future:
        """The future of ``compute()`` for ``key``: the one asked for already, else a new one.

        Raises
        ------
        Pending
            When ``queue`` computations are already waiting or running.
        """
        with self._lock:
            future = self._futures.get(key)
            if future is not None:
                self._futures.move_to_end(key)
                return future
            if self._unfinished() >= self.queue:
                raise Pending(max(1, math.ceil(self.typical_s * self.queue / self.workers)))
            future = self._pool.submit(compute)
            self.started += 1
            self._futures[key] = future
            extra = max(0, len(self._futures) - self.keep)
            for old in [k for k, f in self._futures.items() if f.done()][:extra]:
                del self._futures[old]
            return future

    def forget(self, key: Hashable, future: Future | None = None) -> None:
        """Drop the answer of ``key`` (only if it is still ``future``, when one is given)."""
        with self._lock:
            if key in self._futures and (future is None or self._futures[key] is future):
                del self._futures[key]

    def result(self, key: Hashable, compute: Callable[[], Any], wait_s: float) -> Any:
        """The answer for ``key``, computed by ``compute()`` once, waited for at most ``wait_s``.

        Raises
        ------
        Pending
            When it is not ready within ``wait_s`` (it goes on being computed).
        Exception
            Whatever ``compute`` raised; that failure is forgotten, the next call tries again.
        """
        future = self.submit(key, compute)
        try:
            return future.result(timeout=wait_s)
        except Exception:
            if not future.done():  # the wait ran out, not the computation
                raise Pending(self.retry_after()) from None
            self.forget(key, future)
            raise

    def wait(self, timeout: float = 120) -> None:
        """Wait until every computation asked for so far has finished (for tests and benchmarks)."""
        with self._lock:
            futures = list(self._futures.values())
        for future in futures:
            try:
                future.result(timeout=timeout)
            except Exception:  # noqa: S112 - failures are the requests' business, not the waiter's
                continue


class PageCache:
    """Rendered pages by key, at most ``size`` of them (least recently served dropped first)."""

    def __init__(self, size: int = 256):
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()
        self.size = size

    def get(self, key: Hashable) -> str | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: Hashable, page: str) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


def _extension() -> dict:
    return current_app.extensions.setdefault("inclusion_map.render_cache", {})


def _made(key: str, make: Callable[[], Any]) -> Any:
    found = _extension()
    if key not in found:
        with _MAKING:  # two first requests at once must not make two pools
            if key not in found:
                found[key] = make()
    return found[key]


def jobs(name: str, workers: int, typical_s: float, **options) -> Jobs:
    """The application's :class:`Jobs` called ``name``, made on first use with these arguments.

    Parameters
    ----------
    name : str
    workers : int
        Computations at the same time (``server.pdf_renders``, ``server.analysis_workers``).
    typical_s : float
        About how long one takes.
    **options
        ``keep`` and ``queue`` of :class:`Jobs`.
    """
    return _made(f"jobs:{name}", lambda: Jobs(name, workers, typical_s, **options))


def pages() -> PageCache:
    """The application's :class:`PageCache`."""
    return _made("pages", PageCache)


def finish(page: str) -> str:
    """A page rendered with :data:`NONCE`, with this response's nonce in its place."""
    return page.replace(NONCE, security.nonce())


def _shared() -> bool:
    """Whether the request's page may be shared: no session cookie (a visitor's session, an
    organiser's login or a form's token, could show in a page rendered for them; read from the
    cookies, not the session, so that the answers do not vary with cookies) and a short query
    (pages repeat it in their links: long ones would fill the memory)."""
    return (current_app.config["SESSION_COOKIE_NAME"] not in request.cookies
            and len(request.query_string) <= MAX_QUERY)  # fmt: skip


def cached(key: Hashable) -> str | None:
    """The page kept for ``key``, ready to send, or ``None``."""
    page = pages().get(key) if _shared() else None
    return None if page is None else finish(page)


def render(template: str, key: Hashable | None, **context) -> str:
    """Render ``template``, keep it under ``key`` (unless ``None``), return it ready to send."""
    page = render_template(template, nonce=lambda: NONCE, **context)
    if key is not None and _shared():
        pages().put(key, page)
    return finish(page)
