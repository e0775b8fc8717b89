"""kill -9 of the notifications worker in the middle of a fan-out: after it is started
again every delivery is sent, and exactly once, except a send the kill cut off after the
provider took it: that one is resent once with the same Message-ID (SMS: the same
Idempotency-Key), and counted. The worker runs as its own process; the providers too."""
import time
from collections import Counter

import pytest

from services.common.testing import wait_until
from tests.integration.notifications.conftest import NotifyProcessWorld, report_ready

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

FAMILIES = 150


@pytest.fixture
def world(tmp_path, mongo_url, amqp_url, exchange):
    # A short lease, so the restarted worker takes over the killed one's claims soon.
    w = NotifyProcessWorld(tmp_path, mongo_url, amqp_url, exchange, FAMILIES, NOTIFY_LEASE_SECONDS="6",
                           NOTIFY_RATE_LIMITS="email=40,sms=40")
    try:
        w.worker.start()
        yield w
    finally:
        w.close()


def test_kill_9_mid_fan_out_then_every_delivery_is_sent_exactly_once(world):
    for i in range(FAMILIES):
        world.publish(report_ready(i, "crash"))
    wait_until(lambda: world.mail.count() >= 25, timeout=180, interval=0.05, message="the first e-mails")
    world.worker.kill()
    at_kill = {"mail": world.mail.count(), "sms": world.sms.count(),
               "inapp": world.store.db["inbox"].count_documents({}),
               "sending": world.deliveries.count_documents({"status": "sending"})}
    assert at_kill["mail"] < FAMILIES or at_kill["sms"] < FAMILIES, f"the fan-out was over before the kill: {at_kill}"
    world.worker.start()

    wait_until(lambda: world.deliveries.count_documents({"status": "sent"}) == 3 * FAMILIES, timeout=300,
               interval=1.0, message="every delivery sent after the restart")
    time.sleep(2.0)
    assert world.deliveries.count_documents({"status": {"$ne": "sent"}}) == 0
    assert world.store.db["inbox"].count_documents({}) == FAMILIES  # in-app: written with the record, once

    emails = {d["message_id"]: d for d in world.deliveries.find({"channel": "email"})}
    texts = {d["_id"]: d for d in world.deliveries.find({"channel": "sms"})}
    mail, sms = Counter(world.mail.keys()), Counter(world.sms.keys())
    assert set(mail) == set(emails) and set(sms) == set(texts)  # every one arrived
    resent = {k for k, d in {**emails, **texts}.items() if d.get("resent_after_unknown")}
    twice = {k: n for k, n in (mail + sms).items() if n > 1}
    counted = world.worker.metric("confer_notification_unknown_outcome_resends_total", channel="email") + \
        world.worker.metric("confer_notification_unknown_outcome_resends_total", channel="sms")
    print(f"\nCRASH killed with {at_kill}; after restart: e-mails {sum(mail.values())} for {len(emails)}, SMS "
          f"{sum(sms.values())} for {len(texts)}; sent twice {len(twice)} (all resends of unknown outcome: "
          f"{set(twice) <= resent}); resends counted {counted:.0f}")
    assert all(n == 2 for n in twice.values()), twice  # at most one resend ...
    assert set(twice) <= resent and len(resent) == counted  # ... and only of a send the kill cut off, counted
