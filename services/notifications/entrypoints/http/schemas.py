"""Request and response schemas of the notifications API."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from services.notifications.adapters.content import KINDS
from services.notifications.application.notices import TEACHER_UPDATE

HHMM = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="Use HH:MM (24-hour), e.g. 21:00.")
LANG = validate.Regexp(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$", error="Use a language tag such as es or pt-BR.")
WEBHOOK_EVENTS = sorted(KINDS | {TEACHER_UPDATE})


class In(Schema):
    class Meta:
        unknown = RAISE


class InboxQuery(In):
    unread = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class UnreadCountOut(Schema):
    unread = fields.Integer()


class InboxItemOut(Schema):
    id = fields.String(attribute="_id")
    recipient_id = fields.String()
    kind = fields.String()
    subject = fields.String()
    text = fields.String()
    link = fields.String(allow_none=True)
    lang = fields.String(allow_none=True)
    student_id = fields.String(allow_none=True)
    school_id = fields.String(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class PreferencesIn(In):
    opted_out = fields.List(fields.String(validate=validate.OneOf(["email", "sms"])), load_default=list,
                            metadata={"description": "channels not to use; the in-app inbox is always on"})
    quiet_start = fields.String(load_default="21:00", validate=HHMM)
    quiet_end = fields.String(load_default="07:00", validate=HHMM)
    digest = fields.Boolean(load_default=False, metadata={"description": "teachers: one email a day"})
    language = fields.String(load_default=None, allow_none=True, validate=LANG,
                             metadata={"description": "overrides the language from the roster"})


class PreferencesOut(Schema):
    opted_out = fields.List(fields.String())
    quiet_start = fields.String()
    quiet_end = fields.String()
    digest = fields.Boolean()
    language = fields.String(allow_none=True)
    effective_language = fields.String()
    email_on_file = fields.Boolean()
    phone_on_file = fields.Boolean()


class WebhookIn(In):
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False, metadata={
        "description": "https (http only in dev mode), resolving to public addresses only"})
    kinds = fields.List(fields.String(validate=validate.OneOf(WEBHOOK_EVENTS)), load_default=list,
                        metadata={"description": "notification kinds to receive; empty = all"})
    school_ids = fields.List(fields.String(validate=validate.Length(min=1, max=200)), load_default=list)
    description = fields.String(load_default="", validate=validate.Length(max=200))


class WebhookOut(Schema):
    id = fields.String(attribute="_id")
    url = fields.String()
    kinds = fields.List(fields.String())
    school_ids = fields.List(fields.String())
    description = fields.String()
    active = fields.Boolean()
    created_at = fields.DateTime()


class WebhookCreatedOut(WebhookOut):
    secret = fields.String(metadata={"description": "HMAC-SHA256 key; shown only once"})
