"""Use cases of the assignment of a request window: solve (when the deadline passes, or
on an admin's preview), pin or move a conference and solve again, publish.

A solve reads the window's data, solves outside any transaction (it may take seconds),
then stores the plan in one short unit of work, only if nobody stored another meanwhile.
Publishing books each family in its own short unit of work, through the booking's own
steps and rules (claim the slots, one conference per child, never two rooms at once,
the reminder, ConferenceBooked), records each family it booked or offered times to on
the plan in that same unit, and so can be run again after a crash or a double click
without booking anyone twice."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import timedelta

from services.common import timers
from services.common.envelope import iso
from services.common.errors import Conflict, Invalid, NotFound
from services.scheduling.application import access
from services.scheduling.application import booking_steps as ops
from services.scheduling.adapters import cache
from services.scheduling.application import reminders
from services.scheduling.adapters import repository as repo
from services.scheduling.adapters import requests as rq
from services.scheduling.domain.assignment import Pin, measure, solve
from services.scheduling.domain.assignment.problem import PIN_NOT_POSSIBLE
from services.scheduling.domain.assignment.requests import (
    FIRST_COME, REQUESTS_THEN_FIRST_COME, build_problem, nearest_free,
)
from services.scheduling.domain.constants import ASSIGNMENT_RETRY_MINUTES, ASSIGNMENT_STAGE_SECONDS
from services.scheduling.adapters.events import emit_booking
from services.scheduling.domain.policy import bookings_of, check_can_book, check_family_free

PROPOSED, PUBLISHING, PUBLISHED = "proposed", "publishing", "published"
DEADLINE, PREVIEW, PINS = "deadline", "preview", "pins"
TIMER_KIND = "requests_deadline"


def deadline_key(window_id: str) -> str:
    return f"requests_deadline:{window_id}"


def schedule_deadline(uow, window_doc: dict) -> None:
    """The durable timer that solves the window when its requests deadline passes."""
    timers.schedule(uow, deadline_key(window_doc["_id"]), TIMER_KIND, window_doc["requests_deadline"],
                    {"window_id": window_doc["_id"], "tries": 0},
                    district_id=window_doc["district_id"], school_id=window_doc["school_id"])


def fire_deadline(uow, timer: dict) -> None:
    """The deadline passed: solve after this unit of work commits (never inside it). The
    timer is armed again a little later in the same unit, so a worker that dies before
    the plan is stored leaves it to fire again; the stored plan disarms it."""
    window_id = timer["payload"]["window_id"]
    window_doc = repo.get_window(uow.db, window_id, session=uow.session)
    if window_doc is None or window_doc.get("booking_mode", FIRST_COME) == FIRST_COME:
        return
    if _settled(rq.get_plan(uow.db, window_id, session=uow.session), window_doc):
        return
    tries = timer["payload"].get("tries", 0) + 1
    if tries <= 5:
        timers.schedule(uow, deadline_key(window_id), TIMER_KIND, uow.now + timedelta(minutes=ASSIGNMENT_RETRY_MINUTES),
                        {"window_id": window_id, "tries": tries},
                        district_id=window_doc["district_id"], school_id=window_doc["school_id"])
    store = uow.store
    uow.after_commit(lambda: solve_window(store, window_id, trigger=DEADLINE))


def _settled(plan: dict | None, window_doc: dict) -> bool:
    """A plan solved after the deadline (no request can change any more) or published."""
    return plan is not None and (plan["status"] != PROPOSED or plan["solved_at"] >= window_doc["requests_deadline"])


def solve_window(store, window_id: str, *, trigger: str, by: str | None = None, pins: list[Pin] | None = None,
                 stage_seconds: float = ASSIGNMENT_STAGE_SECONDS) -> dict:
    db = store.db
    window_doc = repo.get_window(db, window_id)
    if window_doc is None:
        raise NotFound(f"No conference window {window_id}.", code="window_not_found")
    plan = rq.get_plan(db, window_id)
    if plan is not None and plan["status"] != PROPOSED:
        raise Conflict("The assignment of this window is published.", code="assignment_published")
    window = repo.window_from_doc(window_doc)
    requests = rq.active_requests(db, window_id)
    problem = build_problem(window, rq.availabilities(db, window_id), [rq.request_from_doc(d) for d in requests],
                            {p["guardian_id"]: p["priority"] for p in rq.priorities(db, window_id)},
                            rq.interpreters(db, window_id), rq.pins_of(plan) if pins is None else pins,
                            rq.taken_slots(db, window_id))
    result = ops.domain(solve, problem, stage_seconds=stage_seconds)
    now = store.clock()
    doc = _plan_doc(window_doc, problem, result, requests, version=(plan or {}).get("version", 0) + 1,
                    trigger=trigger, by=by, now=now)

    def work(uow):
        if not rq.save_plan(uow, doc, (plan or {}).get("version", 0)):
            raise Conflict("The assignment changed meanwhile; reload it.", code="assignment_changed")
        if trigger == DEADLINE:
            timers.cancel(uow, deadline_key(window_id))
        uow.emit("ConferenceAssignmentProposed", {
            "window_id": window_id, "school_id": window_doc["school_id"], "version": doc["version"],
            "trigger": trigger, "families_assigned": doc["metrics"]["families_assigned"],
            "families_unassigned": len(doc["unassigned"])}, subject=window_id)
        return doc

    return store.atomic(work, district_id=window_doc["district_id"], school_id=window_doc["school_id"])


def _plan_doc(window_doc, problem, result, requests, *, version, trigger, by, now) -> dict:
    by_family = {d["guardian_id"]: d for d in requests}
    return {
        "_id": window_doc["_id"], "district_id": window_doc["district_id"], "school_id": window_doc["school_id"],
        "window_id": window_doc["_id"], "version": version, "status": PROPOSED, "trigger": trigger,
        "solved_at": now, "solved_by": by,
        "pins": [{"student_id": p.student_id, "slot_id": p.slot_id} for p in problem.pins],
        "conferences": [{"guardian_id": c.family_id, "student_id": c.student_id, "teacher_id": c.teacher_id,
                         "slot_id": c.slot_id, "private_slot_id": c.private_slot_id, "start": c.start_utc,
                         "end": c.end_utc, "room": c.room, "modality": c.modality, "interpreter_id": c.interpreter_id,
                         "interpreter_language": by_family[c.family_id].get("interpreter_language"),
                         "pinned": any(p.student_id == c.student_id for p in problem.pins)}
                        for c in result.conferences],
        "unassigned": [{"guardian_id": u.family_id, "reason": u.reason, "details": u.details,
                        "student_ids": [c["student_id"] for c in by_family[u.family_id]["children"]]}
                       for u in result.unassigned],
        "warnings": [{"kind": w.kind, "subject": w.subject, "capacity": w.capacity, "demand": w.demand,
                      "message": w.message} for w in result.warnings],
        "stages": [asdict(s) for s in result.stages],
        "metrics": asdict(measure(problem, result)),
        "booked_families": [], "offered_families": [], "failed": [],
    }


# -- the admin's preview, pins and moves ------------------------------------------------
def _admin_window(store, principal, window_id: str) -> dict:
    window_doc = access.window_for(store.db, principal, window_id)
    access.require_admin(principal, window_doc)
    if window_doc.get("booking_mode", FIRST_COME) == FIRST_COME:
        raise Conflict("This window takes bookings, not requests.", code="not_a_request_window")
    return window_doc


def preview(store, principal, window_id: str) -> dict:
    _admin_window(store, principal, window_id)
    return solve_window(store, window_id, trigger=PREVIEW, by=principal.sub)


def current(store, principal, window_id: str) -> dict:
    window_doc = access.window_for(store.db, principal, window_id)
    access.require_staff(principal, window_doc)
    plan = rq.get_plan(store.db, window_id)
    if plan is None:
        raise NotFound("No assignment yet: preview one, or wait for the deadline.", code="assignment_not_found")
    if principal.role == "teacher":  # a teacher sees their own conferences of the proposal
        plan = {**plan, "conferences": [c for c in plan["conferences"] if c["teacher_id"] == principal.sub],
                "unassigned": []}
    return plan


def pin(store, principal, window_id: str, student_id: str, slot_id: str) -> dict:
    """Pin a child's conference to a slot (where the plan has it: pinned; elsewhere:
    moved) and solve again around it. A pin that breaks a rule is refused."""
    _admin_window(store, principal, window_id)
    plan = rq.get_plan(store.db, window_id)
    requested = {c["student_id"]: d["guardian_id"] for d in rq.active_requests(store.db, window_id)
                 for c in d["children"]}
    if student_id not in requested:
        raise NotFound(f"No request for {student_id} in this window.", code="request_not_found")
    pins = [p for p in rq.pins_of(plan) if p.student_id != student_id] + [Pin(student_id, slot_id)]
    if len({p.slot_id for p in pins}) != len(pins):
        raise Conflict(f"Another conference is pinned to {slot_id}.", code="slot_pinned", slot_id=slot_id)
    result = solve_window(store, window_id, trigger=PINS, by=principal.sub, pins=pins)
    broken = [u for u in result["unassigned"] if u["reason"] == PIN_NOT_POSSIBLE
              and student_id in u["student_ids"]]
    if broken:
        # The refused pin is taken off again, so the stored plan keeps only pins that hold.
        solve_window(store, window_id, trigger=PINS, by=principal.sub, pins=pins[:-1])
        raise Conflict(f"{student_id} cannot be seen at {slot_id}: it breaks a rule (the family's times, the "
                       "siblings back to back, a private word or an interpreter).", code="pin_breaks_rules",
                       student_id=student_id, slot_id=slot_id)
    return result


def unpin(store, principal, window_id: str, student_id: str) -> dict:
    _admin_window(store, principal, window_id)
    pins = rq.pins_of(rq.get_plan(store.db, window_id))
    if not any(p.student_id == student_id for p in pins):
        raise NotFound(f"{student_id} is not pinned.", code="pin_not_found")
    return solve_window(store, window_id, trigger=PINS, by=principal.sub,
                        pins=[p for p in pins if p.student_id != student_id])


# -- publish ---------------------------------------------------------------------------
def publish(store, principal, window_id: str, version: int) -> dict:
    window_doc = _admin_window(store, principal, window_id)
    db = store.db
    plan = rq.get_plan(db, window_id)
    if plan is None:
        raise NotFound("No assignment to publish: preview one first.", code="assignment_not_found")
    if plan["status"] == PUBLISHED:
        return plan  # published before: nothing more to do
    if store.clock() < window_doc["requests_deadline"]:
        # Families may still send or change requests: the assignment would miss them.
        raise Conflict("Requests are still open until the deadline; preview now, publish after it.",
                       code="requests_still_open", deadline=window_doc["requests_deadline"])
    if plan["status"] == PROPOSED:
        if plan["version"] != version:
            raise Conflict("The assignment changed since you looked at it; review it again.",
                           code="assignment_changed", version=plan["version"])
        started = store.atomic(lambda uow: rq.start_publishing(uow, window_id, version, principal.sub),
                               district_id=window_doc["district_id"], school_id=window_doc["school_id"])
        if not started and rq.get_plan(db, window_id)["status"] == PROPOSED:
            raise Conflict("The assignment changed since you looked at it; review it again.",
                           code="assignment_changed")
        plan = rq.get_plan(db, window_id)
    try:
        failed = _book_families(store, principal, window_doc, plan)
        _offer_times(store, window_doc, rq.get_plan(db, window_id), failed)
        _finish(store, window_doc, rq.get_plan(db, window_id))
    finally:
        cache.forget_window(db, window_id)
    return rq.get_plan(db, window_id)


def _book_families(store, principal, window_doc: dict, plan: dict) -> dict[str, str]:
    """Book each assigned family not booked yet; returns the families a booking rule
    refused (guardian -> the rule's code)."""
    window = repo.window_from_doc(window_doc)
    by_family = defaultdict(list)
    for c in plan["conferences"]:
        by_family[c["guardian_id"]].append(c)
    slots = rq.slot_docs(store.db, {s for c in plan["conferences"] for s in (c["slot_id"], c["private_slot_id"]) if s})
    failed = {}
    for guardian, confs in sorted(by_family.items()):
        if guardian in plan["booked_families"]:
            continue
        try:
            store.atomic(lambda uow: _book_family(uow, principal, window_doc, window, guardian, confs, slots),
                         district_id=window_doc["district_id"], school_id=window_doc["school_id"])
        except (Conflict, NotFound, Invalid) as exc:
            failed[guardian] = exc.code or "booking_refused"
    return failed


def _book_family(uow, principal, window_doc, window, guardian: str, confs: list[dict], slots: dict) -> list[dict]:
    if not rq.mark_family(uow, window_doc["_id"], "booked_families", guardian):
        return []  # booked by an earlier run of this publication
    now = uow.now
    group = ops.new_id("g") if len(confs) > 1 else None
    docs = []
    for c in confs:
        slot_doc = slots.get(c["slot_id"])
        if slot_doc is None:
            raise NotFound(f"No slot {c['slot_id']} in this window.", code="slot_not_found")
        private = slots.get(c["private_slot_id"]) if c["private_slot_id"] else None
        doc = ops.new_booking_doc(window_doc, slot_doc, private, student_id=c["student_id"], guardian_id=guardian,
                                  principal=principal, now=now, interpreter_language=c.get("interpreter_language"),
                                  group_id=group)
        # Made by the assignment, not clicked by the family; with the interpreter it holds.
        doc.update(assigned=True, interpreter_id=c.get("interpreter_id"))
        docs.append((doc, repo.slot_from_doc(slot_doc)))
    existing = ops.family_bookings(uow, [d for d, _ in docs])
    for doc, slot in docs:
        ops.domain(check_can_book, window, slot, now, bookings_of(doc["student_id"], existing))
    ops.domain(check_family_free, [ops.span(d) for d, _ in docs], [b.span for b in existing])
    for doc, _slot in docs:
        for sid in ops.slot_ids(doc):
            ops.claim(uow, window_doc["_id"], sid, doc["_id"])
        doc.update(reminders.for_booking(uow, doc, new=True))
        ops.insert_booking(uow, doc)
        emit_booking(uow, "ConferenceBooked", doc, booked_by_role=principal.role)
    return [d for d, _ in docs]


def _offer_times(store, window_doc: dict, plan: dict, failed: dict[str, str]) -> None:
    """Each family left out (or refused by a booking rule) is offered the free slots of
    each child's teacher nearest to the times they gave: one ConferenceTimesOffered each."""
    db = store.db
    window = repo.window_from_doc(window_doc)
    reasons = {u["guardian_id"]: u["reason"] for u in plan["unassigned"]}
    reasons.update(failed)
    requests = {d["guardian_id"]: d for d in rq.active_requests(db, window_doc["_id"])}
    for guardian, reason in sorted(reasons.items()):
        if guardian in plan["offered_families"] or guardian not in requests:
            continue
        request = rq.request_from_doc(requests[guardian])
        teachers = {c.teacher_id for c in request.children}
        free = rq.free_slots(db, window_doc["_id"], teachers)
        offers = []
        for child in request.children:
            mine = [s for s in free if s.teacher_id == child.teacher_id]
            offers.append({"student_id": child.student_id, "teacher_id": child.teacher_id,
                           "slots": [{"slot_id": s.id, "start": iso(s.start_utc)}
                                     for s in nearest_free(window, request.free, mine, store.clock())]})

        def work(uow, guardian=guardian, reason=reason, offers=offers):
            if not rq.mark_family(uow, window_doc["_id"], "offered_families", guardian):
                return
            uow.emit("ConferenceTimesOffered", {
                "window_id": window_doc["_id"], "school_id": window_doc["school_id"], "guardian_id": guardian,
                "student_ids": [c.student_id for c in request.children], "reason": reason, "offers": offers},
                subject=guardian)

        store.atomic(work, district_id=window_doc["district_id"], school_id=window_doc["school_id"])


def _finish(store, window_doc: dict, plan: dict) -> None:
    then_first_come = window_doc.get("booking_mode") == REQUESTS_THEN_FIRST_COME

    def work(uow):
        booked = sum(c["guardian_id"] in plan["booked_families"] for c in plan["conferences"])
        if not rq.finish_publishing(uow, window_doc["_id"], {"bookings": booked}):
            return
        rq.set_window(uow, window_doc["_id"], {"first_come_open": then_first_come})
        uow.emit("ConferenceAssignmentPublished", {
            "window_id": window_doc["_id"], "school_id": window_doc["school_id"], "version": plan["version"],
            "families_booked": len(plan["booked_families"]), "families_offered": len(plan["offered_families"]),
            "first_come_open": then_first_come}, subject=window_doc["_id"])

    store.atomic(work, district_id=window_doc["district_id"], school_id=window_doc["school_id"])
