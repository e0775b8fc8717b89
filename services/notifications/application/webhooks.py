"""Webhook fan-out: a subscribing system an admin registered (POST /webhooks) gets one
signed POST per event that caused notifications it asked for. The payload carries ids
and kinds only, never contact details or a child's words (DESIGN: events are a public
contract); the subscriber's own records say who those ids are."""
from __future__ import annotations

from services.notifications.adapters import repository as repo
from services.notifications.application.deliveries import Recorder, delivery_id
from services.notifications.adapters.directory import Directory

CHANNEL = "webhook"
PAYLOAD_TYPE = "org.confer.notifications.Notification.v1"


def payload(event, did: str, notices) -> dict:
    return {"id": did, "type": PAYLOAD_TYPE, "district_id": event.district_id, "school_id": event.school_id,
            "cause": {"id": event.id, "type": event.type, "time": event.time},
            "notifications": [{"kind": n.kind, "recipient_id": n.recipient_id, "student_id": n.student_id}
                              for n in notices]}


def fan_out(uow, event, notices, cfg) -> int:
    if not notices:
        return 0
    dr = Directory.of(uow)
    subs = dr.webhooks(event.district_id)
    if not subs:
        return 0
    school = dr.school(notices[0].school_id)
    recorded = 0
    for sub in subs:
        if sub.get("school_ids") and event.school_id not in sub["school_ids"]:
            continue
        chosen = [n for n in notices if not sub.get("kinds") or n.kind in sub["kinds"]]
        if not chosen:
            continue
        did = delivery_id(event.id, sub["_id"], CHANNEL, event.name)
        Recorder.of(uow).add(cause_id=event.id, cause_type=event.name, recipient_id=sub["_id"], channel=CHANNEL,
                             kind=event.name, school=school,
                             content={"webhook_id": sub["_id"], "payload": payload(event, did, chosen)})
        recorded += 1
    return recorded
