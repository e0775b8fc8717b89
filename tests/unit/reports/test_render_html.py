"""Progress report HTML: structure, accessibility, charts, translations."""
import re
import xml.etree.ElementTree as ET

import pytest

from services.reports.adapters.rendering.html import (environment, normalize_lang, render_html, translations)

from sample_models import make_model


def test_html_has_lang_headings_and_goal_statements(model):
    html = render_html(model)
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in html
    assert re.search(r"<h1>Progress report: José Muñoz</h1>", html)
    h2 = re.findall(r"<h2[^>]*>(.*?)</h2>", html)
    assert "Goal 1: Leer 20 minutos cada día, señalar palabras difíciles" in h2
    assert "Goal 2: Know multiplication facts to 10 by December" in h2
    assert "November 2026" in html and "Escuela Peña" in html
    assert "@media print" in html


def test_each_goal_has_an_inline_svg_with_alt_text_and_a_data_table(model):
    html = render_html(model)
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert len(svgs) == 2
    for svg in svgs:
        root = ET.fromstring(svg)  # well-formed XML
        assert root.get("role") == "img" and root.get("aria-labelledby")
        assert root.find("{http://www.w3.org/2000/svg}polyline") is not None
        assert len(root.findall("{http://www.w3.org/2000/svg}circle")) == 4
    assert ("Check-ins for goal “Leer 20 minutos cada día, señalar palabras difíciles”: "
            "on track on Oct 5 (3), needs support on Oct 19 (5), on track on Nov 2 (7), "
            "achieved on Nov 16 (9).") in html
    assert html.count("<table>") == 2
    assert '<th scope="col">Date</th>' in html
    assert "October 5, 2026" in html


def test_checkins_are_sorted_by_date_in_chart_and_table(model):
    html = render_html(model)  # goal 2's check-ins arrive newest first
    goal2 = html.split('id="goal-2-h"')[1]
    dates = re.findall(r'<th scope="row">(.*?)</th>', goal2)
    assert dates == ["October 7, 2026", "October 21, 2026", "November 4, 2026",
                     "November 18, 2026"]


def test_status_step_chart_when_no_values():
    html = render_html(make_model(values=False))
    svg = re.findall(r"<svg.*?</svg>", html, re.S)[0]
    assert "needs support" in svg and "achieved" in svg  # y-axis status levels
    assert "on track on Oct 5, needs support on Oct 19" in html


def test_goal_without_checkins_says_so_instead_of_chart():
    m = make_model()
    m["goals"][1]["checkins"] = []
    html = render_html(m)
    assert html.count("<svg") == 1
    assert "No check-ins recorded yet for goal “Know multiplication facts" in html


def test_user_text_is_escaped():
    m = make_model(statement='<script>alert("x")</script>')
    html = render_html(m)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_spanish_strings_and_dates():
    html = render_html(make_model("es"))
    assert '<html lang="es">' in html
    assert "Informe de progreso: José Muñoz" in html
    assert "Meta 1: Leer 20 minutos" in html
    assert "Próximos pasos" in html and "Metas de la familia" in html
    assert "5 de octubre de 2026" in html
    assert "Seguimiento de la meta «Leer 20 minutos cada día, señalar palabras difíciles»: " \
           "en camino el 5 oct (3)" in html
    assert "Progress report" not in html


@pytest.mark.parametrize("lang", ["vi", None, "", "xx-YY"])
def test_unsupported_language_falls_back_to_english(lang):
    html = render_html(make_model(lang))
    assert '<html lang="en">' in html
    assert "Progress report: José Muñoz" in html and "October 5, 2026" in html


def test_language_normalisation():
    assert normalize_lang("es-MX") == "es" and normalize_lang("ES_us") == "es"
    assert normalize_lang("vi") == "en"


def test_period_label_derived_in_report_language_when_missing():
    m = make_model("es")
    m["period"] = {"start": "2026-11-01", "end": "2026-11-30"}
    assert "noviembre de 2026" in render_html(m)


def test_spanish_catalogue_is_complete_and_formats_match():
    from babel.messages.pofile import read_po
    from services.reports.adapters.rendering.html import CATALOGUES
    with (CATALOGUES / "es/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh)
    messages = [m for m in catalog if m.id]
    assert len(messages) > 50
    for m in messages:
        assert m.string, f"untranslated: {m.id!r}"
        assert re.findall(r"%\(\w+\)s", m.id) == re.findall(r"%\(\w+\)s", m.string) or \
            sorted(re.findall(r"%\(\w+\)s", m.id)) == sorted(re.findall(r"%\(\w+\)s", m.string))
    assert translations("es").gettext("Next steps") == "Próximos pasos"


def test_one_cached_environment_per_language():
    assert environment("es") is environment("es")
    assert environment("es") is not environment("en")


def test_measure_values_use_the_locale_decimal_separator():
    m = make_model("es")
    m["goals"][0]["checkins"][0]["value"] = 4.5
    assert "en camino el 5 oct (4,5)" in render_html(m)


def test_checkin_without_date_is_a_clear_error():
    m = make_model()
    m["goals"][0]["checkins"][0]["date"] = None
    with pytest.raises(ValueError, match="check-in without a date in goal 'g1'"):
        render_html(m)
