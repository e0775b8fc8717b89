from marshmallow import fields

from services.common.catalogue import event
from services.common.events.base import EventData, Id


@event("reports", "ReportReady")
class ReportReady(EventData):
    """A student's progress report for a period is ready to read."""
    report_id = Id()
    student_id = Id()
    school_id = Id()
    period = fields.String(required=True)
    formats = fields.List(fields.String(), required=True)
