"""Rendered pages of runs, kept per server process for the next visitor.

A run folder never changes, so a run's page (and a mentee's or mentor's in it) changes only
with the program's state — locks and forbids, the published run — and every change of
that state is a line in the audit log. A page is kept under (workspace, user, URL, the
program's last such logged action, :func:`service.db.program_version`); a new one makes
the program's kept pages unreachable (they age out).

A page holds the session's CSRF token in its forms: it is kept with a placeholder instead,
put back for each request, so a kept page never carries another session's token.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Hashable

#: Pages kept per process (a mentee page of a large run is ~40 KB).
KEPT_PAGES = 1024
#: Stands for the CSRF token in a kept page (random per process: no page text can hold it).
CSRF_PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"


class PageCache:
    """A bounded, thread-safe map of page key → HTML (least recently used goes first)."""

    def __init__(self, size: int = KEPT_PAGES) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, csrf: str) -> str | None:
        """The kept page with ``csrf`` in its forms, or None."""
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return None
            self._pages.move_to_end(key)
        return page.replace(CSRF_PLACEHOLDER, csrf)

    def put(self, key: Hashable, page: str) -> None:
        """Keep ``page`` (rendered with :data:`CSRF_PLACEHOLDER` as the token)."""
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
