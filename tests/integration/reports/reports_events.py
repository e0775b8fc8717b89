"""Event histories for the reports integration tests: a class of students with their
roster, goals, check-ins, parent input, invitations, conferences and follow-ups, as
CloudEvents envelopes (validated against the catalogue), plus what a report of each
student must therefore show."""
from __future__ import annotations

import datetime as dt

from services.common.catalogue import latest
from services.common.envelope import new_event

DISTRICT, SCHOOL, OTHER_SCHOOL = "d-1", "sch-1", "sch-2"
TEACHER = "tch-1"
T0 = dt.datetime(2026, 10, 1, 15, 0, tzinfo=dt.timezone.utc)
STATUSES = ["needs_support", "on_track", "on_track", "achieved"]


def env(name, data, *, at: dt.datetime = T0, subject=None, school_id=SCHOOL, district_id=DISTRICT):
    return new_event(latest(name), data, subject=subject, district_id=district_id, school_id=school_id, now=at)


def roster(schools=((SCHOOL, "Escuela Lovett", ["es", "en"]), (OTHER_SCHOOL, "Maple Grove", ["en"]))):
    out = [env("SchoolUpdated", {"school_id": s, "name": name, "time_zone": "America/Chicago", "languages": langs,
                                 "active": True}, school_id=s) for s, name, langs in schools]
    out.append(env("PersonProfileChanged", {"person_id": TEACHER, "role": "teacher", "given_name": "Marta",
                                            "family_name": "Álvarez", "language": "es", "school_ids": [SCHOOL]}))
    return out


def student(i: int, *, lang: str = "es", checkins: int = 4, held: bool = True, school: str = SCHOOL,
            teacher: str = TEACHER, guardian_lang: str = "es") -> tuple[list[dict], dict]:
    """Every event about student `i`, and the numbers a report must show."""
    sid, gid, bid = f"stu-{i:03d}", f"grd-{i:03d}", f"bk-{i:03d}"
    at = T0 + dt.timedelta(minutes=i)
    events = [
        env("PersonProfileChanged", {"person_id": sid, "role": "student", "given_name": f"José{i}",
                                     "family_name": "Muñoz", "language": lang, "school_ids": [school], "grade": "4"},
            at=at, school_id=school),
        env("StudentEnrolled", {"student_id": sid, "school_id": school, "class_id": f"cls-{school}",
                                "teacher_ids": [teacher], "grade": "4", "school_year": "2026-2027"}, at=at,
            school_id=school),
        env("PersonProfileChanged", {"person_id": gid, "role": "guardian", "given_name": "Ana", "family_name": "Muñoz",
                                     "language": guardian_lang, "school_ids": [school]}, at=at, school_id=school),
        env("GuardianLinked", {"guardian_id": gid, "student_id": sid, "school_id": school}, at=at, school_id=school),
        env("InvitationDue", {"window_id": "w-1", "school_id": school, "guardian_id": gid, "student_ids": [sid],
                              "booking_closes_at": "2026-10-10T00:00:00Z"}, at=at, school_id=school),
        env("ParentInputSubmitted", {"student_id": sid, "guardian_id": gid, "school_id": school, "cycle": "2026-fall",
                                     "private_talk_requested": True, "family_goal_count": 2}, at=at, school_id=school),
    ]
    booking = {"booking_id": bid, "window_id": "w-1", "school_id": school, "student_id": sid, "teacher_id": teacher,
               "guardian_id": gid, "start": "2026-10-14T15:00:00Z", "end": "2026-10-14T15:20:00Z",
               "modality": "in_person", "private_talk": True}
    events.append(env("ConferenceBooked", {**booking, "booked_by_role": "guardian"}, at=at, school_id=school))
    if held:
        events.append(env("ConferenceHeld", {"booking_id": bid, "school_id": school, "student_id": sid,
                                             "teacher_id": teacher, "cycle": "2026-fall",
                                             "held_at": "2026-10-14T15:02:00Z", "private_talk": True},
                          at=at, school_id=school))
        events.append(env("FollowUpDue", {"booking_id": bid, "school_id": school, "student_id": sid,
                                          "teacher_id": teacher, "guardian_ids": [gid], "cycle": "2026-fall",
                                          "due_at": "2026-10-28T14:00:00Z"}, at=at, school_id=school))
    else:
        events.append(env("ConferenceNoShow", {"booking_id": bid, "school_id": school, "student_id": sid,
                                               "teacher_id": teacher, "cycle": "2026-fall",
                                               "start": "2026-10-14T15:00:00Z"}, at=at, school_id=school))
    goals, later = [], at + dt.timedelta(days=1)
    for g in range(2):
        goal_id = f"goal-{i:03d}-{g}"
        statement = f"Read {20 + g} minutes every day ({sid})"
        base = {"goal_id": goal_id, "student_id": sid, "school_id": school}
        events += [
            env("GoalCreated", {**base, "cycle": "2026-fall", "focus_kind": "standard", "term": "short",
                                "status": "draft", "target_date": "2026-12-15"}, at=at, school_id=school),
            env("GoalContentChanged", {**base, "statement": statement,
                                       "focus": {"kind": "standard", "label": "Reading fluency", "code": "RL.4.1"},
                                       "term": "short", "status": "agreed",
                                       "plan": {"specific_actions": ["Read at home", "Log words", "Retell"],
                                                "trackable": {"method": "Reading log", "measure": None},
                                                "achievable_reasons": ["Likes books", "Sister helps"],
                                                "target_date": "2026-12-15"},
                                       "supports": {"teacher": ["Weekly check"], "family": ["Library visits"],
                                                    "student": ["Reading log"]},
                                       "next_steps": "Move to chapter books"}, at=later, school_id=school),
            env("GoalUpdated", {**base, "status": "agreed", "revision": 0, "target_date": "2026-12-15"}, at=later,
                school_id=school),
        ]
        for c in range(checkins):
            on = dt.date(2026, 10, 1) + dt.timedelta(days=14 * c)  # recorded that afternoon
            events.append(env("GoalProgressRecorded", {
                **base, "checkin_id": f"ck-{goal_id}-{c}", "date": on.isoformat(),
                "status": STATUSES[c % 4], "value": float(3 + 2 * c), "recorded_by_role": "student"},
                at=dt.datetime.combine(on, dt.time(16, i), dt.timezone.utc), school_id=school))
        goals.append({"id": goal_id, "statement": statement, "checkins": checkins,
                      "last": STATUSES[(checkins - 1) % 4] if checkins else None})
    expect = {"student_id": sid, "guardian_id": gid, "booking_id": bid, "goals": goals, "held": held,
              "school_id": school}
    return events, expect


def klass(n: int = 4, **kw) -> tuple[list[dict], list[dict]]:
    events, expects = roster(), []
    for i in range(1, n + 1):
        ev, ex = student(i, held=(i != n), **kw)
        events += ev
        expects.append(ex)
    return events, expects
