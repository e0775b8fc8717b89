"""Conference summary: family version never carries teacher-only content."""
import pytest

from services.reports.adapters.rendering.html import render_conference_summary

from sample_models import make_model


def test_family_summary_has_outcome_goals_supports_family_goals_and_followup(model):
    html = render_conference_summary(model, audience="family")
    assert "<h1>Conference summary: José Muñoz</h1>" in html
    assert "Conference held: October 14, 2026" in html
    assert "Follow-up date: October 28, 2026" in html
    assert "Leer 20 minutos cada día, señalar palabras difíciles" in html
    assert "Quiz at dinner" in html and "Library visits" in html
    assert "Be more confident speaking in class" in html


def test_family_summary_never_shows_teacher_only_notes(model):
    html = render_conference_summary(model, audience="family")
    assert "SECRET-NOTE" not in html
    assert "For the teacher only" not in html and "Private follow-up" not in html


def test_teacher_summary_shows_private_followup_and_notes(model):
    html = render_conference_summary(model, audience="teacher")
    assert "For the teacher only" in html
    assert "Private follow-up requested: yes" in html
    assert "SECRET-NOTE family stress at home" in html


def test_spanish_family_summary_and_no_show():
    m = make_model("es")
    m["conference"] = {"status": "no_show", "date": "2026-10-14"}
    html = render_conference_summary(m)
    assert '<html lang="es">' in html and "La familia no asistió: 14 de octubre de 2026" in html
    assert "Metas acordadas" in html and "Apoyos acordados" in html


def test_unknown_audience_is_rejected(model):
    with pytest.raises(ValueError):
        render_conference_summary(model, audience="public")
