"""In-memory repositories of the scheduling service, with the methods of the real ones
(`services/scheduling/adapters/repositories/`) that the use cases under unit test call,
for `FakeStore(..., repositories=attach_fakes)`. Documents are kept in `store.data`, one
dict per collection, so a test seeds them and reads what a use case stored."""
from __future__ import annotations

from datetime import timedelta

from services.access import StudentDirectory, StudentRecord
from services.scheduling.adapters.repositories import attach
from services.scheduling.adapters.repositories.bookings import CHILD_BOOKED, SLOT_TAKEN
from services.scheduling.domain.model import BOOKED, CANCELLED, DRAFT, HELD, OPEN

COLLECTIONS = ("windows", "availability", "slots", "bookings", "family_locks", "invitations", "waitlist", "people",
               "students", "schools", "feeds", "timers")


def tables(store) -> dict[str, dict]:
    for name in COLLECTIONS:
        store.data.setdefault(name, {})
    return store.data


class Fake:
    def __init__(self, uow):
        self.uow = uow
        self.data = tables(uow.store)


class Windows(Fake):
    @property
    def scope(self) -> str:
        return f"fake-{id(self.uow.store)}"

    def get(self, window_id):
        return self.data["windows"].get(window_id)

    def open_at_school(self, school_id, now):
        return [w for w in self.data["windows"].values()
                if w["school_id"] == school_id and w["status"] == OPEN and w["booking_closes_at"] > now]

    def add(self, doc):
        self.data["windows"][doc["_id"]] = doc

    def open(self, window_id, now, by):
        w = self.data["windows"].get(window_id)
        if not w or w["status"] != DRAFT:
            return False
        w.update(status=OPEN, opened_at=now, opened_by=by, version=w.get("version", 1) + 1)
        return True


class Availability(Fake):
    def rooms(self, window_id):
        return {a["teacher_id"]: {"room": a.get("room"), "video_link": a.get("video_link")}
                for a in self.data["availability"].values() if a["window_id"] == window_id}


class Slots(Fake):
    def _all(self):
        return self.data["slots"].values()

    def claim(self, window_id, slot_id, booking_id, *, moving=False):
        s = self.data["slots"].get(slot_id)
        allowed = (None, booking_id) if moving else (None,)
        if s is None or s["window_id"] != window_id or s.get("booked_by") not in allowed:
            return False
        s["booked_by"] = booking_id
        return True

    def release(self, slot_id, booking_id):
        s = self.data["slots"].get(slot_id)
        if s and s.get("booked_by") == booking_id:
            s["booked_by"] = None

    def exists(self, window_id, slot_id):
        return self.get(window_id, slot_id) is not None

    def get(self, window_id, slot_id):
        s = self.data["slots"].get(slot_id)
        return s if s and s["window_id"] == window_id else None

    def free(self, slot_id):
        s = self.data["slots"].get(slot_id)
        return s if s and s.get("booked_by") is None else None

    def free_of_teachers(self, window_doc, teacher_ids, after, on=None):
        return {s["_id"]: s for s in self._all()
                if s["window_id"] == window_doc["_id"] and s["teacher_id"] in set(teacher_ids) and s["start"] > after
                and s.get("booked_by") is None and (on is None or s["local_date"] == on.isoformat())}

    def teacher_has_free(self, window_doc, teacher_id, after):
        return bool(self.free_of_teachers(window_doc, [teacher_id], after))

    def private_candidates(self, slot_doc, buffer_minutes, *, keeping=None):
        latest = slot_doc["end"] + timedelta(minutes=buffer_minutes)
        return {s["_id"]: s for s in self._all()
                if s["window_id"] == slot_doc["window_id"] and s["teacher_id"] == slot_doc["teacher_id"]
                and slot_doc["end"] <= s["start"] <= latest and s.get("booked_by") in (None, keeping)}


class Bookings(Fake):
    def get(self, booking_id):
        return self.data["bookings"].get(booking_id)

    def add(self, doc):
        # The unique indexes: one active booking per slot, per child and family in a window.
        for b in self.data["bookings"].values():
            if b["active"] is not True:
                continue
            if b["slot_id"] == doc["slot_id"]:
                return SLOT_TAKEN
            if (b["window_id"], b["student_id"], b["guardian_id"]) == \
                    (doc["window_id"], doc["student_id"], doc["guardian_id"]):
                return CHILD_BOOKED
        self.data["bookings"][doc["_id"]] = dict(doc)
        return None

    def _change(self, booking_id, fields, **expected):
        b = self.data["bookings"].get(booking_id)
        if b is None or any(b.get(k) != v for k, v in expected.items()):
            return False
        b.update(fields)
        return True

    def close(self, booking_id, changes):
        return self._change(booking_id, changes, status=BOOKED)

    def move(self, booking_id, from_slot, fields):
        return self._change(booking_id, fields, status=BOOKED, slot_id=from_slot)

    def mark_held(self, booking_id, changes):
        return self._change(booking_id, changes, status=BOOKED)

    def set_agreement(self, booking_id, revision, agreement, now):
        b = self.data["bookings"].get(booking_id)
        if b is None or b["status"] != HELD or (b.get("agreement") or {}).get("revision") != revision:
            return False
        b.update(agreement=agreement, updated_at=now)
        return True

    def active_of_guardian(self, district_id, guardian_id, *, excluding):
        return [dict(b) for b in self.data["bookings"].values()
                if b["district_id"] == district_id and b["guardian_id"] == guardian_id
                and b["status"] in (BOOKED, HELD) and b["_id"] not in set(excluding)]

    def child_booked(self, window_id, student_id, guardian_id):
        return any(b["window_id"] == window_id and b["student_id"] == student_id and b["guardian_id"] == guardian_id
                   and b["active"] is True for b in self.data["bookings"].values())

    def booked_children(self, window_id):
        booked: dict[str, set] = {}
        for b in self.data["bookings"].values():
            if b["window_id"] == window_id and b["active"] is True:
                booked.setdefault(b["guardian_id"], set()).add(b["student_id"])
        return booked

    def to_remind(self, district_id, school_id, window_id, start, except_reminder):
        return [b for b in self.data["bookings"].values()
                if (b["district_id"], b["school_id"], b["window_id"], b["start"]) == (district_id, school_id,
                                                                                     window_id, start)
                and b["status"] == BOOKED and b.get("reminder") != except_reminder]

    def feed(self, teacher_id, district_id):
        return sorted((b for b in self.data["bookings"].values() if b["teacher_id"] == teacher_id
                       and b["status"] != CANCELLED and b["district_id"] == district_id), key=lambda b: b["start"])


