from marshmallow import fields, validate

from services.common.catalogue import event
from services.common.events.base import EventData, Id

CHANNELS = ("email", "sms", "inapp", "webhook")


class NotificationData(EventData):
    notification_id = Id()
    cause_event_id = Id()
    recipient_id = Id()
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    kind = fields.String(required=True)


@event("notifications", "NotificationSent")
class NotificationSent(NotificationData):
    """A message reached a channel for one recipient."""


@event("notifications", "NotificationFailed")
class NotificationFailed(NotificationData):
    """A message could not be delivered after every retry."""
    reason = fields.String(required=True, validate=validate.OneOf(["refused", "retries_exhausted"]))
    attempts = fields.Integer(strict=True, required=True)
