"""Dashboard: aggregation by school / grade / teacher, CSV export, HTML."""
import csv
import io
import re
import xml.etree.ElementTree as ET

import pytest

from services.reports.application.dashboard import (COUNTERS, HOUSEHOLDS, Counters, aggregate, goal_counters,
                                        participation_rate, render_dashboard_html,
                                        summarize, to_csv)

from sample_models import make_model


def fact(school, grade, teacher, **counts):
    return {"school_id": school, "school_name": f"School {school}", "grade": grade,
            "teacher_id": teacher, "teacher_name": f"Teacher {teacher}", **counts}


FACTS = [
    fact("A", "4", "t1", invitations_sent=2, families_invited=1, families_booked=1,
         conferences_held=1, goals_set=2, goals_on_track=1, goals_achieved=1,
         followups_due=1, followups_completed=1),
    fact("A", "4", "t1", invitations_sent=1, families_invited=1, families_booked=1,
         no_shows=1, goals_set=1, goals_needs_support=1, followups_due=1),
    fact("A", "10", "t2", invitations_sent=1, families_invited=1),
    fact("B", "4", "t3", invitations_sent=1, families_invited=1, families_booked=1,
         conferences_held=1, goals_set=2, goals_on_track=2),
]


def test_counters_cover_every_metric_and_add():
    c = Counters().add(FACTS[0]).add(FACTS[1])
    assert set(c.as_dict()) == set(COUNTERS) | set(HOUSEHOLDS)
    assert c.invitations_sent == 3 and c.conferences_held == 1 and c.no_shows == 1
    assert participation_rate(c) == 0.5
    assert participation_rate(Counters()) == 0.0


def test_aggregate_by_school_grade_teacher():
    by_school = summarize(FACTS, "school")
    assert [r["school_id"] for r in by_school["rows"]] == ["A", "B"]
    a = by_school["rows"][0]
    assert a["families_invited"] == 3 and a["conferences_held"] == 1
    assert a["participation_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert by_school["total"]["goals_set"] == 5 and by_school["total"]["participation_rate"] == 0.5

    by_grade = summarize(FACTS, "grade")
    assert [(r["school_id"], r["grade"]) for r in by_grade["rows"]] == [
        ("A", "4"), ("A", "10"), ("B", "4")]  # natural order, grades within school
    by_teacher = aggregate(FACTS, "teacher")
    labels, counters = by_teacher[("A", "t1")]
    assert labels["teacher_name"] == "Teacher t1" and counters.followups_due == 2
    district = summarize(FACTS, "district")
    assert len(district["rows"]) == 1 and district["rows"][0]["invitations_sent"] == 5
    assert summarize(FACTS, ("grade",))["rows"][0]["families_invited"] == 3
    with pytest.raises(ValueError):
        summarize(FACTS, "county")


def test_goal_counters_use_latest_checkin():
    goals = make_model()["goals"]  # both end with 'achieved'
    goals[1]["checkins"] = goals[1]["checkins"][1:]  # newest-first list: drop the newest
    out = goal_counters(goals)
    assert out == {"goals_set": 2, "goals_on_track": 1, "goals_needs_support": 0,
                   "goals_achieved": 1}


def test_to_csv_round_trips_and_neutralises_formulas():
    rows = summarize(FACTS + [fact("C", "5", "t4", families_invited=1)], "teacher")["rows"]
    rows[-1]["teacher_name"] = "=HYPERLINK(\"http://evil\")"
    text = to_csv(rows)
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert len(parsed) == 4
    assert list(parsed[0])[:4] == ["school_id", "teacher_id", "school_name", "teacher_name"]
    assert parsed[0]["conferences_held"] == "1" and "participation_rate" in parsed[0]
    assert parsed[-1]["teacher_name"].startswith("'=")
    assert to_csv([]) == "\r\n"


def test_dashboard_html_table_and_bar_chart():
    html = render_dashboard_html(summarize(FACTS, "school"), "en")
    assert '<html lang="en">' in html and "<h1>" in html
    assert '<th scope="row">School A</th>' in html and "<tfoot>" in html
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    root = ET.fromstring(svg)
    assert len(root.findall("{http://www.w3.org/2000/svg}rect")) == 2
    assert "Invited households that booked a conference, by group: School A 0% and School B 0%." in svg


def test_dashboard_html_spanish_and_empty():
    html = render_dashboard_html(summarize(FACTS, "grade"), "es")
    assert '<html lang="es">' in html and "Hogares invitados que reservaron una conferencia" in html
    assert "School A · Grado 10" in html
    empty = render_dashboard_html(summarize([], "school"), "vi")
    assert '<html lang="en">' in empty and "No data yet." in empty and "<svg" not in empty


def test_households_are_counted_once_per_group_and_once_in_the_total():
    """"Families invited 100" counted students: a household with three children is one
    household invited, in each group its children are in and once in the total."""
    rows = [fact("A", "4", "t1", families_invited=1, households_invited={"g1"}, households_booked={"g1"},
                 households_held={"g1"}, households_followed_up={"g1"}),
            fact("A", "4", "t1", families_invited=1, households_invited={"g1"}, households_booked={"g1"}),
            fact("A", "5", "t2", families_invited=1, households_invited={"g1", "g2"}),
            fact("A", "5", "t2", families_invited=1, households_invited={"g3"})]
    by_grade = summarize(rows, "grade")
    four, five = by_grade["rows"]
    assert (four["families_invited"], four["households_invited"], four["households_booked"]) == (2, 1, 1)
    assert (five["households_invited"], five["households_booked"], five["booking_rate"]) == (3, 0, 0.0)
    total = by_grade["total"]
    assert (total["households_invited"], total["households_booked"], total["households_held"],
            total["households_followed_up"]) == (3, 1, 1, 1)
    assert total["booking_rate"] == round(1 / 3, 4) and four["booking_rate"] == 1.0


def test_dashboard_html_bar_is_the_booking_share_and_spanish_labels():
    rows = [fact("A", "4", "t1", households_invited={"g1", "g2"}, households_booked={"g1"})]
    html = render_dashboard_html(summarize(rows, "grade"), lang="es")
    assert "Hogares invitados que reservaron una conferencia" in html
    assert "Grado 4" in html and "50\u00a0%" in html
