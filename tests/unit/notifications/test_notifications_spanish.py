"""Every message kind, rendered for a Spanish-speaking recipient, has no English in it:
subject, plain text and HTML, with every optional part switched on. The kinds are taken
from the renderer itself and their context is made from the key names, so a kind added
later is checked too (a key of a new shape fails loudly here, and gets a value below)."""
from datetime import date, datetime, timezone

import pytest

from services.notifications.adapters.content import KINDS, MODALITIES, OPTIONAL_CONTEXT, REQUIRED_CONTEXT, render
from tests.spanish_check import english_in

AT = datetime(2026, 12, 17, 1, 0, tzinfo=timezone.utc)  # 16 December, 5 PM in Los Angeles
DATA = {"Ana García", "Escuela Lovett", "Mateo", "Lucía", "Sra. Rivera", "Leer 20 minutos cada noche",
        "https://confer.test/x", "Quiere hablar de lectura", "555 0100", "Sala de arte"}


def value(key: str, kind: str):
    """A value for a context key, by its name."""
    if key == "items":
        return [{"kind": k, "student_name": "Mateo", "at": AT, "url": "https://confer.test/x",
                 "language": "vi", "detail": "Quiere hablar de lectura"}
                for k in ("booked", "rescheduled", "cancelled", "parent_input", "interpreter_requested",
                          "private_conversation_requested", "goal_achieved", "follow_up_done")]
    if key == "student_name":
        return ["Mateo", "Lucía"] if kind in ("invitation", "nudge", "times_offered") else "Mateo"
    if key == "signer_name":
        return ["Sra. Rivera", "Mateo", "Lucía"]
    if key.endswith("_name"):
        return {"recipient_name": "Ana García", "school_name": "Escuela Lovett"}.get(key, "Sra. Rivera")
    if key.endswith("_url"):
        return "https://confer.test/x"
    if key.endswith("_count"):
        return 2
    if key in ("window_start", "window_end", "due_by", "achieved_on", "digest_date"):
        return date(2026, 12, 16)
    if key == "times":
        return [AT, AT.replace(hour=2)]
    if key == "asks_request":  # a request window's wording (the booking wording: test below)
        return True
    if key.endswith("_at") or key in ("book_by", "request_by"):
        return AT
    if key.endswith("_minutes"):
        return 30
    if key == "modality":
        return "in_person"
    if key == "modalities":
        return list(MODALITIES)
    if key == "room":
        return "14"
    if key == "interpreter_language":
        return "vi"
    if key == "phone_number":
        return "555 0100"
    if key == "goals":
        return ["Leer 20 minutos cada noche"]
    if key == "goal_title":
        return "Leer 20 minutos cada noche"
    if key == "period":
        return "2026-11"
    raise AssertionError(f"give the context key {key!r} of {kind!r} a value in this test")


def context(kind: str, **over) -> dict:
    keys = list(REQUIRED_CONTEXT[kind]) + list(OPTIONAL_CONTEXT[kind]) + ["preferences_url"]
    return {**{k: value(k, kind) for k in keys}, **over}


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("modality", sorted(MODALITIES))
def test_every_message_kind_is_all_spanish(kind, modality):
    extra = {}
    if "modality" in REQUIRED_CONTEXT[kind]:
        extra = {"modality": modality, "video_url": "https://confer.test/x", "phone_number": "555 0100"}
    msg = render(kind, "es", context(kind, **extra), "America/Los_Angeles")
    assert msg.lang_used == "es" and not msg.missing, msg.missing
    found = (english_in(msg.subject, data=DATA, html=False) + english_in(msg.text, data=DATA, html=False)
             + english_in(msg.html, data=DATA))
    assert not found, "\n".join(found)
    assert "Hello" not in msg.text


@pytest.mark.parametrize("kind", ["invitation", "nudge"])
@pytest.mark.parametrize("asks_request", [False, True])
def test_invitations_asking_for_a_booking_or_for_times_are_all_spanish(kind, asks_request):
    msg = render(kind, "es", context(kind, asks_request=asks_request), "America/Los_Angeles")
    assert not msg.missing, msg.missing
    found = (english_in(msg.subject, data=DATA, html=False) + english_in(msg.text, data=DATA, html=False)
             + english_in(msg.html, data=DATA))
    assert not found, "\n".join(found)
    assert ("Díganos cuándo puede venir" in msg.text or "díganos" in msg.text) == asks_request
    assert ("reserv" in msg.text) != asks_request


def test_the_check_finds_english_in_a_message():
    english = render("reminder", "en", context("reminder"), "America/Los_Angeles")
    assert english_in(english.text, data=DATA, html=False)
    assert english_in("<p>Hola, tu conferencia is on Tuesday</p>")
    assert english_in("<p>Fecha: 16 de diciembre · Booked</p>")  # a catalogue word left in English
    assert not english_in("<p>Conferencia reservada el 16 de diciembre de 2026 a las 17:00.</p>")
