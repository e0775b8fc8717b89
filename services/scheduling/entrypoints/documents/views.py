"""Documents for people, not programs: iCalendar files (per booking, per teacher feed)
and the printable master schedule (HTML) for staff."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, get_timezone_name
from babel.lists import format_list

from jinja2 import Environment, FileSystemLoader, select_autoescape
from pymongo import ASCENDING

from services.access import StudentDirectory
from services.common.errors import Forbidden, NotFound
from services.scheduling.application import access
from services.scheduling.application import feeds
from services.scheduling.adapters import repository as repo
from services.scheduling.entrypoints.documents.ical import booking_ics, teacher_feed_ics
from services.scheduling.domain.model import CANCELLED, Slot
from services.scheduling.entrypoints.documents.ical import room_words
from services.scheduling.entrypoints.documents.texts import request_lang, translations

def N_(text: str) -> str:  # marks a msgid for extraction; translated when shown
    return text


MODALITY_WORDS = {"in_person": N_("In person"), "video": N_("Video call"), "phone": N_("Phone call")}
STATUS_WORDS = {"held": N_("held"), "no_show": N_("no show"), "cancelled": N_("cancelled")}


@lru_cache(maxsize=None)
def _templates(lang: str) -> Environment:
    """One environment per language, its translations installed once (thread-safe)."""
    env = Environment(loader=FileSystemLoader(Path(__file__).resolve().parents[2] / "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True,
                      extensions=["jinja2.ext.i18n"])
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(translations(lang), newstyle=True)
    return env


def _booked_slot(b: dict) -> Slot:
    """The time the family spends with the teacher (through the private word, if any)."""
    return Slot(teacher_id=b["teacher_id"], start_utc=b["start"], end_utc=b.get("private_end") or b["end"],
                local_date=b["start"].date(), local_start="", evening=False, room=b.get("room"),
                modality=b["modality"], video_link=b.get("video_link"))


def _school(db, school_id: str) -> dict:
    return StudentDirectory(db).school(school_id) or {"name": "", "time_zone": "UTC"}


def booking_file(store, principal, booking_id: str) -> bytes:
    db = store.db
    b = access.booking_for(db, principal, booking_id)
    school = _school(db, b["school_id"])
    people = repo.names(db, [b["student_id"], b["teacher_id"]])
    return booking_ics(repo.booking_from_doc(b), _booked_slot(b), school.get("name", ""), repo.display_name(people, b["teacher_id"]),
                       repo.display_name(people, b["student_id"], full=False), school.get("time_zone") or "UTC",
                       sequence=b.get("sequence", 0), now=store.clock(), lang=request_lang())


def teacher_feed(store, principal, teacher_id: str) -> bytes:
    """Every school the caller may see where this teacher has conferences."""
    if principal.role not in access.STAFF or (principal.role == "teacher" and principal.sub != teacher_id):
        raise Forbidden("Only the teacher or a school administrator may read this feed.",
                        code="teacher_or_admin_only")
    db = store.db
    # A teacher unknown in the caller's district and schools does not exist for them.
    scope = StudentDirectory(db).visible_filter(principal)
    if not db[StudentDirectory.COLLECTION].find_one({**scope, "teacher_ids": teacher_id}, {"_id": 1}):
        raise NotFound(f"No teacher {teacher_id}.", code="teacher_not_found")
    return _feed(store, teacher_id, principal.district_id,
                 lambda b: principal.role == "teacher" or access.is_admin_of(principal, b))


def subscribed_feed(store, token: str) -> bytes:
    """The teacher's feed behind a secret calendar link (see `feeds`)."""
    doc = feeds.by_token(store.db, token)
    return _feed(store, doc["teacher_id"], doc["district_id"], lambda b: True)


