"""A teacher's subscribable calendar: a secret link a calendar app can poll without
signing in (calendar apps cannot send a bearer token). The link is the capability: it
shows that one teacher's conferences (as the signed-in feed does) and nothing else, and
making a new one ends the old one. Tokens are random (256 bits)."""
from __future__ import annotations

import secrets

from services.access import StudentDirectory
from services.common.errors import Forbidden, NotFound
from services.common.guards import district_scope
from services.scheduling.application import access
from services.scheduling.adapters import repository as repo

FEEDS = "calendar_feeds"


def ensure_indexes(db) -> None:
    db[FEEDS].create_index("token", unique=True)


def _authorize(db, principal, teacher_id: str) -> None:
    if principal.role not in access.STAFF or (principal.role == "teacher" and principal.sub != teacher_id):
        raise Forbidden("Only the teacher or a school administrator may do this.", code="teacher_or_admin_only")
    if principal.role == "teacher":
        # Their own link, in their own district only: an id of another district is unknown here.
        known = db[repo.PEOPLE].find_one(district_scope(principal, _id=teacher_id), {"_id": 1}) or \
            db[StudentDirectory.COLLECTION].find_one(district_scope(principal, teacher_ids=teacher_id), {"_id": 1})
    else:
        scope = StudentDirectory(db).visible_filter(principal)
        known = db[StudentDirectory.COLLECTION].find_one({**scope, "teacher_ids": teacher_id}, {"_id": 1})
    if not known:
        raise NotFound(f"No teacher {teacher_id}.", code="teacher_not_found")


def _key(district_id: str | None, teacher_id: str) -> str:
    return f"{district_id or '-'}:{teacher_id}"


def get(store, principal, teacher_id: str) -> dict:
    _authorize(store.db, principal, teacher_id)
    doc = store.db[FEEDS].find_one({"_id": _key(principal.district_id, teacher_id)})
    if doc is None:
        raise NotFound("This teacher has no calendar link yet.", code="feed_not_found")
    return view(doc)


def create(store, principal, teacher_id: str) -> dict:
    """A new secret link (the previous one stops working)."""
    _authorize(store.db, principal, teacher_id)

    def work(uow):
        doc = {"token": secrets.token_urlsafe(32), "teacher_id": teacher_id, "district_id": principal.district_id,
               "school_id": (list(principal.school_ids) or [None])[0], "created_by": principal.sub,
               "created_at": uow.now}
        uow.db[FEEDS].update_one({"_id": _key(principal.district_id, teacher_id)}, {"$set": doc}, upsert=True,
                                 session=uow.session)
        return doc

    return view(store.atomic(work, district_id=principal.district_id))


def view(doc: dict) -> dict:
    return {"teacher_id": doc["teacher_id"], "token": doc["token"], "path": f"/feeds/{doc['token']}.ics",
            "created_at": doc["created_at"]}


def by_token(db, token: str) -> dict:
    doc = db[FEEDS].find_one({"token": token}) if token else None
    if doc is None:
        raise NotFound("No such calendar.", code="feed_not_found")
    return doc

