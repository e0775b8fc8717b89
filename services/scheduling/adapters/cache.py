"""A short-lived, per-process copy of what every booking request reads: the window, with
each teacher's room and video link. A web worker may use a copy read up to
WINDOW_CACHE_SECONDS ago (a change made by this process forgets its copy at once); it
saves a database round trip on the hot path. Whether a slot is free, and whose child
is whose, is always read fresh."""
from __future__ import annotations

import time
from typing import Callable

from services.scheduling.domain.constants import WINDOW_CACHE_SECONDS

_MAX_ENTRIES = 20_000


class TtlCache:
    def __init__(self, ttl: float):
        self.ttl = ttl
        self._data: dict = {}

    def get(self, key, load: Callable):
        hit = self._data.get(key)
        now = time.monotonic()
        if hit and hit[0] > now:
            return hit[1]
        value = load()
        if value is not None:
            if len(self._data) >= _MAX_ENTRIES:
                self._data = {k: v for k, v in self._data.items() if v[0] > now}
            self._data[key] = (now + self.ttl, value)
        return value

    def forget(self, key) -> None:
        self._data.pop(key, None)


_windows = TtlCache(WINDOW_CACHE_SECONDS)


def window(uow, window_id: str) -> tuple[dict, dict] | None:
    """(window document, {teacher_id: {room, video_link}}) or None, read through the
    repositories of `uow` (`repositories.reads(store)` outside a transaction)."""
    def load():
        doc = uow.windows.get(window_id)
        if doc is None:
            return None
        return doc, uow.availability.rooms(window_id)

    return _windows.get((uow.windows.scope, window_id), load)


def forget_window(uow, window_id: str) -> None:
    _windows.forget((uow.windows.scope, window_id))
