from marshmallow import fields, validate

from services.common.catalogue import event
from services.common.events.base import EventData, Id, OptId

ROLES = ("student", "teacher", "guardian", "administrator")


@event("roster", "RosterImported")
class RosterImported(EventData):
    """A OneRoster bundle was imported; counts of what changed."""
    import_id = Id()
    oneroster_version = fields.String(required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(strict=True), required=True)


@event("roster", "SchoolUpdated")
class SchoolUpdated(EventData):
    """A school was created or changed (name, IANA time zone, languages)."""
    school_id = Id()
    name = fields.String(required=True)
    time_zone = fields.String(required=True)
    languages = fields.List(fields.String(), required=True)
    active = fields.Boolean(required=True)


@event("roster", "StudentEnrolled")
class StudentEnrolled(EventData):
    """A student is enrolled in a class (homeroom) with a teacher."""
    student_id = Id()
    school_id = Id()
    class_id = Id()
    teacher_ids = fields.List(fields.String(), required=True)
    grade = fields.String(required=True)
    school_year = fields.String(required=True)


@event("roster", "StudentUpdated")
class StudentUpdated(EventData):
    """A student's grade or school changed."""
    student_id = Id()
    school_id = Id()
    grade = fields.String(required=True)
    active = fields.Boolean(required=True)


@event("roster", "StudentUnenrolled")
class StudentUnenrolled(EventData):
    """A class enrolment ended."""
    student_id = Id()
    school_id = Id()
    class_id = Id()


class GuardianLink(EventData):
    guardian_id = Id()
    student_id = Id()
    school_id = Id()


@event("roster", "GuardianLinked")
class GuardianLinked(GuardianLink):
    """A guardian is linked to a student."""


@event("roster", "GuardianUnlinked")
class GuardianUnlinked(GuardianLink):
    """A guardian-student link was removed."""


@event("roster", "TeacherAssigned")
class TeacherAssigned(EventData):
    """A teacher teaches a class at a school."""
    teacher_id = Id()
    class_id = Id()
    school_id = Id()


@event("roster", "PersonDeactivated")
class PersonDeactivated(EventData):
    """A person left the roster (status tobedeleted or missing from a full bundle)."""
    person_id = Id()
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


@event("roster", "PersonProfileChanged", private=True)
class PersonProfileChanged(EventData):
    """PRIVATE: names, contact details and language of a person, for internal
    services that address people (notifications, reports, scheduling agendas)."""
    person_id = Id()
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    given_name = fields.String(required=True)
    family_name = fields.String(required=True)
    preferred_name = fields.String(load_default=None, allow_none=True)
    email = fields.String(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True)
    language = fields.String(load_default="en")
    school_ids = fields.List(fields.String(), required=True)
    grade = OptId()
    active = fields.Boolean(load_default=True)


@event("roster", "GradebookResultsImported")
class GradebookResultsImported(EventData):
    """Gradebook results of a class were imported (ids and counts only: the scores stay in
    the roster and travel on the internal exchange, in GradebookResultRecorded)."""
    import_id = Id()
    school_id = Id()
    class_id = OptId(metadata={"description": "the class of the line items; none for results of the plain CSV"})
    line_item_count = fields.Integer(strict=True, required=True,
                                     metadata={"description": "line items created or changed"})
    result_count = fields.Integer(strict=True, required=True,
                                  metadata={"description": "results recorded (new or changed)"})
    student_count = fields.Integer(strict=True, required=True)


@event("roster", "GradebookResultRecorded", private=True)
class GradebookResultRecorded(EventData):
    """PRIVATE: a student's new (or corrected) result on a standard / learning objective,
    for goals linked to that measure. One per result and learning objective."""
    result_id = Id()
    student_id = Id()
    school_id = Id()
    class_id = OptId()
    line_item_id = Id()
    learning_objective_id = OptId(metadata={"description": "the standard or learning target; none when the "
                                                           "line item names none"})
    date = fields.Date(required=True)
    score = fields.Float(required=True)
    scale_id = OptId()
    scale_min = fields.Float(load_default=None, allow_none=True)
    scale_max = fields.Float(load_default=None, allow_none=True)
    scale_title = fields.String(load_default=None, allow_none=True)
