"""Use cases behind the API, each one unit of work. Every query is scoped by the
caller's district and, for personal data, by the caller's own id."""
from __future__ import annotations

import secrets
import uuid

from services.common.auth import Principal
from services.common.errors import Forbidden, Invalid, NotFound
from services.common.guards import district_scope, require_role
from services.notifications.adapters.repositories import reads
from services.notifications.settings import load
from services.notifications.adapters.targets import TargetRefused, check_url


# -- inbox ------------------------------------------------------------------------
def list_inbox(store, principal: Principal, *, unread: bool, limit: int) -> list[dict]:
    return reads(store).inbox(district_scope(principal), recipient_id=principal.sub, unread=unread, limit=limit)


def unread_count(store, principal: Principal) -> int:
    return reads(store).unread_count(district_scope(principal), principal.sub)


def all_inboxes(store, principal: Principal, *, limit: int) -> list[dict]:
    """Development mode only (the API registers it only then): every in-app message."""
    require_role(principal, "district_admin")
    return reads(store).inbox(district_scope(principal), limit=limit)


def mark_read(store, principal: Principal, item_id: str) -> dict:
    def work(uow):
        scope = district_scope(principal)
        item = uow.inbox.item_of(scope, principal.sub, item_id)
        if item is None:  # someone else's item is "not found" too
            raise NotFound(f"No inbox item {item_id}.", code="inbox_item_not_found")
        if item.get("read_at") is None:
            now = uow.now
            item["read_at"] = now.replace(microsecond=now.microsecond // 1000 * 1000)  # as BSON stores it
            uow.inbox.mark_read(scope, principal.sub, item_id, item["read_at"])
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
    prefs, person = reads(store).preferences_and_contact(district_scope(principal), principal.sub)
    return _prefs_view(prefs or {}, person)


def put_preferences(store, principal: Principal, body: dict) -> dict:
    if body["digest"] and principal.role != "teacher":
        raise Invalid("Only teachers can choose the daily digest.", code="digest_teachers_only",
                      errors={"digest": ["Only teachers can choose the daily digest."]})
    doc = {**body, "opted_out": sorted(set(body["opted_out"])), "district_id": principal.district_id}

    def work(uow):
        uow.preferences.save(principal.sub, {**doc, "updated_at": uow.now})
        return _prefs_view(doc, uow.recipients.contact(principal.sub))

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
        uow.webhooks.add(doc)
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
    return [h for h in reads(store).active_webhooks(district_scope(principal)) if _may_manage(principal, h)]


def delete_webhook(store, principal: Principal, webhook_id: str) -> None:
    require_role(principal, "district_admin", "school_admin")

    def work(uow):
        scope = district_scope(principal)
        hook = uow.webhooks.active(scope, webhook_id)
        if hook is None or not _may_manage(principal, hook):
            raise NotFound(f"No webhook {webhook_id}.", code="webhook_not_found")
        uow.webhooks.deactivate(scope, webhook_id, uow.now)

    store.atomic(work, district_id=principal.district_id)