def _feed(store, teacher_id: str, district_id: str | None, visible) -> bytes:
    db = store.db
    # Always scoped by district (fails closed: a missing district matches nothing).
    query = {"teacher_id": teacher_id, "status": {"$ne": CANCELLED}, "district_id": district_id}
    docs = [b for b in db[repo.BOOKINGS].find(query).sort("start", ASCENDING) if visible(b)]
    people = repo.names(db, {teacher_id, *(b["student_id"] for b in docs)})
    school = _school(db, docs[0]["school_id"]) if docs else {}
    events = [(repo.booking_from_doc(b), _booked_slot(b), repo.display_name(people, b["student_id"], full=False))
              for b in docs]
    return teacher_feed_ics(repo.display_name(people, teacher_id), events, school_name=school.get("name", ""),
                            tz=school.get("time_zone") or "UTC", now=store.clock(), lang=request_lang())


def master_schedule(store, principal, window_id: str, teacher_id: str | None = None) -> str:
    """Printable schedule of a window (or one teacher of it) for staff: every slot, who
    is booked, interpreter and private-word needs. Teachers print their own only."""
    db = store.db
    window_doc = access.window_for(db, principal, window_id)
    access.require_staff(principal, window_doc)
    if principal.role == "teacher":
        teacher_id = principal.sub
    query = {"district_id": window_doc["district_id"], "school_id": window_doc["school_id"], "window_id": window_id}
    if teacher_id:
        query["teacher_id"] = teacher_id
    slots = list(db[repo.SLOTS].find(query).sort([("local_date", ASCENDING), ("teacher_id", ASCENDING),
                                                   ("start", ASCENDING)]))
    booking_ids = {s["booked_by"] for s in slots if s.get("booked_by")}
    bookings = {b["_id"]: b for b in db[repo.BOOKINGS].find({"_id": {"$in": list(booking_ids)}})}
    people = repo.names(db, {p for b in bookings.values() for p in (b["student_id"], b["guardian_id"])}
                        | {s["teacher_id"] for s in slots})
    lang = request_lang()
    t = translations(lang)
    locale = Locale.parse(lang)
    days: dict[str, dict[str, list]] = {}
    for s in slots:
        b = bookings.get(s.get("booked_by"))
        room = room_words(s.get("room"), lang) if s["modality"] == "in_person" else ""
        row = {"time": f"{s['local_start']}–{s['local_end']}", "room": room,
               "modality": t.gettext(MODALITY_WORDS.get(s["modality"], s["modality"])), "student": "", "family": "",
               "notes": ""}
        if b:
            private = b.get("private_slot_id") == s["_id"]
            notes = [t.gettext("private word with the family") if private else "",
                     t.gettext("interpreter: %(language)s") % {"language": _language(b["interpreter_language"], locale)}
                     if b.get("interpreter_language") else "",
                     t.gettext(STATUS_WORDS[b["status"]]) if b["status"] in STATUS_WORDS else ""]
            row.update(student=repo.display_name(people, b["student_id"]),
                       family=repo.display_name(people, b["guardian_id"]),
                       notes=format_list([n for n in notes if n], locale=locale) if any(notes) else "")
        day = format_date(repo.s2d(s["local_date"]), "full", locale=locale)
        days.setdefault(day, {}).setdefault(repo.display_name(people, s["teacher_id"]), []).append(row)
    school = _school(db, window_doc["school_id"])
    return _templates(lang).get_template("master_schedule.html").render(
        school=school.get("name") or window_doc["school_id"], window=window_doc, days=days, lang=lang,
        zone=get_timezone_name(datetime.now(timezone.utc).astimezone(ZoneInfo(window_doc["time_zone"])), "long",
                               zone_variant="generic", locale=locale),
        teacher=repo.display_name(people, teacher_id) if teacher_id else None)


def _language(tag: str, locale) -> str:
    try:
        return Locale.parse(tag.replace("-", "_")).get_display_name(locale) or tag
    except Exception:  # noqa: BLE001 - a tag Babel cannot read is shown as given
        return tag
