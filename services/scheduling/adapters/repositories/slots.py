"""Slots: generated from availability, stored in UTC, each taken by at most one booking
(`booked_by`). A slot is claimed with a conditional update (`booked_by: None`), so two
transactions can never both take it: the loser's update matches nothing (or
write-conflicts and is retried until it sees the winner's commit)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from pymongo import ASCENDING

from services.common.repository import Repository
from services.scheduling.adapters.repository import SLOTS, d2s

LISTED = {"booked_by": 1, "teacher_id": 1, "start": 1, "end": 1, "local_date": 1, "local_start": 1, "local_end": 1,
          "evening": 1, "room": 1, "modality": 1}


def _of_window(window_doc: dict, **more) -> dict:
    return {"district_id": window_doc["district_id"], "school_id": window_doc["school_id"],
            "window_id": window_doc["_id"], **more}


class Slots(Repository):
    # -- claiming ------------------------------------------------------------------------
    def claim(self, window_id: str, slot_id: str, booking_id: str, *, moving: bool = False) -> bool:
        """Take a free slot for `booking_id` (a booking that moves may keep one it holds);
        False when it is not free (or not there)."""
        free = {"$in": [None, booking_id]} if moving else None
        res = self.collection(SLOTS).update_one({"_id": slot_id, "window_id": window_id, "booked_by": free},
                                                {"$set": {"booked_by": booking_id}}, session=self.session)
        return res.matched_count == 1

    def release(self, slot_id: str, booking_id: str) -> None:
        self.collection(SLOTS).update_one({"_id": slot_id, "booked_by": booking_id}, {"$set": {"booked_by": None}},
                                          session=self.session)

    def exists(self, window_id: str, slot_id: str) -> bool:
        return self.collection(SLOTS).find_one({"_id": slot_id, "window_id": window_id}, {"_id": 1},
                                               session=self.session) is not None

    # -- reads for booking ----------------------------------------------------------------
    def get(self, window_id: str, slot_id: str) -> dict | None:
        return self.collection(SLOTS).find_one({"_id": slot_id, "window_id": window_id}, session=self.session)

    def free(self, slot_id: str) -> dict | None:
        """The slot if nobody holds it."""
        return self.collection(SLOTS).find_one({"_id": slot_id, "booked_by": None}, session=self.session)

    def free_of_teachers(self, window_doc: dict, teacher_ids, after: datetime, on: date | None = None) -> dict:
        """{slot id: document} of the teachers' free slots starting after `after` (on one
        local day if given)."""
        query = _of_window(window_doc, teacher_id={"$in": sorted(teacher_ids)}, start={"$gt": after}, booked_by=None)
        if on:
            query["local_date"] = d2s(on)
        return {d["_id"]: d for d in self.collection(SLOTS).find(query, session=self.session)}

    def teacher_has_free(self, window_doc: dict, teacher_id: str, after: datetime) -> bool:
        return self.collection(SLOTS).find_one(_of_window(window_doc, teacher_id=teacher_id, start={"$gt": after},
                                                          booked_by=None), {"_id": 1},
                                               session=self.session) is not None

    def private_candidates(self, slot_doc: dict, buffer_minutes: int, *, keeping: str | None = None) -> dict:
        """{slot id: document} of the teacher's slots that can follow `slot_doc` as a
        private word (starting within the buffer after it) and are free, or held by
        `keeping` (a booking that moves may keep its own)."""
        end = slot_doc["end"]
        query = {"district_id": slot_doc["district_id"], "school_id": slot_doc["school_id"],
                 "window_id": slot_doc["window_id"], "teacher_id": slot_doc["teacher_id"],
                 "start": {"$gte": end, "$lte": end + timedelta(minutes=buffer_minutes)},
                 "booked_by": {"$in": [None, keeping]} if keeping else None}
        return {d["_id"]: d for d in self.collection(SLOTS).find(query, session=self.session)}

    # -- listings -------------------------------------------------------------------------
    def listing(self, window_doc: dict, *, teacher_id: str | None = None, on: date | None = None,
                free_only: bool = False) -> list[dict]:
        """Free/busy, by start: only whether a slot is booked, never by whom."""
        query = _of_window(window_doc)
        if teacher_id:
            query["teacher_id"] = teacher_id
        if on:
            query["local_date"] = d2s(on)
        if free_only:
            query["booked_by"] = None
        return list(self.collection(SLOTS).find(query, LISTED, session=self.session).sort("start", ASCENDING))

    def schedule(self, window_doc: dict, teacher_id: str | None = None) -> list[dict]:
        """Every slot of the window (or of one teacher), by day, teacher and time."""
        query = _of_window(window_doc, **({"teacher_id": teacher_id} if teacher_id else {}))
        return list(self.collection(SLOTS).find(query, session=self.session).sort(
            [("local_date", ASCENDING), ("teacher_id", ASCENDING), ("start", ASCENDING)]))

    def by_ids(self, slot_ids) -> list[dict]:
        return list(self.collection(SLOTS).find({"_id": {"$in": list(slot_ids)}}, session=self.session))

    # -- a day of a window ------------------------------------------------------------------
    def ids_on(self, window_id: str, day: date) -> list[str]:
        return [d["_id"] for d in self.collection(SLOTS).find({"window_id": window_id, "local_date": d2s(day)},
                                                              {"_id": 1}, session=self.session)]

    def free_on(self, window_id: str, day: date) -> dict:
        return {d["_id"]: d for d in self.collection(SLOTS).find(
            {"window_id": window_id, "local_date": d2s(day), "booked_by": None}, session=self.session)}

    def remove_day(self, window_id: str, day: date) -> None:
        self.collection(SLOTS).delete_many({"window_id": window_id, "local_date": d2s(day)}, session=self.session)

    # -- a teacher's published slots ----------------------------------------------------------
    def taken_elsewhere(self, slot_ids, window_id: str) -> str | None:
        """The first of `slot_ids` (a teacher and a start) that another window already has."""
        doc = self.collection(SLOTS).find_one({"_id": {"$in": list(slot_ids)}, "window_id": {"$ne": window_id}},
                                              {"_id": 1}, session=self.session)
        return doc["_id"] if doc else None

    def of_teacher(self, window_doc: dict, teacher_id: str) -> dict:
        return {d["_id"]: d for d in self.collection(SLOTS).find(_of_window(window_doc, teacher_id=teacher_id),
                                                                 session=self.session)}

    def add(self, docs: list[dict]) -> None:
        self.collection(SLOTS).insert_many(docs, session=self.session)

    def remove_free(self, slot_ids) -> None:
        self.collection(SLOTS).delete_many({"_id": {"$in": list(slot_ids)}, "booked_by": None}, session=self.session)

    def set_place(self, window_doc: dict, teacher_id: str, room: str | None, video_link: str | None) -> None:
        """A teacher's room and video link, on all their slots of the window."""
        self.collection(SLOTS).update_many(_of_window(window_doc, teacher_id=teacher_id),
                                           {"$set": {"room": room, "video_link": video_link}}, session=self.session)
