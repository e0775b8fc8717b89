"""Parent input (seeds/002) and how the family's goals compare with the student's.

Parent input and private-talk notes are adult-only: see ``packet.visible_sections``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from services.goals.domain.models import Feedback, Goal, error, freeze_lists, too_long
from services.goals.domain.texts import Items, T
from services.goals.domain.wording import words

TEXT_MAX = 2000
FAMILY_GOAL_MAX = 300
FAMILY_GOALS_MAX = 10


@dataclass(frozen=True)
class ParentInput:
    guardian_id: str
    student_id: str
    hopes: str = ""
    concerns: str = ""
    goals_for_child: tuple[str, ...] = ()  # the family's own goals for the child
    wants_private_talk: bool = False  # a private word with the teacher after the student shares
    private_concerns: str = ""  # only for that private talk

    def __post_init__(self) -> None:
        freeze_lists(self, "goals_for_child")


@dataclass(frozen=True)
class PrivateNote:
    """A teacher's note from the private parent-teacher talk. Never shown to a student."""

    author_id: str
    at: datetime
    text: str


def validate_parent_input(pi: ParentInput) -> list[Feedback]:
    out: list[Feedback] = []
    texts = {"hopes": pi.hopes, "concerns": pi.concerns, "private_concerns": pi.private_concerns}
    if not any((t or "").strip() for t in (*texts.values(), *pi.goals_for_child)) and not pi.wants_private_talk:
        out.append(error("parent_input_empty", "hopes",
                         T("Share at least one hope, concern or goal for your child.")))
    out += [too_long(name, TEXT_MAX) for name, t in texts.items() if len((t or "").strip()) > TEXT_MAX]
    if len(pi.goals_for_child) > FAMILY_GOALS_MAX:
        out.append(error("too_many_items", "goals_for_child",
                         T("Please share up to %(n)s goals.", n=FAMILY_GOALS_MAX)))
    out += [too_long(f"goals_for_child[{i}]", FAMILY_GOAL_MAX)
            for i, g in enumerate(pi.goals_for_child) if len((g or "").strip()) > FAMILY_GOAL_MAX]
    return out


# Topic keywords, so "reading fluency" and a CCSS.ELA-LITERACY.RF code meet as "reading".
# English and Spanish keywords (a family may write in either language).
TOPICS: dict[str, frozenset[str]] = {name: frozenset(ws.split()) for name, ws in {
    "reading": "read reads reading reader readers book books fluency comprehension phonics vocabulary "
               "leer lee leo lectura lector libro libros fluidez comprensión vocabulario",
    "writing": "write writes writing writer essay essays paragraph paragraphs spelling spell "
               "handwriting grammar punctuation sentences escribir escribe escritura ensayo párrafo "
               "párrafos ortografía letra gramática puntuación oraciones",
    "math": "math maths mathematics fraction fractions multiplication multiply division divide "
            "number numbers addition subtraction decimals geometry algebra matemáticas matemática "
            "fracción fracciones multiplicar multiplicación división dividir número números suma "
            "sumas resta restas decimales geometría álgebra",
    "science": "science experiment experiments ciencia ciencias experimento experimentos",
    "listening and focus": "listen listening listener focus attention distract distracted "
                           "distractions behaviour behavior calm escuchar atención concentración "
                           "concentrarse distraído distraída comportamiento conducta calma",
    "friendships": "friend friends friendship kind kindness social amigo amigos amiga amigas amistad "
                   "amable",
    "organisation": "organised organized organisation organization homework planner binder "
                    "deadlines assignments organizado organizada organización tarea tareas agenda",
    "confidence": "confidence confident brave participate participation speak confianza seguro "
                  "segura valiente participar participación hablar",
}.items()}
TOPIC_NAMES = {"reading": T("reading"), "writing": T("writing"), "math": T("math"), "science": T("science"),
               "listening and focus": T("listening and focus"), "friendships": T("friendships"),
               "organisation": T("organisation"), "confidence": T("confidence")}
_CODE_TOPICS = (("CCSS.MATH", "math"), ("MATH", "math"), (".RF.", "reading"), (".RL.", "reading"),
                (".RI.", "reading"), (".W.", "writing"), (".L.", "writing"), (".SL.", "listening and focus"))
STOPWORDS = frozenset("""
    i i'll will want wants would like to be a an the and or of in on at for my his her their our
    he she they them we you your more better good well get gets do does with about is are was
    can could should child son daughter kid hope hopes hoping wish this that year school grade
    que quiero queremos quisiera mi mis su sus el la los las un una unos unas de del en y o a al
    más mejor bien para por con este esta año escuela grado hijo hija niño niña espero esperamos
""".split())


def topics_of(text: str, code: str | None = None) -> set[str]:
    tokens = set(words(text))
    found = {name for name, keys in TOPICS.items() if tokens & keys}
    up = (code or "").upper()
    found |= {name for marker, name in _CODE_TOPICS if marker in up}
    return found


def keywords_of(text: str) -> set[str]:
    return {w for w in words(text) if len(w) > 2 and w not in STOPWORDS}


def _goal_text(goal: Goal) -> tuple[str, str | None]:
    p = goal.plan
    return f"{p.focus.label} {p.statement}", p.focus.code


def family_goal_differs(family_goal: str, goals: Iterable[Goal]) -> bool:
    """True when no student goal shares a topic (or, failing topics, a keyword) with it."""
    fam_topics, fam_words = topics_of(family_goal), keywords_of(family_goal)
    for goal in goals:
        text, code = _goal_text(goal)
        if fam_topics & topics_of(text, code) or (not fam_topics and fam_words & keywords_of(text)):
            return False
    return True


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def agenda_items(goals: list[Goal], parent_inputs: Iterable[ParentInput],
                 has_previous_goals: bool) -> list[dict]:
    """Adult-only agenda: review previous goals first, where the family's goals differ
    from the student's, and (last) any private talk the family asked for."""
    items: list[dict] = []
    if has_previous_goals:
        items.append({"kind": "review_previous_goals",
                      "text": T("Start by reviewing the goals from last time.")})
    # Only what the student has named: a goal without a focus adds nothing to the list.
    chose = Items(dict.fromkeys(f for g in goals if (f := (g.plan.focus.label or g.plan.focus.code or "").strip())))
    private = []
    for pi in parent_inputs:
        for fam in [g for g in pi.goals_for_child if g and g.strip()] or ([pi.hopes] if (pi.hopes or "").strip() else []):
            if family_goal_differs(fam, goals):
                topics = sorted(topics_of(fam))
                hopes_for = Items(TOPIC_NAMES[t] for t in topics) if topics else f"\u201c{_short(fam)}\u201d"
                text = (T("The family hopes for %(hopes)s; the student chose %(chose)s.", hopes=hopes_for, chose=chose)
                        if chose else
                        T("The family hopes for %(hopes)s; the student has not chosen a goal yet.", hopes=hopes_for))
                items.append({"kind": "family_goal_differs", "guardian_id": pi.guardian_id,
                              "family_goal": fam, "family_topics": topics, "text": text})
        if pi.wants_private_talk:
            private.append({"kind": "private_talk", "guardian_id": pi.guardian_id,
                            "text": T("After the student shares, the family would like a private word with the "
                                      "teacher.")})
    return items + private
