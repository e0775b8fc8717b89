"""Use cases whose database statements are counted (pymongo command monitoring), shared
by bench/statements.py (which prints the figures) and
tests/integration/common/test_statement_budgets.py (which keeps them under budgets).
Each runs deterministically in the calling thread, so the counts do not depend on the
machine's speed:

  * deliveries: a fan-out of report notices to families (e-mail, SMS, in-app each),
    recorded by the consumer's batches (CONSUMER_BATCH events per transaction), sent by
    the delivery lanes (DeliveryEngine.run_until_idle: a claimed batch journalled in one
    write), and the NotificationSent events published by the outbox relay;
  * handled events: the consumer's batches of events whose handler makes one update;
  * bookings: families booking one child each through the scheduling API.
"""
from __future__ import annotations

import threading
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from pymongo import MongoClient, monitoring

from services.common.testing import make_envelope

NOT_STATEMENTS = {"endSessions", "hello", "isMaster", "ismaster", "ping", "buildInfo"}
SCHOOL = {"school_id": "s-1", "name": "Escuela Lincoln", "time_zone": "America/Chicago", "languages": ["en", "es"],
          "active": True}


class Statements(monitoring.CommandListener):
    """Counts the commands a client sends, by name (a transaction is its commitTransaction)."""

    def __init__(self):
        self.by_name: Counter = Counter()
        self._lock = threading.Lock()
        self.on = False

    def started(self, event):
        if self.on and event.command_name not in NOT_STATEMENTS:
            with self._lock:
                self.by_name[event.command_name] += 1

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass

    @contextmanager
    def counting(self):
        self.by_name.clear()
        self.on = True
        try:
            yield self
        finally:
            self.on = False

    @property
    def total(self) -> int:
        return sum(self.by_name.values())

    @property
    def transactions(self) -> int:
        return self.by_name["commitTransaction"]


def counted_client(mongo_url: str) -> tuple[MongoClient, Statements]:
    listener = Statements()
    return MongoClient(mongo_url, tz_aware=True, event_listeners=[listener]), listener


# -- a school whose families are notified ---------------------------------------------
def family_roster(families: int) -> list[dict]:
    """A school of `families` children, each with one guardian who has an e-mail address
    and a phone (every other one reads Spanish), and one teacher."""
    envs = [make_envelope("SchoolUpdated", dict(SCHOOL)),
            make_envelope("PersonProfileChanged", {"person_id": "t-1", "role": "teacher", "given_name": "Laura",
                                                   "family_name": "Lee", "email": "lee@lincoln.test", "language": "en",
                                                   "school_ids": ["s-1"]}, school_id="s-1")]
    for i in range(families):
        envs += [
            make_envelope("PersonProfileChanged", {"person_id": f"st-{i}", "role": "student", "given_name": f"Kid{i}",
                                                   "family_name": "Ruiz", "language": "es", "school_ids": ["s-1"]},
                          school_id="s-1"),
            make_envelope("PersonProfileChanged", {"person_id": f"g-{i}", "role": "guardian", "given_name": "Pat",
                                                   "family_name": f"Ruiz{i}", "email": f"g{i}@family.test",
                                                   "phone": f"+1312555{i:04d}", "language": "es" if i % 2 else "en",
                                                   "school_ids": ["s-1"]}, school_id="s-1"),
            make_envelope("StudentEnrolled", {"student_id": f"st-{i}", "school_id": "s-1", "class_id": "c-1",
                                              "teacher_ids": ["t-1"], "grade": "04", "school_year": "2026"}),
            make_envelope("GuardianLinked", {"guardian_id": f"g-{i}", "student_id": f"st-{i}", "school_id": "s-1"})]
    return envs


def report_ready(i: int, tag: str) -> dict:
    """One family's report is ready: one e-mail, one SMS and one in-app message."""
    return make_envelope("ReportReady", {"report_id": f"r-{tag}-{i}", "student_id": f"st-{i}", "school_id": "s-1",
                                         "period": "Nov 2026", "formats": ["pdf"]})


def _batches(dispatcher, envs: list[dict], size: int) -> None:
    for k in range(0, len(envs), size):
        results = dispatcher.dispatch_batch(envs[k:k + size])
        assert results is not None and all(r == "processed" for r in results), results


def deliveries(mongo_url: str, families: int, *, batch: int = 20) -> dict:
    """Statements per delivery of a fan-out; the SMTP and SMS providers must be set in the
    environment (NOTIFY_* / SMTP_* / SMS_*), their servers running."""
    from services.common.bus import Publisher, Topology
    from services.common.config import Settings
    from services.common.consumer import Dispatcher
    from services.common.outbox import OutboxRelay
    from services.common.service import make_store
    from services.notifications import SERVICE
    from services.notifications.entrypoints.handlers import HANDLERS
    from services.notifications.entrypoints.lanes import DeliveryEngine

    client, statements = counted_client(mongo_url)
    store = make_store(SERVICE, Settings(service="notifications", mongo_url=mongo_url,
                                         mongo_db=f"t_statements_{uuid.uuid4().hex[:8]}"), client=client)
    try:
        store.ensure_indexes()
        dispatcher = Dispatcher(store, HANDLERS)
        _batches(dispatcher, family_roster(families), 40)
        store.db["outbox"].delete_many({})
        envs = [report_ready(i, "count") for i in range(families)]
        out = {}
        with statements.counting():
            _batches(dispatcher, envs, batch)
        out["record"] = (statements.total, statements.transactions, Counter(statements.by_name))
        engine = DeliveryEngine(store)
        with statements.counting():
            engine.run_until_idle()
        out["lanes"] = (statements.total, statements.transactions, Counter(statements.by_name))
        relay = OutboxRelay(store, Publisher("memory://", Topology(f"count-{uuid.uuid4().hex[:6]}")))
        with statements.counting():
            while relay.run_once():
                pass
            relay.flush_marks()
        out["relay"] = (statements.total, statements.transactions, Counter(statements.by_name))
        sent = store.db["deliveries"].count_documents({"status": "sent", "cause_type": "ReportReady"})
        assert sent == 3 * families, f"{sent} of {3 * families} deliveries sent"
        total = sum(v[0] for v in out.values())
        return {"deliveries": sent, "phases": out, "per_delivery": total / sent,
                "transactions_per_delivery": sum(v[1] for v in out.values()) / sent}
    finally:
        client.drop_database(store.db.name)
        client.close()


