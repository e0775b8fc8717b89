"""Rate limits and circuit breakers for calls to outside providers (SMTP relays, SMS
gateways, webhook subscribers). Thread-safe, with an injectable monotonic clock so the
rules are tested without sleeping. No I/O here: callers decide what a failure is.

TokenBucket: `rate` tokens a second, at most `burst` saved up; `acquire()` blocks until
a token is free (or the stop event is set). `hold(seconds)` empties it for a while (a
provider answered 429 with Retry-After).

CircuitBreaker: CLOSED counts consecutive failures; `failures` of them open it. OPEN
lets nothing through for `cooldown` seconds, then HALF_OPEN lets exactly one probe
through: its success closes the breaker, its failure opens it again with the cool-down
doubled (up to `max_cooldown`). A failing provider is thus tried once per cool-down,
not once per message.
"""
from __future__ import annotations

import threading
import time
from typing import Callable

CLOSED, HALF_OPEN, OPEN = "closed", "half_open", "open"
STATE_VALUE = {CLOSED: 0, HALF_OPEN: 1, OPEN: 2}  # the breaker-state gauge


class TokenBucket:
    def __init__(self, rate: float, burst: float | None = None, *, clock: Callable[[], float] = time.monotonic):
        self.rate = float(rate)
        self.burst = float(burst if burst is not None else max(1.0, rate))
        self.clock = clock
        self._tokens = self.burst
        self._stamp = clock()
        self._held_until = 0.0
        self._lock = threading.Lock()

    @property
    def unlimited(self) -> bool:
        return self.rate <= 0

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def try_acquire(self) -> float:
        """Take a token if one is free: 0.0; otherwise the seconds until one will be."""
        with self._lock:
            now = self.clock()
            if now < self._held_until:
                return self._held_until - now
            if self.unlimited:
                return 0.0
            self._refill(now)
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return 0.0
            return (1.0 - self._tokens) / self.rate

    def acquire(self, stop: threading.Event | None = None, max_wait: float = 1.0) -> bool:
        """Block until a token is taken (True) or `stop` is set (False)."""
        while True:
            wait = self.try_acquire()
            if wait <= 0:
                return True
            if stop is not None:
                if stop.wait(min(wait, max_wait)):
                    return False
            else:
                time.sleep(min(wait, max_wait))

    def hold(self, seconds: float) -> None:
        """Give out nothing for `seconds` (the provider asked us to slow down)."""
        with self._lock:
            now = self.clock()
            self._held_until = max(self._held_until, now + max(0.0, seconds))
            self._tokens = 0.0
            self._stamp = now


class CircuitBreaker:
    def __init__(self, name: str, *, failures: int = 5, cooldown: float = 10.0, max_cooldown: float = 300.0,
                 clock: Callable[[], float] = time.monotonic, on_change: Callable[[str, str], None] | None = None):
        self.name = name
        self.threshold = max(1, int(failures))
        self.base_cooldown = float(cooldown)
        self.max_cooldown = max(float(max_cooldown), self.base_cooldown)
        self.clock = clock
        self.on_change = on_change
        self._state = CLOSED
        self._failures = 0
        self._cooldown = self.base_cooldown
        self._opened_at = 0.0
        self._probing = False
        self._lock = threading.Lock()

    def _set(self, state: str) -> None:
        if state != self._state:
            self._state = state
            if self.on_change:
                self.on_change(self.name, state)

    @property
    def state(self) -> str:
        with self._lock:
            self._tick()
            return self._state

    def _tick(self) -> None:
        if self._state == OPEN and self.clock() - self._opened_at >= self._cooldown:
            self._set(HALF_OPEN)
            self._probing = False

    def seconds_until_probe(self) -> float:
        with self._lock:
            self._tick()
            if self._state != OPEN:
                return 0.0
            return max(0.0, self._cooldown - (self.clock() - self._opened_at))

    def allow(self) -> str:
        """May a call go out now? CLOSED (yes), HALF_OPEN (yes: this call is the probe;
        only the first caller gets it) or "" (no)."""
        with self._lock:
            self._tick()
            if self._state == CLOSED:
                return CLOSED
            if self._state == HALF_OPEN and not self._probing:
                self._probing = True
                return HALF_OPEN
            return ""

    @property
    def probing(self) -> bool:
        with self._lock:
            return self._probing

    def success(self) -> None:
        with self._lock:
            self._failures = 0
            self._probing = False
            self._cooldown = self.base_cooldown
            self._set(CLOSED)

    def failure(self) -> None:
        with self._lock:
            self._tick()
            if self._state == HALF_OPEN:  # the probe failed: wait longer before the next one
                self._cooldown = min(self.max_cooldown, self._cooldown * 2)
                self._open()
                return
            if self._state == OPEN:
                return
            self._failures += 1
            if self._failures >= self.threshold:
                self._open()

    def release_probe(self) -> None:
        """The probe was not sent after all (stopping, or no work): let another try."""
        with self._lock:
            self._probing = False

    def _open(self) -> None:
        self._opened_at = self.clock()
        self._probing = False
        self._failures = 0
        self._set(OPEN)
