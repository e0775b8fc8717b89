"""Rendering every message kind in English and Spanish, fallback reporting, dates."""
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from services.notifications.adapters import content
from services.notifications.adapters.content import (
    KINDS, ContentError, MissingContextError, Renderer, UnknownKindError, render)

PKG = content.HERE  # the service folder: templates/, translations/
TZ = "America/Chicago"
STARTS = datetime(2026, 10, 20, 21, 30, tzinfo=timezone.utc)  # 16:30 in Chicago (CDT)
COMMON = {"recipient_name": "Ana García", "school_name": "Lincoln Elementary",
          "student_name": "Mateo", "teacher_name": "Ms. Lee",
          "preferences_url": "https://confer.test/prefs"}
MEETING = {"starts_at": STARTS, "modality": "in_person", "room": "Room 12",
           "duration_minutes": 30, "manage_url": "https://confer.test/manage/1"}
SAMPLES = {
    "invitation": {"window_start": "2026-10-19", "window_end": "2026-10-23",
                   "booking_url": "https://confer.test/book", "slot_minutes": 30,
                   "modalities": ["in_person", "video"], "book_by": "2026-10-16",
                   "parent_input_url": "https://confer.test/input"},
    "nudge": {"window_end": "2026-10-23", "booking_url": "https://confer.test/book"},
    "booking_confirmation": dict(MEETING),
    "reschedule_confirmation": dict(MEETING, previous_starts_at="2026-10-19T22:00:00Z"),
    "cancel_confirmation": {"starts_at": STARTS, "booking_url": "https://confer.test/book"},
    "times_offered": {"booking_url": "https://confer.test/book",
                      "times": ["2026-10-20T22:00:00Z", STARTS.replace(tzinfo=None)]},  # as stored
    "reminder": dict(MEETING, modality="video", room=None,
                     video_url="https://meet.test/abc", interpreter_language="vi"),
    "parent_input_request": {"form_url": "https://confer.test/input", "due_by": "2026-10-18",
                             "starts_at": STARTS},
    "follow_up_prompt": {"followup_url": "https://confer.test/follow",
                         "goals": ["Read 20 minutes every night"]},
    "checkin_prompt": {"checkin_url": "https://confer.test/student/check-in",
                       "goals": ["Read 20 minutes every night"]},
    "goal_achieved": {"goal_title": "Learn my 7 times table", "achieved_on": "2026-11-30",
                      "goal_url": "https://confer.test/goal/1"},
    "report_ready": {"report_url": "https://confer.test/report/1", "period": "Nov 2026"},
    "teacher_digest": {"recipient_name": "Ms. Lee", "digest_date": "2026-10-20",
                       "dashboard_url": "https://confer.test/dash",
                       "items": [{"kind": "booked", "student_name": "Mateo", "at": STARTS},
                                 {"kind": "interpreter_requested", "student_name": "Lan",
                                  "language": "vi"},
                                 {"kind": "parent_input", "student_name": "Zoe",
                                  "detail": "Wants to talk about reading"}]},
}
# A phrase each Spanish rendering must contain (proves the kind's own strings translate).
SPANISH = {
    "invitation": "la dirigirá su hijo o hija",
    "nudge": "aún hay horarios disponibles hasta el viernes",
    "booking_confirmation": "¡Gracias por reservar!", "reschedule_confirmation": "Horario anterior",
    "cancel_confirmation": "Se canceló su conferencia", "times_offered": "siguen libres", "reminder": "Esta conferencia es por video",
    "parent_input_request": "formulario para las familias",
    "follow_up_prompt": "Hace unas dos semanas", "goal_achieved": "¡Buenas noticias!",
    "checkin_prompt": "Cuéntales a tu maestro",
    "report_ready": "informe de progreso", "teacher_digest": "La familia de Mateo reservó",
}


def ctx(kind, **over):
    return {**COMMON, **SAMPLES[kind], **over}