def handled_events(mongo_url: str, events: int, *, batch: int = 20) -> dict:
    """Statements per event of the consumer's batches (one update per event), and one by one."""
    from services.common.consumer import Dispatcher
    from services.common.store import Store
    from services.common.wiring import handler

    @handler("test.on_school")
    def on_school(event, uow):
        uow.db["schools"].update_one({"_id": event.data["school_id"]}, {"$set": event.data}, upsert=True,
                                     session=uow.session)

    client, statements = counted_client(mongo_url)
    store = Store(mongo_url, f"t_statements_{uuid.uuid4().hex[:8]}", service="goals", client=client)
    try:
        store.ensure_indexes()
        dispatcher = Dispatcher(store, {"SchoolUpdated": [on_school]})
        envs = [make_envelope("SchoolUpdated", dict(SCHOOL, school_id=f"s-{i}")) for i in range(2 * events)]
        with statements.counting():
            _batches(dispatcher, envs[:events], batch)
        batched = (statements.total / events, statements.transactions / events)
        with statements.counting():
            for env in envs[events:]:
                assert dispatcher.dispatch(env) == "processed"
        single = (statements.total / events, statements.transactions / events)
        return {"batched": batched, "one_by_one": single}
    finally:
        client.drop_database(store.db.name)
        client.close()


def bookings(mongo_url: str, families: int) -> dict:
    """Statements per booking through the scheduling API (one child each)."""
    from services.common.auth import mint
    from services.common.config import DEV_JWT_SECRET
    from services.common.consumer import Dispatcher
    from services.common.store import Store
    from services.scheduling import create_app
    from services.scheduling.entrypoints.handlers import HANDLERS

    client, statements = counted_client(mongo_url)
    store = Store(mongo_url, f"t_statements_{uuid.uuid4().hex[:8]}", service="scheduling", client=client)
    try:
        app = create_app({"mongo_url": mongo_url, "mongo_db": store.db.name, "amqp_url": "memory://"}, store=store)
        teachers = ["t-1", "t-2"]
        envs = [make_envelope("SchoolUpdated", dict(SCHOOL))]
        for i in range(families):
            envs += [make_envelope("StudentEnrolled", {"student_id": f"st-{i}", "school_id": "s-1", "class_id": "c-1",
                                                       "teacher_ids": teachers, "grade": "04",
                                                       "school_year": "2026-2027"}),
                     make_envelope("GuardianLinked", {"guardian_id": f"g-{i}", "student_id": f"st-{i}",
                                                      "school_id": "s-1"})]
        _batches(Dispatcher(store, HANDLERS), envs, 40)

        def auth(role, sub, schools=("s-1",)):
            return {"Authorization": "Bearer " + mint(DEV_JWT_SECRET, sub=sub, role=role, district_id="d-1",
                                                      school_ids=schools, ttl=3600)}

        http = app.test_client()
        admin = auth("school_admin", "adm-1")
        now = datetime.now(timezone.utc)
        first = (now + timedelta(days=7)).date()
        days = [(first + timedelta(days=d)).isoformat() for d in range(2)]
        r = http.post("/windows", headers=admin, json={
            "school_id": "s-1", "cycle": "count", "slot_minutes": 15,
            "days": [{"date": d, "start": "08:00", "end": "18:00"} for d in days],
            "booking_opens_at": (now - timedelta(hours=1)).isoformat(),
            "booking_closes_at": (now + timedelta(days=5)).isoformat()})
        assert r.status_code == 201, r.get_json()
        wid = r.get_json()["window_id"]
        for t in teachers:
            r = http.put(f"/windows/{wid}/availability/{t}", headers=admin, json={
                "room": t, "ranges": [{"date": d, "start": "08:00", "end": "18:00"} for d in days]})
            assert r.status_code == 200, r.get_json()
        assert http.post(f"/windows/{wid}/open", headers=admin).status_code == 200
        slots = [s["slot_id"] for s in http.get(f"/windows/{wid}/slots", headers=admin).get_json()]
        with statements.counting():
            for i in range(families):
                r = http.post(f"/windows/{wid}/bookings", headers=auth("guardian", f"g-{i}", ()),
                              json={"students": [{"student_id": f"st-{i}", "slot_id": slots[i]}]})
                assert r.status_code == 201, r.get_json()
        return {"per_booking": statements.total / families, "transactions": statements.transactions / families,
                "by_name": {k: v / families for k, v in statements.by_name.items()}}
    finally:
        client.drop_database(store.db.name)
        client.close()
