"""Dashboard fact rows (the shape `dashboard.py` adds up) from `report_students` docs.

Reads only each student's compact `facts` and labels (never the goals' words), one
cursor over the scope, so a district dashboard streams instead of loading documents.

Per student: invitations sent (every InvitationDue naming the student, nudges too);
the households (guardian ids) invited, booked, held and followed up;
family invited / booked (any booking not cancelled) / conference held / no-show (0 or
1); goals set (not drafts), on track / needs support / achieved (a goal's progress is
its latest check-in, `achieved` when the goal is); follow-ups due, and completed when a
check-in is dated on or after the follow-up's due date.
"""
from __future__ import annotations

from typing import Iterable, Iterator

from services.access import StudentDirectory

from services.reports.application.dashboard import summarize
from services.reports.domain.model import homeroom_teacher, person_name
from services.reports.adapters.repository import PEOPLE, STUDENTS, scope_filter

FACT_PROJECTION = {"facts": 1, "school_id": 1, "grade": 1, "classes": 1, "district_id": 1}


def fact_row(doc: dict) -> dict:
    f = doc.get("facts") or {}
    states = set((f.get("bookings") or {}).values())
    goals = [g for g in (f.get("goals") or {}).values() if g.get("status") and g.get("status") != "draft"]
    progress = ["achieved" if g["status"] == "achieved" else (g.get("last") or "||").split("|")[2] for g in goals]
    last = f.get("last_checkin_at") or ""  # instants (UTC, fixed width): see projection.py
    due = list((f.get("followups") or {}).values())
    bookings, guardians = f.get("bookings") or {}, f.get("booking_guardians") or {}
    followups = f.get("followups") or {}

    def households(*states: str) -> set:
        return {guardians[b] for b, state in bookings.items() if state in states and guardians.get(b)}
    return {
        "school_id": doc.get("school_id"), "grade": doc.get("grade"), "teacher_id": homeroom_teacher(doc),
        "invitations_sent": int(f.get("invitations_sent") or 0), "families_invited": int(f.get("families_invited") or 0),
        "families_booked": int(bool(states - {"2cancelled"})), "conferences_held": int("3held" in states),
        "no_shows": int("3no_show" in states), "goals_set": len(goals),
        "goals_on_track": progress.count("on_track"), "goals_needs_support": progress.count("needs_support"),
        "goals_achieved": progress.count("achieved"), "followups_due": len(due),
        "followups_completed": sum(1 for d in due if last and last >= d),
        "households_invited": set((f.get("invited") or {}).values()),
        "households_booked": households("1booked", "3held", "3no_show"),
        "households_held": households("3held"),
        "households_followed_up": {guardians[b] for b, d in followups.items()
                                   if guardians.get(b) and last and last >= d},
    }


def fact_rows(db, query: dict, labels: dict | None = None) -> Iterator[dict]:
    schools, teachers = (labels or {}).get("schools", {}), (labels or {}).get("teachers", {})
    for doc in db[STUDENTS].find(query, FACT_PROJECTION).batch_size(1000):
        row = fact_row(doc)
        row["school_name"] = schools.get(row["school_id"]) or row["school_id"]
        row["teacher_name"] = teachers.get(row["teacher_id"]) or row["teacher_id"]
        yield row


def labels(db, district_id: str | None) -> dict:
    """School and teacher names of a district (two small queries per dashboard)."""
    schools = {d["_id"]: d.get("name") for d in db[StudentDirectory.SCHOOLS].find({"district_id": district_id},
                                                                               {"name": 1})}
    teachers = {d["_id"]: person_name(d) for d in db[PEOPLE].find(
        {"district_id": district_id, "role": "teacher"}, {"given_name": 1, "family_name": 1, "preferred_name": 1})}
    return {"schools": schools, "teachers": teachers}


def dashboard(db, district_id: str | None, *, school_id: str | None = None, by: str = "school",
              extra_filter: dict | None = None) -> dict:
    query = {**scope_filter(district_id, school_id), **(extra_filter or {})}
    summary = summarize(fact_rows(db, query, labels(db, district_id)), by=by)
    summary["scope"] = {"district_id": district_id, "school_id": school_id}
    return summary


def rows_for_csv(summary: dict) -> Iterable[dict]:
    yield from summary["rows"]
    yield {**{c: ("TOTAL" if i == 0 else "") for i, c in enumerate(summary["columns"])}, **summary["total"]}
