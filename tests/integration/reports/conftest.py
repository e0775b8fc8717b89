"""A reports service on the real servers: its worker (consumer, outbox relay, timers)
on a fresh RabbitMQ exchange and MongoDB database, and its web app on the same store."""
from types import SimpleNamespace

import pytest

from services.common.bus import Publisher, Topology
from services.common.catalogue import spec_for_type
from services.common.service import Worker, build_app
from services.common.testing import wait_until
from services.reports import SERVICE
from services.reports.adapters.repository import EVENT_LOG


@pytest.fixture
def reports(settings_for, token):
    settings = settings_for("reports")
    worker = Worker(SERVICE, settings).start()
    app = build_app(SERVICE, settings, store=worker.store)
    publisher = Publisher(settings.amqp_url, Topology(settings.exchange))

    def publish(envelopes, timeout=90.0):
        """Publish to the exchange as the producers would; wait until all are logged."""
        before = worker.store.db[EVENT_LOG].count_documents({})
        for env in envelopes:
            publisher.publish(env, spec=spec_for_type(env["type"]))
        wait_until(lambda: worker.store.db[EVENT_LOG].count_documents({}) >= before + len(envelopes),
                   timeout=timeout, message=f"{len(envelopes)} events consumed")

    def get(path, role="district_admin", sub="u-1", school_ids=(), headers=None):
        auth = {"Authorization": f"Bearer {token(role=role, sub=sub, school_ids=school_ids)}", **(headers or {})}
        return app.test_client().get(path, headers=auth)

    def post(path, json, role="district_admin", sub="u-1", school_ids=()):
        auth = {"Authorization": f"Bearer {token(role=role, sub=sub, school_ids=school_ids)}"}
        return app.test_client().post(path, json=json, headers=auth)

    env = SimpleNamespace(settings=settings, worker=worker, store=worker.store, app=app, publish=publish, get=get,
                          post=post)
    yield env
    publisher.close()
    worker.stop()
