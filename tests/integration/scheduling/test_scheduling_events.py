"""The worker over the real RabbitMQ: roster events (public) and names (private
PersonProfileChanged) build this service's projections; a family linked while a
window is open is invited at once; the relay publishes what the web wrote."""
from services.common.bus import Publisher, Topology
from services.common.catalogue import latest
from services.common.service import Worker
from services.common.testing import make_envelope, wait_until
from services.scheduling import SERVICE
from tests.integration.scheduling.conftest import DAYS


def publish(env, name, data, subject):
    publisher = Publisher(env.settings.amqp_url, Topology(env.settings.exchange), service="roster")
    try:
        publisher.publish(make_envelope(name, data, subject=subject), spec=latest(name))
    finally:
        publisher.close()


def test_worker_builds_projections_and_invites_late_families(env, bus_tap):
    tap = bus_tap()
    wid = env.open_window()
    worker = Worker(SERVICE, env.settings, store=env.store, run_timers=False).start()
    env.worker = worker
    tap.wait_for("InvitationDue", 4)
    publish(env, "StudentEnrolled", {"student_id": "st-9", "school_id": "s-1", "class_id": "c-t-2",
                                     "teacher_ids": ["t-2"], "grade": "03", "school_year": "2026-2027"}, "st-9")
    publish(env, "GuardianLinked", {"guardian_id": "g-9", "student_id": "st-9", "school_id": "s-1"}, "st-9")
    publish(env, "PersonProfileChanged", {"person_id": "st-9", "role": "student", "given_name": "Zoe",
                                          "family_name": "Park", "email": "zoe@example.test",
                                          "school_ids": ["s-1"]}, "st-9")
    late = tap.wait_for("InvitationDue", where=lambda m: m["data"]["guardian_id"] == "g-9")[0]
    assert late["data"]["student_ids"] == ["st-9"] and late["data"]["window_id"] == wid
    wait_until(lambda: env.db["proj_people"].find_one({"_id": "st-9"}), message="name projected")
    person = env.db["proj_people"].find_one({"_id": "st-9"})
    assert person["given_name"] == "Zoe" and "email" not in person  # names only, no contact details
    # the new family books, and its teacher's agenda shows the child's name
    slot = env.slot_at(wid, "t-2", DAYS[0], "15:00")
    r = env.book(env.guardian("g-9"), wid, {"student_id": "st-9", "slot_id": slot})
    assert r.status_code == 201, r.get_json()
    booked = tap.wait_for("ConferenceBooked")[0]
    assert booked["data"]["student_id"] == "st-9" and booked["subject"] == r.get_json()["bookings"][0]["booking_id"]
    assert "Zoe" not in str(booked)  # public events carry ids, not names
    day = env.teacher("t-2").get(f"/windows/{wid}/teachers/t-2/agenda", query_string={"date": DAYS[0]}).get_json()
    assert [i["student_name"] for i in day] == ["Zoe Park"]
