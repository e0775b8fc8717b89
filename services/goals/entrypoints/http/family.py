"""The student's self-assessment and reflections, the family's parent input, private
parent-teacher notes, and the conference packet.

    POST/GET /students/<id>/self-assessment      student writes; anyone who may see the child reads
    GET      /students/<id>/reflection-questions anyone who may see the child
    POST/GET /students/<id>/reflections          student writes; anyone who may see the child reads
    POST     /students/<id>/parent-input         guardian of the child
    GET      /students/<id>/parent-input         teacher; a guardian sees their own (others: 404)
    POST     /students/<id>/private-notes        teacher
    GET      /students/<id>/private-notes        teacher, guardians (others: 404)
    GET      /students/<id>/packet?cycle=        student (own work only), guardian, teacher, admins
"""
from __future__ import annotations

from flask_smorest import Blueprint

from services.goals.application import family
from services.goals.application import packet as services_packet
from services.goals.entrypoints.http.goals import ctx
from services.goals.entrypoints.http.schemas.goals import CycleQuery
from services.goals.entrypoints.http.schemas.family import (
    PacketOut, ParentInputIn, ParentInputListOut, ParentInputOut, PrivateNoteIn, PrivateNoteListOut,
    PrivateNoteOut, QuestionSetOut, ReflectionsIn, ReflectionsOut, SelfAssessmentIn, SelfAssessmentOut,
)

blp = Blueprint("family", __name__, description="Self-assessment, reflections, parent input and the packet")


@blp.route("/students/<student_id>/self-assessment", methods=["POST"])
@blp.arguments(SelfAssessmentIn)
@blp.response(201, SelfAssessmentOut)
def submit_self_assessment(body, student_id):
    """The student's view of their academic behaviours for a cycle (replaces an earlier one)."""
    return family.submit_self_assessment(*ctx(), student_id, body)


@blp.route("/students/<student_id>/self-assessment", methods=["GET"])
@blp.arguments(CycleQuery, location="query")
@blp.response(200, SelfAssessmentOut)
def get_self_assessment(query, student_id):
    return family.get_self_assessment(*ctx(), student_id, query["cycle"])


@blp.route("/students/<student_id>/reflection-questions", methods=["GET"])
@blp.response(200, QuestionSetOut)
def reflection_questions(student_id):
    """The question set for the student's grade (primary TK-5, middle 6-12)."""
    store, principal, _cfg = ctx()
    return family.question_set(store, principal, student_id)


@blp.route("/students/<student_id>/reflections", methods=["POST"])
@blp.arguments(ReflectionsIn)
@blp.response(201, ReflectionsOut)
def submit_reflections(body, student_id):
    """Answers keyed by question id (see reflection-questions)."""
    return family.submit_reflections(*ctx(), student_id, body)


@blp.route("/students/<student_id>/reflections", methods=["GET"])
@blp.arguments(CycleQuery, location="query")
@blp.response(200, ReflectionsOut)
def get_reflections(query, student_id):
    return family.get_reflections(*ctx(), student_id, query["cycle"])


@blp.route("/students/<student_id>/parent-input", methods=["POST"])
@blp.arguments(ParentInputIn)
@blp.response(201, ParentInputOut)
def submit_parent_input(body, student_id):
    """The family's hopes, concerns, topics and goals for the child (never shown to the student)."""
    return family.submit_parent_input(*ctx(), student_id, body)


@blp.route("/students/<student_id>/parent-input", methods=["GET"])
@blp.arguments(CycleQuery, location="query")
@blp.response(200, ParentInputListOut)
def get_parent_input(query, student_id):
    return family.get_parent_input(*ctx(), student_id, query["cycle"])


@blp.route("/students/<student_id>/private-notes", methods=["POST"])
@blp.arguments(PrivateNoteIn)
@blp.response(201, PrivateNoteOut)
def add_private_note(body, student_id):
    """A note from the private parent-teacher talk (never shown to the student)."""
    return family.add_private_note(*ctx(), student_id, body)


@blp.route("/students/<student_id>/private-notes", methods=["GET"])
@blp.arguments(CycleQuery, location="query")
@blp.response(200, PrivateNoteListOut)
def get_private_notes(query, student_id):
    return family.get_private_notes(*ctx(), student_id, query["cycle"])


@blp.route("/students/<student_id>/packet", methods=["GET"])
@blp.arguments(CycleQuery, location="query")
@blp.response(200, PacketOut)
def packet(query, student_id):
    """The conference packet: previous goals first, then self-assessment, reflections, goals
    with history and check-ins, evidence; for adults also parent input, agenda, private notes."""
    return services_packet.get_packet(*ctx(), student_id, query["cycle"])
