"""A short-lived, per-process copy of what every booking request reads: the window, with
each teacher's room and video link. A web worker may use a copy read up to
WINDOW_CACHE_SECONDS ago (a change made by this process forgets its copy at once); it
saves a database round trip on the hot path. Whether a slot is free, and whose child
is whose, is always read fresh."""
from __future__ import annotations

import time
from typing import Callable

from services.scheduling.adapters import repository as repo
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


def window(db, window_id: str) -> tuple[dict, dict] | None:
    """(window document, {teacher_id: {room, video_link}}) or None."""
    def load():
        doc = db[repo.WINDOWS].find_one({"_id": window_id})
        if doc is None:
            return None
        rooms = {a["teacher_id"]: {"room": a.get("room"), "video_link": a.get("video_link")}
                 for a in db[repo.AVAILABILITY].find({"window_id": window_id}, {"teacher_id": 1, "room": 1,
                                                                               "video_link": 1})}
        return doc, rooms

    return _windows.get((db.name, window_id), load)


def forget_window(db, window_id: str) -> None:
    _windows.forget((db.name, window_id))

