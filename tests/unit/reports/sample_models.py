"""Sample report models for the reports unit tests (a uniquely named module, so
`from sample_models import make_model` cannot pick up another directory's conftest)."""
import datetime as dt


def make_model(lang="en", values=True, statement="Leer 20 minutos cada día, señalar palabras difíciles"):
    start = dt.date(2026, 10, 5)

    def checkins(offset):
        statuses = ["on_track", "needs_support", "on_track", "achieved"]
        return [{"date": start + dt.timedelta(days=14 * i + offset), "status": s,
                 "note": f"Check-in {i + 1}: más práctica", "value": (3 + i * 2 if values else None)}
                for i, s in enumerate(statuses)]

    return {
        "student": {"id": "stu-1", "first_name": "José", "last_name": "Muñoz", "grade": "4",
                    "school_name": "Escuela Peña", "teacher_name": "Ms. Álvarez"},
        "period": {"label": "November 2026", "start": "2026-10-01", "end": "2026-11-30"},
        "lang": lang,
        "goals": [
            {"id": "g1", "statement": statement, "focus": "RL.4.1 reading fluency",
             "term": "short", "status": "active",
             "plan": {"specific_actions": ["Read 20 minutes at home", "Log new words", "Retell to a sibling"],
                      "trackable": "Reading log and weekly fluency check",
                      "achievable_reasons": ["I like adventure books", "My sister reads with me"],
                      "target_date": "2026-12-15"},
             "supports": {"teacher": "Weekly fluency check", "family": ["Library visits"], "student": "Reading log"},
             "checkins": checkins(0), "next_steps": ["Move to chapter books"]},
            {"id": "g2", "statement": "Know multiplication facts to 10 by December",
             "focus": "4.OA.4", "term": "long", "status": "active",
             "plan": {"specific_actions": ["Flash cards", "Math game", "Quiz with dad"],
                      "trackable": "Timed quiz score", "achievable_reasons": ["Practice", "Help"],
                      "target_date": dt.date(2027, 1, 20)},
             "supports": {"teacher": "Extra practice sheets", "family": "Quiz at dinner", "student": "Flash cards"},
             "checkins": list(reversed(checkins(2))), "next_steps": "Add division facts"},
        ],
        "family_goals": ["Be more confident speaking in class"],
        "conference": {"status": "held", "date": "2026-10-14", "followup_date": "2026-10-28",
                       "private_followup": True, "teacher_notes": "SECRET-NOTE family stress at home"},
    }