def test_kinds_are_the_documented_set():
    assert KINDS == set(SAMPLES)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_kind_renders_in_english_and_spanish(kind, lang):
    msg = render(kind, lang, ctx(kind), TZ)
    assert (msg.lang_used, msg.fallback, msg.missing) == (lang, False, ())
    assert msg.subject and "\n" not in msg.subject
    assert msg.html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{lang}" dir="ltr">' in msg.html
    assert f"<title>{msg.subject}</title>" in msg.html.replace("&#39;", "'")
    assert re.search(r"<h1[^>]*>.+</h1>", msg.html)
    assert "<table" not in msg.html
    greeting = "Hola, Ana García:" if lang == "es" else "Hello Ana García,"
    if kind == "teacher_digest":
        greeting = greeting.replace("Ana García", "Ms. Lee")
    assert msg.text.startswith(greeting)
    assert "Lincoln Elementary" in msg.text
    if lang == "es":
        assert SPANISH[kind] in msg.text and SPANISH[kind] in msg.html
        english = render(kind, "en", ctx(kind), TZ)
        assert msg.subject != english.subject and msg.text != english.text
        assert "Hello" not in msg.text and "This message was sent" not in msg.text


def test_times_offered_list_the_free_times_in_the_schools_zone():
    en = render("times_offered", "en", ctx("times_offered"), TZ)
    assert "We could not give Mateo a conference time within the times you told us." in en.text
    assert en.text.index("4:30") < en.text.index("5:00")  # 21:30 and 22:00 UTC, in Chicago
    assert "Choose a time that works for you: https://confer.test/book" in en.text


def test_invitation_says_the_child_leads_and_how_to_book():
    en = render("invitation", "en", ctx("invitation"), TZ)
    assert "your child will lead it" in en.text and "Mateo will lead" in en.subject
    assert "Choose a time that works for you: https://confer.test/book" in en.text
    assert "Please book by Friday, October 16, 2026." in en.text
    assert "You can meet in person or by video." in en.text
    assert 'href="https://confer.test/book"' in en.html
    es = render("invitation", "es", ctx("invitation"), TZ)
    assert "Fechas de las conferencias: 19–23 de octubre de 2026." in es.text
    assert "Pueden reunirse en persona o por video." in es.text
    assert "a más tardar el viernes, 16 de octubre de 2026" in es.text


def test_dates_are_localised_in_the_recipients_time_zone():
    es = render("booking_confirmation", "es", ctx("booking_confirmation"), TZ)
    assert "Cuándo: martes, 20 de octubre de 2026, 16:30 hora central (30 minutos)" in es.text
    assert "el 20 de octubre de 2026" in es.subject
    en = render("booking_confirmation", "en", ctx("booking_confirmation"), TZ)
    assert re.search(r"When: Tuesday, October 20, 2026, 4:30\s?PM", en.text)
    madrid = render("booking_confirmation", "es", ctx("booking_confirmation"), "Europe/Madrid")
    assert "martes, 20 de octubre de 2026, 23:30" in madrid.text
    # a regional variant uses the es catalogue but its own CLDR formats
    mx = render("booking_confirmation", "es-MX", ctx("booking_confirmation"), TZ)
    assert mx.lang_used == "es" and not mx.fallback
    assert re.search(r"martes, 20 de octubre de 2026, 4:30\sp\.\s?m\.", mx.text)


def test_reminder_modalities_and_interpreter():
    video = render("reminder", "es", ctx("reminder"), TZ)
    assert "Únase aquí: https://meet.test/abc" in video.text
    assert "Intérprete: le acompañará un intérprete de vietnamita." in video.text
    en = render("reminder", "en", ctx("reminder"), TZ)
    assert "a Vietnamese interpreter will join you." in en.text
    room = render("reminder", "en", ctx("reminder", modality="in_person", room="Room 12",
                                        interpreter_language=None), TZ)
    assert "Where: Room 12, Lincoln Elementary" in room.text and "nterpreter" not in room.text
    phone = render("reminder", "en", ctx("reminder", modality="phone", phone_number="+1 555 0100"),
                   TZ)
    assert "Ms. Lee will call you at +1 555 0100." in phone.text


