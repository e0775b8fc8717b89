"""Bookings, and the per-guardian lock document that serialises changes to one
family's bookings. A booking's `active` is True while it is booked or held and its own
id once closed, so the unique indexes (see `repository.ensure_indexes`) refuse a second
active booking of a slot, or of a child in a window by one family."""
from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.common.repository import Repository
from services.scheduling.adapters.repository import BOOKINGS, FAMILY_LOCKS
from services.scheduling.domain.model import BOOKED, CANCELLED, HELD

# What the rules about a family's other bookings read of each.
FAMILY_FIELDS = {"student_id": 1, "teacher_id": 1, "slot_id": 1, "window_id": 1, "guardian_id": 1, "status": 1,
                 "start": 1, "end": 1, "private_end": 1}
SLOT_TAKEN, CHILD_BOOKED = "slot_taken", "student_already_booked"
LISTING_LIMIT = 1000


class Bookings(Repository):
    def get(self, booking_id: str) -> dict | None:
        return self.collection(BOOKINGS).find_one({"_id": booking_id}, session=self.session)

    def add(self, doc: dict) -> str | None:
        """Store a new booking; None, or which unique rule refused it (SLOT_TAKEN or
        CHILD_BOOKED) when a concurrent booking won."""
        try:
            self.collection(BOOKINGS).insert_one(doc, session=self.session)
        except DuplicateKeyError as exc:
            return SLOT_TAKEN if "one_active_per_slot" in str(exc) else CHILD_BOOKED
        return None

    # -- changes, each conditional on the state the caller read ---------------------------------
    def close(self, booking_id: str, changes: dict) -> bool:
        return self._change({"_id": booking_id, "status": BOOKED}, changes)

    def move(self, booking_id: str, from_slot: str, fields: dict) -> bool:
        return self._change({"_id": booking_id, "status": BOOKED, "slot_id": from_slot}, fields)

    def mark_held(self, booking_id: str, changes: dict) -> bool:
        return self._change({"_id": booking_id, "status": BOOKED}, changes)

    def set_agreement(self, booking_id: str, revision: int | None, agreement: dict, now: datetime) -> bool:
        """Replace what was agreed if it is still at `revision` (None: nothing yet)."""
        return self._change({"_id": booking_id, "status": HELD, "agreement.revision": revision},
                            {"agreement": agreement, "updated_at": now})

    def _change(self, query: dict, fields: dict) -> bool:
        return self.collection(BOOKINGS).update_one(query, {"$set": fields},
                                                    session=self.session).modified_count == 1

    # -- a family's bookings -------------------------------------------------------------------
    def active_of_guardian(self, district_id: str, guardian_id: str, *, excluding) -> list[dict]:
        """The guardian's booked or held conferences (the fields the rules read), but those
        in `excluding`."""
        return list(self.collection(BOOKINGS).find(
            {"district_id": district_id, "guardian_id": guardian_id, "status": {"$in": [BOOKED, HELD]},
             "_id": {"$nin": list(excluding)}}, FAMILY_FIELDS, session=self.session))

    def child_booked(self, window_id: str, student_id: str, guardian_id: str) -> bool:
        return self.collection(BOOKINGS).find_one({"window_id": window_id, "student_id": student_id,
                                                   "guardian_id": guardian_id, "active": True}, {"_id": 1},
                                                  session=self.session) is not None

    def booked_children(self, window_id: str) -> dict[str, set]:
        """guardian id -> the children that guardian has an active booking for, in the window."""
        booked: dict[str, set] = {}
        for b in self.collection(BOOKINGS).find({"window_id": window_id, "active": True},
                                                {"guardian_id": 1, "student_id": 1}, session=self.session):
            booked.setdefault(b["guardian_id"], set()).add(b["student_id"])
        return booked

    # -- reminders ---------------------------------------------------------------------------------
    def to_remind(self, district_id: str | None, school_id: str | None, window_id: str,
                  start: datetime, except_reminder: str) -> list[dict]:
        """Booked conferences of the window at `start`, but those with a reminder of their own."""
        return list(self.collection(BOOKINGS).find(
            {"district_id": district_id, "school_id": school_id, "window_id": window_id, "start": start,
             "status": BOOKED, "reminder": {"$ne": except_reminder}}, session=self.session))

    # -- listings ----------------------------------------------------------------------------------
    def listed(self, criteria: dict) -> list[dict]:
        """Bookings matching `criteria` (the caller's scope and filters), by start."""
        return list(self.collection(BOOKINGS).find(criteria, session=self.session).sort("start", ASCENDING)
                    .limit(LISTING_LIMIT))

    def of_teacher_between(self, district_id: str, window_id: str, teacher_id: str, lo: datetime,
                           hi: datetime) -> list[dict]:
        return list(self.collection(BOOKINGS).find({"district_id": district_id, "teacher_id": teacher_id,
                                                    "start": {"$gte": lo, "$lt": hi}, "window_id": window_id},
                                                   session=self.session))

    def in_slots(self, slot_ids) -> dict[str, dict]:
        """{booking id: document} of the booked conferences in `slot_ids`."""
        return {b["_id"]: b for b in self.collection(BOOKINGS).find(
            {"slot_id": {"$in": list(slot_ids)}, "status": BOOKED}, session=self.session)}

    def by_ids(self, booking_ids) -> dict[str, dict]:
        return {b["_id"]: b for b in self.collection(BOOKINGS).find({"_id": {"$in": list(booking_ids)}},
                                                                    session=self.session)}

    def feed(self, teacher_id: str, district_id: str | None) -> list[dict]:
        """A teacher's conferences not cancelled, by start. Always scoped by district (fails
        closed: a missing district matches nothing)."""
        return list(self.collection(BOOKINGS).find({"teacher_id": teacher_id, "status": {"$ne": CANCELLED},
                                                    "district_id": district_id},
                                                   session=self.session).sort("start", ASCENDING))


class FamilyLocks(Repository):
    def touch(self, district_id: str, school_id: str, guardian_id: str) -> None:
        """Write the guardian's lock document, so two concurrent changes of one guardian's
        bookings write-conflict and the retry of the second one sees the first."""
        self.collection(FAMILY_LOCKS).update_one(
            {"_id": f"{district_id}:{guardian_id}"},
            {"$inc": {"changes": 1}, "$set": {"district_id": district_id, "school_id": school_id,
                                              "guardian_id": guardian_id}},
            upsert=True, session=self.session)
