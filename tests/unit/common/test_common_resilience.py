"""Token bucket and circuit breaker rules, on an injected clock (no sleeping)."""
import threading

from services.common.resilience import CLOSED, HALF_OPEN, OPEN, CircuitBreaker, TokenBucket


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_bucket_gives_its_burst_then_one_token_per_interval():
    clock = Clock()
    bucket = TokenBucket(4, burst=3, clock=clock)
    assert [bucket.try_acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.try_acquire() == 0.25  # 4 a second: the next token in 0.25 s
    clock.t += 0.125
    assert bucket.try_acquire() == 0.125
    clock.t += 0.125
    assert bucket.try_acquire() == 0.0
    clock.t += 10  # saved up, but never more than the burst
    assert [bucket.try_acquire() for _ in range(4)][:3] == [0.0, 0.0, 0.0]


def test_bucket_held_after_a_429_gives_nothing_until_the_time_is_up():
    clock = Clock()
    bucket = TokenBucket(0, clock=clock)  # no limit...
    assert bucket.unlimited and bucket.try_acquire() == 0.0
    bucket.hold(7)  # ...but the provider said Retry-After: 7
    assert bucket.try_acquire() == 7.0
    clock.t += 7
    assert bucket.try_acquire() == 0.0


def test_bucket_acquire_returns_false_when_asked_to_stop():
    bucket = TokenBucket(0.001, burst=1)
    assert bucket.acquire()
    stop = threading.Event()
    stop.set()
    assert bucket.acquire(stop) is False


def test_breaker_opens_after_failures_in_a_row_and_a_success_resets_the_count():
    clock, changes = Clock(), []
    breaker = CircuitBreaker("smtp", failures=3, cooldown=10, max_cooldown=40, clock=clock,
                             on_change=lambda name, state: changes.append(state))
    breaker.failure()
    breaker.failure()
    breaker.success()
    breaker.failure()
    breaker.failure()
    assert breaker.state == CLOSED and breaker.allow() == CLOSED
    breaker.failure()
    assert breaker.state == OPEN and breaker.allow() == "" and changes == [OPEN]
    assert breaker.seconds_until_probe() == 10


def test_open_breaker_lets_one_probe_through_after_the_cooldown_and_doubles_it_when_the_probe_fails():
    clock = Clock()
    breaker = CircuitBreaker("sms", failures=1, cooldown=10, max_cooldown=25, clock=clock)
    breaker.failure()
    clock.t += 9.9
    assert breaker.allow() == ""
    clock.t += 0.1
    assert breaker.state == HALF_OPEN
    assert breaker.allow() == HALF_OPEN  # the probe
    assert breaker.allow() == ""  # only one at a time
    breaker.failure()  # the probe failed
    assert breaker.state == OPEN and breaker.seconds_until_probe() == 20
    clock.t += 20
    assert breaker.allow() == HALF_OPEN
    breaker.failure()
    assert breaker.seconds_until_probe() == 25  # never more than the maximum
    clock.t += 25
    assert breaker.allow() == HALF_OPEN
    breaker.success()
    assert breaker.state == CLOSED and breaker.allow() == CLOSED
    breaker.failure()  # closed again: the count starts afresh, one failure opens it with the base cool-down
    assert breaker.seconds_until_probe() == 10


def test_a_probe_not_sent_after_all_lets_the_next_caller_probe():
    clock = Clock()
    breaker = CircuitBreaker("x", failures=1, cooldown=1, clock=clock)
    breaker.failure()
    clock.t += 1
    assert breaker.allow() == HALF_OPEN and breaker.probing
    breaker.release_probe()
    assert breaker.allow() == HALF_OPEN
