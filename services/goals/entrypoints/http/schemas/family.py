"""Request / response schemas for self-assessment, reflections, parent input, private
notes, evidence and the packet."""
from marshmallow import Schema, fields, validate

from services.goals.entrypoints.http.schemas.goals import In, Text, TextList

CYCLE = dict(load_default=None, validate=validate.Length(max=20))


class SelfAssessmentIn(In):
    cycle = fields.String(**CYCLE)
    strengths = TextList(load_default=list)
    areas_for_growth = TextList(load_default=list)
    supports = TextList(load_default=list)
    classwork_progress = Text(load_default="")


class SelfAssessmentOut(Schema):
    student_id = fields.String()
    cycle = fields.String()
    strengths = fields.List(fields.String())
    areas_for_growth = fields.List(fields.String())
    supports = fields.List(fields.String())
    classwork_progress = fields.String()
    submitted_at = fields.DateTime()


class ReflectionsIn(In):
    cycle = fields.String(**CYCLE)
    answers = fields.Dict(keys=fields.String(validate=validate.Length(max=100)), values=Text(), required=True,
                          validate=validate.Length(max=30))


class AnswerOut(Schema):
    question_id = fields.String()
    question = fields.String()
    answer = fields.String()


class ReflectionsOut(Schema):
    student_id = fields.String()
    cycle = fields.String()
    question_set = fields.String()
    answers = fields.List(fields.Nested(AnswerOut))


class QuestionSetOut(Schema):
    id = fields.String()
    title = fields.String()
    questions = fields.List(fields.Dict())


class ParentInputIn(In):
    cycle = fields.String(**CYCLE)
    hopes = Text(load_default="")
    concerns = Text(load_default="")
    topics = TextList(load_default=list, metadata={"description": "topics the family wants to talk about"})
    goals_for_child = TextList(load_default=list, metadata={"description": "the family's own goals for the child"})
    wants_private_talk = fields.Boolean(load_default=False)
    private_concerns = Text(load_default="", metadata={"description": "only for the private talk"})


class ParentInputOut(Schema):
    student_id = fields.String()
    guardian_id = fields.String()
    cycle = fields.String()
    hopes = fields.String()
    concerns = fields.String()
    topics = fields.List(fields.String())
    goals_for_child = fields.List(fields.String())
    wants_private_talk = fields.Boolean()
    private_concerns = fields.String()
    submitted_at = fields.DateTime()


class ParentInputListOut(Schema):
    cycle = fields.String()
    parent_input = fields.List(fields.Nested(ParentInputOut))


class PrivateNoteIn(In):
    cycle = fields.String(**CYCLE)
    text = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    guardian_ids = fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                               validate=validate.Length(max=10), load_default=None, metadata={
        "description": "the guardians the talk was with (their household reads the note; other guardians of the "
                       "child do not). Default: the one guardian who asked for a private talk this cycle, or the "
                       "child's only guardian."})


class PrivateNoteOut(Schema):
    note_id = fields.String()
    student_id = fields.String()
    cycle = fields.String()
    author_id = fields.String()
    guardian_ids = fields.List(fields.String())
    at = fields.DateTime()
    text = fields.String()


class PrivateNoteListOut(Schema):
    notes = fields.List(fields.Nested(PrivateNoteOut))


class NoteCardIn(In):
    what_it_shows = Text(load_default="")
    goal_id = fields.String(load_default=None, allow_none=True)


class EvidenceLinkIn(In):
    cycle = fields.String(**CYCLE)
    title = Text(load_default="")
    note = fields.Nested(NoteCardIn, load_default=dict)
    link = fields.String(required=True, validate=validate.Length(max=5000))


class EvidenceFormIn(In):
    """The text fields of a multipart upload (the file part is streamed separately)."""
    cycle = fields.String(**CYCLE)
    title = Text(load_default="")
    what_it_shows = Text(load_default="")
    goal_id = fields.String(load_default=None, allow_none=True)


class EvidenceOut(Schema):
    evidence_id = fields.String()
    student_id = fields.String()
    cycle = fields.String()
    title = fields.String()
    note = fields.Dict()
    kind = fields.String()
    link = fields.String(allow_none=True)
    file = fields.Dict(allow_none=True)
    file_url = fields.String(allow_none=True)
    added_by_role = fields.String()
    created_at = fields.DateTime()


class EvidenceListOut(Schema):
    evidence = fields.List(fields.Nested(EvidenceOut))


class PacketOut(Schema):
    """A student's conference packet; sections the viewer may not see are absent."""
    student = fields.Dict()
    cycle = fields.String()
    viewer_role = fields.String()
    sections = fields.List(fields.String())
    previous_goals = fields.List(fields.Dict())
    self_assessment = fields.Dict(allow_none=True)
    reflections = fields.List(fields.Dict())
    goals = fields.List(fields.Dict())
    evidence = fields.List(fields.Dict())
    parent_input = fields.List(fields.Dict())
    agenda = fields.List(fields.Dict())
    private_notes = fields.List(fields.Dict())
    agreements = fields.List(fields.Dict(), metadata={
        "description": "what was agreed at each conference up to this cycle, newest first: the supports the "
                       "teacher will give, the next check-in day and the ids of the family's goals"})