class FamilyLocks(Fake):
    def touch(self, district_id, school_id, guardian_id):
        lock = self.data["family_locks"].setdefault(f"{district_id}:{guardian_id}", {"changes": 0})
        lock["changes"] += 1


class Invitations(Fake):
    def add(self, docs):
        for d in docs:
            self.data["invitations"][d["_id"]] = dict(d)

    def get(self, window_id, guardian_id):
        return self.data["invitations"].get(f"{window_id}:{guardian_id}")

    def invite_late(self, window_doc, guardian_id, student_ids, now):
        key = f"{window_doc['_id']}:{guardian_id}"
        inv = self.data["invitations"].setdefault(key, {"_id": key, "invited_at": now, "nudged_at": None})
        inv.update(student_ids=student_ids, window_id=window_doc["_id"], guardian_id=guardian_id,
                   district_id=window_doc["district_id"], school_id=window_doc["school_id"])

    def of_window(self, window_id):
        return sorted((i for i in self.data["invitations"].values() if i["window_id"] == window_id),
                      key=lambda i: i["guardian_id"])

    def not_nudged(self, window_id):
        return [i for i in self.of_window(window_id) if i.get("nudged_at") is None]

    def mark_nudged(self, window_id, guardian_ids, now):
        for i in self.of_window(window_id):
            if i["guardian_id"] in guardian_ids:
                i["nudged_at"] = now


class Waitlist(Fake):
    def add(self, entry):
        if any((e["window_id"], e["student_id"], e["guardian_id"], e["active"]) ==
               (entry["window_id"], entry["student_id"], entry["guardian_id"], entry["active"])
               for e in self.data["waitlist"].values()):
            return False
        self.data["waitlist"][entry["_id"]] = dict(entry)
        return True

    def first_waiting(self, window_id, teacher_id, status, limit):
        return sorted((e for e in self.data["waitlist"].values() if e["window_id"] == window_id
                       and e["teacher_id"] == teacher_id and e["status"] == status),
                      key=lambda e: e["created_at"])[:limit]

    def close(self, entry_id, status, *, only_if=None, **extra):
        e = self.data["waitlist"].get(entry_id)
        if e and (only_if is None or e["status"] == only_if):
            e.update(status=status, active=entry_id, **extra)


class People(Fake):
    def names(self, person_ids):
        return {p: self.data["people"][p] for p in set(person_ids) if p in self.data["people"]}


class Roster(StudentDirectory):
    """The shared directory's rules (authorize, authorize_school) over in-memory students
    and schools."""

    def __init__(self, uow):
        super().__init__(None)
        self.data = tables(uow.store)

    def get(self, student_id, session=None):
        doc = self.data["students"].get(student_id)
        return StudentRecord.from_doc(doc) if doc else None

    def school(self, school_id, session=None):
        return self.data["schools"].get(school_id)

    def has_child_at(self, principal, school_id):
        if principal.role == "guardian":
            return any(s["school_id"] == school_id and principal.sub in s.get("guardian_ids", [])
                       for s in self.data["students"].values())
        if principal.role == "student":
            return (self.data["students"].get(principal.sub) or {}).get("school_id") == school_id
        return False

    def families_at(self, school_id):
        families: dict[str, list[str]] = {}
        for sid in sorted(self.data["students"]):
            s = self.data["students"][sid]
            if s["school_id"] == school_id and s.get("active", True) is not False:
                for g in s.get("guardian_ids", []):
                    families.setdefault(g, []).append(sid)
        return families


class Timers(Fake):
    def schedule(self, key, kind, due_at, payload, **scope):
        self.data["timers"][key] = {"kind": kind, "due_at": due_at, "payload": payload, "status": "pending", **scope}

    def cancel(self, key):
        if key in self.data["timers"]:
            self.data["timers"][key]["status"] = "cancelled"

    def existing(self, keys):
        return {k for k in keys if k in self.data["timers"]}


FAKES = {"windows": Windows, "availability": Availability, "slots": Slots, "bookings": Bookings,
         "family_locks": FamilyLocks, "invitations": Invitations, "waitlist": Waitlist, "people": People,
         "roster": Roster, "timers": Timers}


def attach_fakes(uow) -> None:
    attach(uow, FAKES)
