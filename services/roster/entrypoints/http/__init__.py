"""The roster's read API. Lists take ``limit`` (1-200, default 50) and ``offset``.

    GET /me                          the caller's person record, children / students, schools
    GET /schools                     schools the caller may see
    GET /schools/<id>/classes        classes of a school, with teachers and student counts
    GET /schools/<id>/people         teachers, students and families of a school (admins)
    GET /teachers/<id>/students      a teacher's students
    GET /guardians/<id>/children     a guardian's children
    GET /students/<id>               a student with classes, teachers and guardians

Records the caller may not see answer 404, like records that do not exist. The import
endpoints are in ``api_imports``.
"""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import RAISE

from services.common.service import get_store
from services.common.web import current_principal
from services.roster.application import queries
from services.roster.adapters.directory import reading
from services.roster.entrypoints.http.schemas import (
    ClassPage, MeOut, PageArgs, SchoolPage, SchoolPeopleOut, StudentOut, StudentPage,
)

blp = Blueprint("roster", __name__, description="Schools, classes, students and families of the district")


def _read(use_case, *args):
    principal = current_principal()
    with reading(get_store(), principal.district_id) as view:
        return use_case(view, queries.with_roster_schools(view, principal), *args)


@blp.route("/me", methods=["GET"])
@blp.response(200, MeOut)
def me():
    """The caller's own record, with their children (guardian), classes and students
    (teacher) and the schools they may see."""
    return _read(queries.me)


@blp.route("/schools", methods=["GET"])
@blp.arguments(PageArgs, location="query", unknown=RAISE)
@blp.response(200, SchoolPage)
def schools(args):
    """Schools the caller may see, by name."""
    return _read(queries.list_schools, args)


@blp.route("/schools/<school_id>/classes", methods=["GET"])
@blp.arguments(PageArgs, location="query", unknown=RAISE)
@blp.response(200, ClassPage)
def school_classes(args, school_id):
    """Classes of a school (staff of the school, district admins, services with schools:read)."""
    return _read(queries.school_classes, school_id, args)


@blp.route("/schools/<school_id>/people", methods=["GET"])
@blp.response(200, SchoolPeopleOut)
def school_people(school_id):
    """Teachers, students and families of a school, names only (the school's administrators and the
    district admin)."""
    return _read(queries.school_people, school_id)


@blp.route("/teachers/<teacher_id>/students", methods=["GET"])
@blp.arguments(PageArgs, location="query", unknown=RAISE)
@blp.response(200, StudentPage)
def teacher_students(args, teacher_id):
    """Students in the teacher's active classes, by family name."""
    return _read(queries.teacher_students, teacher_id, args)


@blp.route("/guardians/<guardian_id>/children", methods=["GET"])
@blp.arguments(PageArgs, location="query", unknown=RAISE)
@blp.response(200, StudentPage)
def guardian_children(args, guardian_id):
    """The guardian's children (those the caller may see)."""
    return _read(queries.guardian_children, guardian_id, args)


@blp.route("/students/<student_id>", methods=["GET"])
@blp.response(200, StudentOut)
def student(student_id):
    """A student's roster record (audit-logged)."""
    return _read(queries.student, student_id)


# Per person: /me is what a sign-in looks up, and the portal asks it once per page (a
# teacher going through an agenda opens a page every second or two); an enumeration
# script needs far more than two a second.
RATE_LIMITS = {("GET", "/me"): (120, 60)}


def blueprints() -> list:
    from services.roster.entrypoints.http.imports import blp as imports

    return [blp, imports]
