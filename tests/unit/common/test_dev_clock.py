"""The dev clock: a movable offset shared through a file, honoured only in development
mode (CONFER_DEV_MODE=1), never going back."""
from datetime import datetime, timedelta, timezone

import pytest

from services.common.config import Settings
from services.common.devclock import OffsetClock, clock_from_env, dev_mode
from services.common.store import Store


def test_the_offset_file_moves_every_reader_forward(tmp_path):
    path = tmp_path / "clock"
    a, b = OffsetClock(path), OffsetClock(path)
    assert abs((a() - datetime.now(timezone.utc)).total_seconds()) < 5  # no file: real time
    a.advance(timedelta(days=14))
    assert timedelta(days=13, hours=23) < b() - datetime.now(timezone.utc) < timedelta(days=14, minutes=1)
    with pytest.raises(ValueError):
        b.set_offset(0)  # time never goes back
    with pytest.raises(ValueError):
        a.advance(timedelta(0))
    later = datetime.now(timezone.utc) + timedelta(days=30)
    b.set(later)
    assert abs((a() - later).total_seconds()) < 5


def test_only_development_mode_reads_the_clock(tmp_path):
    path = str(tmp_path / "clock")
    OffsetClock(path).advance(timedelta(days=3))
    assert clock_from_env({"CONFER_DEV_CLOCK_FILE": path}) is None
    assert clock_from_env({"CONFER_DEV_MODE": "0", "CONFER_DEV_CLOCK_FILE": path}) is None
    assert clock_from_env({"CONFER_DEV_MODE": "1", "CONFER_DEV_CLOCK_FILE": path}) is not None
    assert not dev_mode({}) and dev_mode({"CONFER_DEV_MODE": "yes"})


def test_a_store_uses_the_dev_clock_in_development_mode_only(tmp_path, monkeypatch):
    path = str(tmp_path / "clock")
    OffsetClock(path).advance(timedelta(days=3))
    monkeypatch.setenv("CONFER_DEV_CLOCK_FILE", path)
    monkeypatch.delenv("CONFER_DEV_MODE", raising=False)
    prod = Store.from_settings(Settings.from_env("goals"))
    assert abs((prod.clock() - datetime.now(timezone.utc)).total_seconds()) < 5
    monkeypatch.setenv("CONFER_DEV_MODE", "1")
    dev = Store.from_settings(Settings.from_env("goals"))
    assert dev.clock() - datetime.now(timezone.utc) > timedelta(days=2, hours=23)
    fixed = Store.from_settings(Settings.from_env("goals"), clock=lambda: datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert fixed.clock().year == 2026  # an injected clock (tests) wins
    for s in (prod, dev, fixed):
        s.client.close()
