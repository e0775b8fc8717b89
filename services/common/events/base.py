"""Field helpers shared by the event schemas."""
from marshmallow import RAISE, Schema, fields, validate

Id = lambda **kw: fields.String(required=True, validate=validate.Length(min=1, max=200), **kw)  # noqa: E731
OptId = lambda **kw: fields.String(load_default=None, allow_none=True, **kw)  # noqa: E731


class EventData(Schema):
    class Meta:
        unknown = RAISE
        ordered = True
