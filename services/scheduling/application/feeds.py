"""A teacher's subscribable calendar: a secret link a calendar app can poll without
signing in (calendar apps cannot send a bearer token). The link is the capability: it
shows that one teacher's conferences (as the signed-in feed does) and nothing else, and
making a new one ends the old one. Tokens are random (256 bits)."""
from __future__ import annotations

import secrets

from services.common.errors import Forbidden, NotFound
from services.scheduling.application import access
from services.scheduling.adapters.repositories import reads


def _authorize(rd, principal, teacher_id: str) -> None:
    if principal.role not in access.STAFF or (principal.role == "teacher" and principal.sub != teacher_id):
        raise Forbidden("Only the teacher or a school administrator may do this.", code="teacher_or_admin_only")
    if principal.role == "teacher":
        # Their own link, in their own district only: an id of another district is unknown here.
        known = rd.people.known_in_district(principal, teacher_id) or \
            rd.roster.teacher_in_district(principal, teacher_id)
    else:
        known = rd.roster.teacher_visible(principal, teacher_id)
    if not known:
        raise NotFound(f"No teacher {teacher_id}.", code="teacher_not_found")


def get(store, principal, teacher_id: str) -> dict:
    rd = reads(store)
    _authorize(rd, principal, teacher_id)
    doc = rd.feeds.get(principal.district_id, teacher_id)
    if doc is None:
        raise NotFound("This teacher has no calendar link yet.", code="feed_not_found")
    return view(doc)


def create(store, principal, teacher_id: str) -> dict:
    """A new secret link (the previous one stops working)."""
    _authorize(reads(store), principal, teacher_id)

    def work(uow):
        doc = {"token": secrets.token_urlsafe(32), "teacher_id": teacher_id, "district_id": principal.district_id,
               "school_id": (list(principal.school_ids) or [None])[0], "created_by": principal.sub,
               "created_at": uow.now}
        uow.feeds.replace(principal.district_id, teacher_id, doc)
        return doc

    return view(store.atomic(work, district_id=principal.district_id))


def view(doc: dict) -> dict:
    return {"teacher_id": doc["teacher_id"], "token": doc["token"], "path": f"/feeds/{doc['token']}.ics",
            "created_at": doc["created_at"]}


def by_token(rd, token: str) -> dict:
    doc = rd.feeds.by_token(token) if token else None
    if doc is None:
        raise NotFound("No such calendar.", code="feed_not_found")
    return doc
