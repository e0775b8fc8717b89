from marshmallow import fields, validate

from services.common.catalogue import event
from services.common.events.base import EventData, Id

CHANNELS = ("email", "sms", "inapp", "webhook")


@event("notifications", "NotificationSent")
class NotificationSent(EventData):
    """A message reached a channel for one recipient."""
    notification_id = Id()
    cause_event_id = Id()
    recipient_id = Id()
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    kind = fields.String(required=True)


@event("notifications", "NotificationFailed")
class NotificationFailed(EventData):
    """A message could not be delivered after every retry."""
    notification_id = Id()
    cause_event_id = Id()
    recipient_id = Id()
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    kind = fields.String(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(["refused", "retries_exhausted"]))
    attempts = fields.Integer(strict=True, required=True)
