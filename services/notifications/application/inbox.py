"""Use cases behind the API, each one unit of work. Every query is scoped by the
caller's district and, for personal data, by the caller's own id."""
from __future__ import annotations

import secrets
import uuid

from pymongo import DESCENDING

from services.common.auth import Principal
from services.common.errors import Forbidden, Invalid, NotFound
from services.common.guards import district_scope, require_role
from services.notifications.adapters import repository as repo
from services.notifications.settings import load
from services.notifications.adapters.targets import TargetRefused, check_url


def _mine(principal: Principal, **more) -> dict:
    return district_scope(principal, **more)


# -- inbox ------------------------------------------------------------------------
def list_inbox(store, principal: Principal, *, unread: bool, limit: int) -> list[dict]:
    query = _mine(principal, recipient_id=principal.sub)
    if unread:
        query["read_at"] = None
    return list(store.db[repo.INBOX].find(query).sort([("created_at", DESCENDING), ("_id", DESCENDING)]).limit(limit))


def unread_count(store, principal: Principal) -> int:
    return store.db[repo.INBOX].count_documents(_mine(principal, recipient_id=principal.sub, read_at=None))


def all_inboxes(store, principal: Principal, *, limit: int) -> list[dict]:
    """Development mode only (the API registers it only then): every in-app message."""
    require_role(principal, "district_admin")
    return list(store.db[repo.INBOX].find(_mine(principal)).sort([("created_at", DESCENDING), ("_id", DESCENDING)])
                .limit(limit))


def mark_read(store, principal: Principal, item_id: str) -> dict:
    def work(uow):
        query = _mine(principal, _id=item_id, recipient_id=principal.sub)
        item = uow.db[repo.INBOX].find_one(query, session=uow.session)
        if item is None:  # someone else's item is "not found" too
            raise NotFound(f"No inbox item {item_id}.", code="inbox_item_not_found")
        if item.get("read_at") is None:
            now = uow.now
            item["read_at"] = now.replace(microsecond=now.microsecond // 1000 * 1000)  # as BSON stores it
            uow.db[repo.INBOX].update_one(query, {"$set": {"read_at": item["read_at"]}}, session=uow.session)
        return item

    return store.atomic(work, district_id=principal.district_id)


# -- preferences ------------------------------------------------------------------
def _prefs_view(prefs: dict, person: dict | None) -> dict:
    cfg = load()
    person = person or {}
    return {"opted_out": prefs.get("opted_out", []), "quiet_start": prefs.get("quiet_start") or cfg.quiet_start,
            "quiet_end": prefs.get("quiet_end") or cfg.quiet_end, "digest": prefs.get("digest", False),
            "language": prefs.get("language"),
            "effective_language": prefs.get("language") or person.get("language") or "en",
            "email_on_file": bool(person.get("email")), "phone_on_file": bool(person.get("phone"))}


def get_preferences(store, principal: Principal) -> dict:
    prefs = store.db[repo.PREFERENCES].find_one(_mine(principal, _id=principal.sub)) or {}
    return _prefs_view(prefs, store.db[repo.RECIPIENTS].find_one(_mine(principal, _id=principal.sub)))


def put_preferences(store, principal: Principal, body: dict) -> dict:
    if body["digest"] and principal.role != "teacher":
        raise Invalid("Only teachers can choose the daily digest.", code="digest_teachers_only",
                      errors={"digest": ["Only teachers can choose the daily digest."]})
    doc = {**body, "opted_out": sorted(set(body["opted_out"])), "district_id": principal.district_id}

    def work(uow):
        uow.db[repo.PREFERENCES].update_one({"_id": principal.sub}, {"$set": {**doc, "updated_at": uow.now}},
                                            upsert=True, session=uow.session)
        return _prefs_view(doc, uow.db[repo.RECIPIENTS].find_one({"_id": principal.sub}, session=uow.session))

    return store.atomic(work, district_id=principal.district_id)


# -- webhooks ---------------------------------------------------------------------
def _webhook_schools(principal: Principal, school_ids: list[str]) -> list[str]:
    if principal.role == "district_admin":
        return sorted(set(school_ids))
    if not school_ids:
        return sorted(principal.school_ids)
    outside = sorted(set(school_ids) - set(principal.school_ids))
    if outside:
        raise Forbidden(f"You do not administer {', '.join(outside)}.", code="school_not_administered")
    return sorted(set(school_ids))


def create_webhook(store, principal: Principal, body: dict) -> dict:
    require_role(principal, "district_admin", "school_admin")
    try:  # resolved and checked now, and again before every send
        check_url(body["url"])
    except TargetRefused as exc:
        raise Invalid(f"This URL cannot receive webhooks: {exc}.", code="webhook_target_refused",
                      errors={"url": [str(exc)]}) from None
    doc = {"_id": f"wh-{uuid.uuid4().hex[:16]}", "district_id": principal.district_id, "url": body["url"],
           "kinds": sorted(set(body["kinds"])), "school_ids": _webhook_schools(principal, body["school_ids"]),
           "description": body["description"], "secret": secrets.token_urlsafe(32), "active": True,
           "created_by": principal.sub}

    def work(uow):
        doc["created_at"] = uow.now
        uow.db[repo.WEBHOOKS].insert_one(doc, session=uow.session)
        return doc

    return store.atomic(work, district_id=principal.district_id)


def _may_manage(principal: Principal, hook: dict) -> bool:
    """District admins manage their district's webhooks; a school admin those limited to
    schools they administer."""
    if principal.role == "district_admin":
        return True
    return bool(hook.get("school_ids")) and set(hook["school_ids"]) <= set(principal.school_ids)


def list_webhooks(store, principal: Principal) -> list[dict]:
    require_role(principal, "district_admin", "school_admin")
    hooks = store.db[repo.WEBHOOKS].find(_mine(principal, active=True)).sort("created_at", 1)
    return [h for h in hooks if _may_manage(principal, h)]


def delete_webhook(store, principal: Principal, webhook_id: str) -> None:
    require_role(principal, "district_admin", "school_admin")

    def work(uow):
        query = _mine(principal, _id=webhook_id, active=True)
        hook = uow.db[repo.WEBHOOKS].find_one(query, session=uow.session)
        if hook is None or not _may_manage(principal, hook):
            raise NotFound(f"No webhook {webhook_id}.", code="webhook_not_found")
        uow.db[repo.WEBHOOKS].update_one(query, {"$set": {"active": False, "deleted_at": uow.now}},
                                         session=uow.session)

    store.atomic(work, district_id=principal.district_id)
