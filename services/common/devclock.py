"""Development mode and the dev clock: time that can be moved forward, so a season's
reminders, follow-ups and reports can be walked in minutes.

Both are off unless development mode is switched on explicitly with CONFER_DEV_MODE=1 (the
dev runner sets it; production never does). The clock is a file holding an offset in
seconds (CONFER_DEV_CLOCK_FILE): every process that points at the same file (the
services' web apps and workers, the portal) reads the same "now" = real time + offset.
`Store.from_settings` uses it as the store's clock, so timers, events, `uow.now` and
every rule fed from them move together. The offset only grows: time never goes back.
"""
from __future__ import annotations

import os
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

DEV_ENV = "CONFER_DEV_MODE"  # the one development switch (services.common.production)
CLOCK_ENV = "CONFER_DEV_CLOCK_FILE"


def dev_mode(environ=None) -> bool:
    """True only when CONFER_DEV_MODE is explicitly on (`environ`: another mapping, for tests)."""
    value = (environ if environ is not None else os.environ).get(DEV_ENV, "")
    return value.strip().lower() in ("1", "true", "yes", "on")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class OffsetClock:
    """Real time plus the offset in `path`. The file is read again only when it changed
    (one stat per call), so the clock is cheap enough for every `uow.now`."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._seen: tuple | None = None
        self._offset = 0.0
        self._lock = threading.Lock()

    def offset(self) -> float:
        try:
            st = self.path.stat()
        except OSError:
            return 0.0
        key = (st.st_mtime_ns, st.st_size, st.st_ino)
        if key != self._seen:
            try:
                value = float(self.path.read_text().strip() or 0)
            except (OSError, ValueError):
                return self._offset
            with self._lock:
                self._seen, self._offset = key, value
        return self._offset

    def __call__(self) -> datetime:
        return utcnow() + timedelta(seconds=self.offset())

    def set_offset(self, seconds: float) -> float:
        """Write a new offset (atomically: a reader never sees half a number)."""
        if seconds < self.offset() - 1:
            raise ValueError("the dev clock never goes back")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}")
        tmp.write_text(repr(float(seconds)))
        tmp.replace(self.path)
        return float(seconds)

    def advance(self, delta: timedelta) -> datetime:
        if delta.total_seconds() <= 0:
            raise ValueError("the dev clock only moves forward")
        self.set_offset(self.offset() + delta.total_seconds())
        return self()

    def set(self, when: datetime) -> None:
        """Every reader's clock reads `when` now (and runs on from there)."""
        self.set_offset((when - utcnow()).total_seconds())


_clocks: dict[str, OffsetClock] = {}


def clock_from_env(environ=None) -> OffsetClock | None:
    """The dev clock when development mode is on and a clock file is named; else None."""
    env = environ if environ is not None else os.environ
    path = env.get(CLOCK_ENV)
    if not path or not dev_mode(env):
        return None
    if path not in _clocks:
        _clocks[path] = OffsetClock(path)
    return _clocks[path]


def now() -> datetime:
    """The current time as the services see it (the dev clock in dev mode)."""
    clock = clock_from_env()
    return clock() if clock else utcnow()
