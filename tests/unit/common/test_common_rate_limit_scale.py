"""RATE_LIMIT_SCALE multiplies the per-person limits a service declares."""
from services.common.config import Settings
from services.common.web import RateLimiter, scaled_limits


def test_the_scale_multiplies_each_limit_and_the_limiter_keeps_it(monkeypatch):
    assert Settings.from_env("roster").rate_limit_scale == 1.0
    monkeypatch.setenv("RATE_LIMIT_SCALE", "2.5")
    assert Settings.from_env("roster").rate_limit_scale == 2.5
    declared = {("GET", "/me"): (4, 60)}
    assert scaled_limits(declared, 1.0) == declared
    assert scaled_limits(declared, 2.5) == {("GET", "/me"): (10, 60)}
    assert scaled_limits(declared, 0.01) == {("GET", "/me"): (1, 60)}
    limiter = RateLimiter(scaled_limits(declared, 2.0))
    answers = [limiter.check("GET", "/me", "g-1") for _ in range(9)]
    assert answers[:8] == [None] * 8 and answers[8] and answers[8] > 0
    assert limiter.check("GET", "/me", "g-2") is None  # per person
