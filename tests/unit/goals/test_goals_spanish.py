"""The goals service speaks Spanish as well as English: every sentence it can say has a
Spanish translation, feedback and questions come out in Spanish with Spanish list,
plural and date rules, and the vague-goal rules know Spanish goals."""
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from services.goals.domain import texts
from services.goals.domain.models import Focus, FocusKind, Goal, Plan, SchoolYear, Supports, Term, Trackable
from services.goals.domain.quality import check_goal
from services.goals.domain.reflection import QUESTION_SETS
from services.goals.domain.family import ParentInput, agenda_items
from services.goals.domain.wording import action_vagueness, statement_vagueness

GOALS_DIR = Path(texts.__file__).resolve().parents[1]  # the service folder
TODAY = date(2026, 10, 5)
YEAR = SchoolYear(date(2026, 8, 15), date(2027, 6, 10))


def msgids_in_code() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(GOALS_DIR), method_map=[("**.py", "python")], keywords={"T": None, "Tn": (1, 2)}):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_sentence_in_the_code_has_a_spanish_translation():
    ids = msgids_in_code()
    assert len(ids) > 100
    catalogue = texts.catalogue_ids("es")
    missing = sorted(i for i in ids if not catalogue.get(i))
    assert not missing, f"add these to services/goals/translations/es (at the end): {missing}"


def goal(statement: str, **plan) -> Goal:
    base = dict(statement=statement, focus=Focus(FocusKind.STANDARD, "fracciones"), term=Term.SHORT,
                specific_actions=("Voy a practicar 10 problemas cada noche.", "Voy a preguntar a mi maestra.",
                                  "Voy a repasar mis apuntes los viernes."),
                trackable=Trackable("Voy a anotar mis puntos en una tabla"),
                achievable_reasons=("Ya sé sumar.", "Mi hermana me ayuda."), target_date=date(2026, 10, 30),
                supports=Supports(family=("Un lugar tranquilo",)))
    base.update(plan)
    return Goal("g1", "st1", YEAR, "2026-fall", Plan(**base))


@pytest.mark.parametrize("text", ["mejorar en matemáticas", "Quiero mejorar en matemáticas",
                                  "Quiero ser mejor en matemáticas este año", "Voy a esforzarme más en la escuela"])
def test_spanish_wishes_are_vague(text):
    assert statement_vagueness(text).vague


@pytest.mark.parametrize("text", ["Voy a preguntar cuando no entienda una parte de la clase de matemáticas.",
                                  "Leeré en voz alta con mi mamá todas las noches.",
                                  "Voy a practicar las tablas de multiplicar cinco veces por semana."])
def test_spanish_plans_are_not_vague(text):
    assert not statement_vagueness(text).vague


def test_spanish_stock_phrases_are_vague_actions():
    assert action_vagueness("Voy a estudiar más").vague
    assert action_vagueness("echarle ganas").vague
    assert not action_vagueness("Voy a leer 20 minutos cada noche").vague


def test_feedback_in_spanish_with_spanish_lists_and_dates():
    found = {f.code: f for f in check_goal(goal("Quiero mejorar en matemáticas"), TODAY, 0)}
    vague = found["too_vague"].message.render("es")
    assert vague.startswith("Palabras como «quiero» y «mejorar» son un deseo, no un plan.")
    assert "Voy a hacer preguntas cuando no entienda" in vague  # the example is translated too
    far = {f.code: f for f in check_goal(goal("Voy a leer 20 minutos cada noche.", target_date=date(2027, 2, 1)),
                                         TODAY, 0)}["date_too_far"].message
    assert far.render("es") == ("Una meta a corto plazo debe lograrse en 8 semanas, a más tardar el 30 de noviembre "
                                "de 2026. Elige esa fecha o una anterior, o conviértela en una meta a largo plazo.")
    assert str(far).startswith("A short-term goal should be done within 8 weeks, by November 30, 2026.")
    outside = check_goal(goal("Voy a leer 20 minutos cada noche.", target_date=date(2027, 8, 1)), TODAY, 0)
    assert "entre el 15 de agosto de 2026 y el 10 de junio de 2027" in outside[0].message.render("es")


def test_plurals_follow_the_number():
    one = check_goal(goal("Voy a leer 20 minutos cada noche."), TODAY, 1, max_active=1)[0].message
    two = check_goal(goal("Voy a leer 20 minutos cada noche."), TODAY, 3)[0].message
    assert one.render("es").startswith("Ya tienes 1 meta en la que") and str(one).startswith("You already have 1 goal ")
    assert two.render("es").startswith("Ya tienes 3 metas en las que")


def test_every_reflection_question_in_spanish():
    for qs in QUESTION_SETS.values():
        assert qs.title.render("es") != str(qs.title)
        for q in qs.questions:
            assert q.text.render("es").startswith("¿"), q.id


def test_packet_agenda_never_pastes_an_empty_focus():
    """"the student chose fractions and ." came from a goal without a focus label."""
    goals = [goal("Voy a leer 20 minutos cada noche."),
             goal("Voy a leer más", focus=Focus(FocusKind.PERSONAL, ""))]
    items = agenda_items(goals, [ParentInput("p1", "st1", "Que haga amigos", "", ("Hacer amigos en el recreo",))], False)
    [item] = [i for i in items if i["kind"] == "family_goal_differs"]
    assert str(item["text"]) == "The family hopes for friendships; the student chose fracciones."
    assert item["text"].render("es") == "La familia tiene esperanzas en las amistades; el estudiante eligió fracciones."
    two = agenda_items([goals[0], goal("x", focus=Focus(FocusKind.STANDARD, "lectura"))],
                       [ParentInput("p1", "st1", "", "", ("Hacer amigos",))], False)
    assert two[0]["text"].render("es").endswith("el estudiante eligió fracciones y lectura.")