def test_teacher_digest_pluralises_and_lists_items():
    one = ctx("teacher_digest", items=SAMPLES["teacher_digest"]["items"][:1])
    assert render("teacher_digest", "en", one, TZ).subject == (
        "Confer: 1 update for October 20, 2026")
    assert render("teacher_digest", "es", one, TZ).subject == (
        "Confer: 1 novedad del 20 de octubre de 2026")
    many = render("teacher_digest", "en", ctx("teacher_digest"), TZ)
    assert many.subject.startswith("Confer: 3 updates")
    assert "Lan's family asked for a Vietnamese interpreter." in many.text
    assert "Wants to talk about reading" in many.text
    assert many.html.count("<li") == 3


def test_html_escapes_context_but_text_does_not():
    msg = render("goal_achieved", "en", ctx("goal_achieved", student_name="<b>Max & Co</b>"), TZ)
    assert "&lt;b&gt;Max &amp; Co&lt;/b&gt;" in msg.html and "<b>Max" not in msg.html
    assert "<b>Max & Co</b> has reached" in msg.text


def test_language_without_catalogue_falls_back_to_english_and_says_so():
    msg = render("reminder", "vi", ctx("reminder"), TZ)
    assert msg.lang_used == "en" and msg.fallback is True
    assert '<html lang="en"' in msg.html and "Hello Ana García," in msg.text
    assert "Tuesday, October 20, 2026" in msg.text  # dates follow the content language
    assert render("reminder", "not a tag!", ctx("reminder"), TZ).fallback is True


def _catalogue_without(tmp_path, msgid, fuzzy=False):
    shutil.copytree(PKG / "translations", tmp_path / "translations")
    po = tmp_path / "translations" / "es" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as fh:
        catalog = read_po(fh)
    if fuzzy:
        catalog[msgid].flags.add("fuzzy")
    else:
        del catalog[msgid]
    with po.open("wb") as fh:
        write_po(fh, catalog)
    return Renderer(translations_dir=tmp_path / "translations")


@pytest.mark.parametrize("fuzzy", [False, True])
def test_missing_or_fuzzy_msgid_falls_back_to_english_and_is_reported(tmp_path, fuzzy):
    renderer = _catalogue_without(tmp_path, "When:", fuzzy=fuzzy)
    msg = renderer.render("reminder", "es", ctx("reminder"), TZ)
    assert msg.lang_used == "es" and msg.fallback is True and msg.missing == ("When:",)
    assert "When: martes, 20 de octubre de 2026, 16:30" in msg.text  # rest stays Spanish
    assert "Únase aquí" in msg.text


def test_catalogues_are_compiled_once_and_no_mo_files_are_shipped():
    renderer = Renderer()
    renderer.render("nudge", "es", ctx("nudge"), TZ)
    first = renderer.catalogue("es")
    renderer.render("nudge", "es", ctx("nudge"), TZ)
    assert renderer.catalogue("es") is first and renderer.catalogue("vi") is None
    assert not list((PKG / "translations").rglob("*.mo"))


