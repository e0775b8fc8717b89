"""Request and response schemas of the roster API."""
from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import RAISE, Schema, fields, validate

MAX_LIMIT = 200


class Strict(Schema):
    class Meta:
        unknown = RAISE


class PageArgs(Strict):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, MAX_LIMIT),
                           metadata={"description": f"page size, 1-{MAX_LIMIT}"})
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))


def page_of(item: type[Schema], name: str) -> type[Schema]:
    return type(name, (Schema,), {"items": fields.List(fields.Nested(item)), "total": fields.Integer(),
                                  "limit": fields.Integer(), "offset": fields.Integer()})


class SchoolOut(Schema):
    id = fields.String(attribute="_id")
    sourced_id = fields.String(metadata={"description": "the id in the district's SIS (id is its Confer id, "
                                                        "district-scoped: see docs/roster.md)"})
    name = fields.String()
    identifier = fields.String()
    time_zone = fields.String(metadata={"description": "IANA time zone"})
    languages = fields.List(fields.String(), metadata={"description": "BCP-47, the school's communication languages"})
    active = fields.Boolean()


class ClassOut(Schema):
    id = fields.String(attribute="_id")
    school_id = fields.String()
    title = fields.String()
    grades = fields.List(fields.String())
    class_type = fields.String(allow_none=True)
    class_code = fields.String(allow_none=True)
    session_ids = fields.List(fields.String())
    teacher_ids = fields.List(fields.String())
    student_count = fields.Integer()
    active = fields.Boolean()


class StudentSummary(Schema):
    id = fields.String(attribute="_id")
    sourced_id = fields.String(metadata={"description": "the id in the district's SIS"})
    school_id = fields.String(allow_none=True)
    given_name = fields.String()
    family_name = fields.String()
    preferred_name = fields.String(allow_none=True)
    grade = fields.String(allow_none=True)
    active = fields.Boolean()


class ClassRef(Schema):
    id = fields.String(attribute="_id")
    title = fields.String()
    teacher_ids = fields.List(fields.String())


class StudentOut(StudentSummary):
    language = fields.String()
    classes = fields.List(fields.Nested(ClassRef))
    teacher_ids = fields.List(fields.String())
    guardian_ids = fields.List(fields.String())


class DirectoryPerson(Schema):
    id = fields.String(attribute="_id")
    given_name = fields.String()
    family_name = fields.String()
    preferred_name = fields.String(allow_none=True)
    language = fields.String(allow_none=True)


class DirectoryTeacher(DirectoryPerson):
    classes = fields.List(fields.String(), metadata={"description": "titles of the classes they teach"})


class DirectoryStudent(DirectoryPerson):
    grade = fields.String(allow_none=True)
    guardian_ids = fields.List(fields.String())


class DirectoryGuardian(DirectoryPerson):
    child_ids = fields.List(fields.String())


class SchoolPeopleOut(Schema):
    """Everyone of one school in one answer (names only, no contact details)."""
    school_id = fields.String()
    teachers = fields.List(fields.Nested(DirectoryTeacher))
    students = fields.List(fields.Nested(DirectoryStudent))
    guardians = fields.List(fields.Nested(DirectoryGuardian))


class PersonOut(Schema):
    """The caller's own record (with their own contact details)."""
    id = fields.String(attribute="_id")
    sourced_id = fields.String(metadata={"description": "the id in the district's SIS (id is its Confer id, "
                                                        "district-scoped: see docs/roster.md)"})
    kind = fields.String(metadata={"description": "student | teacher | guardian | administrator | staff"})
    role = fields.String(metadata={"description": "the OneRoster role"})
    given_name = fields.String()
    family_name = fields.String()
    preferred_name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    sms = fields.String(allow_none=True)
    language = fields.String()
    school_id = fields.String(allow_none=True)
    school_ids = fields.List(fields.String())
    grade = fields.String(allow_none=True)
    active = fields.Boolean()


class PrincipalOut(Schema):
    sub = fields.String()
    role = fields.String()
    district_id = fields.String(allow_none=True)
    school_ids = fields.List(fields.String())
    scopes = fields.List(fields.String())


class MeOut(Schema):
    principal = fields.Nested(PrincipalOut)
    person = fields.Nested(PersonOut, allow_none=True)
    children = fields.List(fields.Nested(StudentSummary), metadata={"description": "guardians: their children"})
    students = fields.List(fields.Nested(StudentSummary), metadata={"description": "teachers: their students "
                                                                                   f"(first {MAX_LIMIT})"})
    classes = fields.List(fields.Nested(ClassRef), metadata={"description": "teachers: the classes they teach"})
    schools = fields.List(fields.Nested(SchoolOut))
    truncated = fields.Boolean(metadata={"description": "a list was cut at its first "
                                                       f"{MAX_LIMIT}; use the paginated endpoints"})


SchoolPage = page_of(SchoolOut, "SchoolPage")
ClassPage = page_of(ClassOut, "ClassPage")
StudentPage = page_of(StudentSummary, "StudentPage")


class ImportForm(Strict):
    partial = fields.Boolean(load_default=False, metadata={
        "description": "import the valid rows and skip (and report) the bad ones"})


class ImportFile(Strict):
    file = Upload(required=True, metadata={"description": "the OneRoster bundle as a .zip"})


class RowErrorOut(Schema):
    file = fields.String()
    line = fields.Integer(allow_none=True)
    column = fields.String(allow_none=True)
    reason = fields.String()
    message = fields.String()


class ImportOut(Schema):
    import_id = fields.String(allow_none=True, metadata={"description": "null when nothing changed"})
    district_id = fields.String()
    status = fields.String(metadata={"description": "applied | unchanged"})
    oneroster_version = fields.String()
    counts = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Integer()))
    changes = fields.Integer()
    events = fields.Dict(keys=fields.String(), values=fields.Integer())
    skipped_rows = fields.Integer(metadata={"description": "records left out by a partial import"})
    error_count = fields.Integer()
    errors = fields.List(fields.Nested(RowErrorOut), metadata={"description": "rows skipped by a partial import"})
    seconds = fields.Float()