def test_spanish_catalogue_covers_every_extracted_msgid_with_same_placeholders():
    with (PKG / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    extracted = {m[2] if isinstance(m[2], str) else m[2][0]
                 for m in extract_from_dir(str(PKG), method_map, options_map)}
    assert len(extracted) > 80
    with (PKG / "translations/es/LC_MESSAGES/messages.po").open("rb") as fh:
        es = read_po(fh)
    by_id = {m.id if isinstance(m.id, str) else m.id[0]: m for m in es if m.id}
    assert extracted <= set(by_id), sorted(extracted - set(by_id))
    placeholder = re.compile(r"%\((\w+)\)s")
    for msgid in extracted:
        m = by_id[msgid]
        strings = m.string if isinstance(m.string, (tuple, list)) else (m.string,)
        assert all(strings) and not m.fuzzy, msgid
        for s in strings:
            assert set(placeholder.findall(s)) == set(placeholder.findall(msgid)), msgid


@pytest.mark.parametrize("bad, error", [
    ({"kind": "nope"}, UnknownKindError),
    ({"drop": "booking_url"}, MissingContextError),
    ({"set": {"modality": "carrier pigeon"}}, ContentError),
    ({"set": {"room": None}}, MissingContextError),
    ({"set": {"starts_at": "next tuesday"}}, ContentError),
    ({"tz": "Mars/Olympus"}, ContentError),
])
def test_bad_input_raises_clear_errors(bad, error):
    kind = "invitation" if "drop" in bad else "booking_confirmation"
    context = ctx(kind, **bad.get("set", {}))
    context.pop(bad.get("drop", ""), None)
    with pytest.raises(error) as info:
        render(bad.get("kind", kind), "en", context, bad.get("tz", TZ))
    if error is MissingContextError:
        assert info.value.missing == [bad.get("drop", "room")]
        assert bad.get("drop", "room") in str(info.value)


def test_digest_item_of_unknown_kind_is_rejected():
    with pytest.raises(ContentError, match="teacher_digest item"):
        render("teacher_digest", "en",
               ctx("teacher_digest", items=[{"kind": "gossip", "student_name": "X"}]), TZ)


def test_several_children_make_one_plural_sentence_with_the_languages_list_rule():
    """"Chloe and Wesley invites you ... is looking forward" was pasted together."""
    two = ctx("invitation", student_name=["Chloe", "Wesley"], teacher_name=["Ms. Lee", "Mr. Ito"],
              signer_name=["Ms. Lee", "Mr. Ito", "Chloe", "Wesley"])
    en = render("invitation", "en", two, TZ)
    assert en.text.splitlines()[2] == ("Chloe and Wesley are inviting you to student-led conferences with "
                                       "Ms. Lee and Mr. Ito at Lincoln Elementary.")
    assert "Chloe and Wesley are looking forward to it." in " ".join(en.text.split())
    assert "Ms. Lee, Mr. Ito, Chloe, and Wesley" in en.text and en.subject.endswith("will lead their conferences")
    es = render("invitation", "es", two, TZ)
    assert "Chloe y Wesley le invitan a sus conferencias con Ms. Lee y Mr. Ito" in es.text
    assert "Ms. Lee, Mr. Ito, Chloe y Wesley" in es.text
    one = render("invitation", "en", ctx("invitation"), TZ)
    assert "Mateo is inviting you to a student-led conference with Ms. Lee" in one.text
    assert "Ms. Lee and Mateo" in one.text


def test_rooms_are_named_once_and_zones_are_named():
    numbered = render("booking_confirmation", "es", ctx("booking_confirmation", room="14"), TZ)
    assert "Dónde: Aula 14, Lincoln Elementary" in numbered.text
    named = render("booking_confirmation", "en", ctx("booking_confirmation", room="Room 14"), TZ)
    assert "Where: Room 14, Lincoln Elementary" in named.text and "Room Room" not in named.text
    la = render("booking_confirmation", "en", ctx("booking_confirmation", starts_at="2026-12-17T01:00:00Z"),
                "America/Los_Angeles")
    assert "When: Wednesday, December 16, 2026, 5:00\u202fPM Pacific Time" in la.text
    assert "December 16, 2026" in la.subject
    nz = render("reminder", "es", ctx("reminder", starts_at="2026-12-16T20:00:00Z"), "Pacific/Auckland")
    assert "jueves, 17 de diciembre de 2026, 9:00 hora de Nueva Zelanda" in nz.text


def test_report_period_is_a_month_in_words():
    es = render("report_ready", "es", ctx("report_ready", period="2026-11"), TZ)
    assert "(noviembre de 2026)" in es.text
