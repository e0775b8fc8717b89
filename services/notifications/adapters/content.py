"""Message content: Jinja2 templates translated with Babel gettext catalogues.

``render(kind, lang, context, tz)`` returns a :class:`Message` (subject, plain text,
HTML) in the recipient's language, with dates and times formatted for their locale in
their time zone. Templates live in ``templates/`` as ``<kind>.subject.txt``,
``<kind>.txt`` and ``<kind>.html`` (partials start with ``_``); the context keys each
kind needs are in ``REQUIRED_CONTEXT`` / ``OPTIONAL_CONTEXT``.

Translations
------------
Strings are marked in templates with ``{% trans %}...{% endtrans %}`` or ``_("...")``
(newstyle gettext, whitespace trimmed) and in this module with ``N_("...")``. From
``services/notifications``::

    pybabel extract -F babel.cfg -o messages.pot .          # collect msgids
    pybabel update -i messages.pot -d translations          # merge into en, es, ...
    pybabel init -i messages.pot -d translations -l vi      # start a new language

then translate the empty and ``#, fuzzy`` entries in
``translations/<lang>/LC_MESSAGES/messages.po`` (``messages.pot`` is a build artefact;
do not commit it). No ``.mo`` files are committed: each ``.po`` is compiled in memory
the first time its language is used and cached for the life of the process.

Fallback: a language without a catalogue renders in English, and a msgid that is
missing, empty or fuzzy in a catalogue renders in English; either way the result has
``fallback=True`` and lists the untranslated msgids in ``missing`` (count it as a
metric). ``tests/unit/notifications`` checks that the Spanish catalogue is complete.
"""
from __future__ import annotations

import contextvars
import io
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_interval, format_skeleton, format_time, get_timezone_name
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

HERE = Path(__file__).resolve().parents[1]  # the service folder: templates/, translations/
TEMPLATES_DIR = HERE / "templates"
TRANSLATIONS_DIR = HERE / "translations"
SOURCE_LANG = "en"


def N_(msgid: str) -> str:
    """Mark a string for extraction; it is translated when used."""
    return msgid


MODALITIES = {"in_person": N_("in person"), "video": N_("by video"), "phone": N_("by phone")}
ROOM = N_("Room %(room)s")
DIGEST_ITEM_KINDS = frozenset({
    "booked", "rescheduled", "cancelled", "parent_input", "interpreter_requested",
    "private_conversation_requested", "goal_achieved", "follow_up_done", "follow_up_due",
})
_COMMON = ("recipient_name", "school_name")
_MEETING = ("student_name", "teacher_name", "starts_at", "modality")
REQUIRED_CONTEXT: dict[str, tuple[str, ...]] = {
    "invitation": _COMMON + ("student_name", "teacher_name", "window_start",
                             "window_end", "booking_url"),
    "nudge": _COMMON + ("student_name", "teacher_name", "window_end", "booking_url"),
    "booking_confirmation": _COMMON + _MEETING + ("duration_minutes", "manage_url"),
    "reschedule_confirmation": _COMMON + _MEETING + ("duration_minutes", "manage_url",
                                                     "previous_starts_at"),
    "cancel_confirmation": _COMMON + ("student_name", "teacher_name", "starts_at"),
    "times_offered": _COMMON + ("student_name", "teacher_name", "booking_url"),
    "reminder": _COMMON + _MEETING,
    "parent_input_request": _COMMON + ("student_name", "teacher_name", "form_url"),
    "follow_up_prompt": _COMMON + ("student_name", "followup_url"),
    "checkin_prompt": _COMMON + ("student_name", "checkin_url"),
    "goal_achieved": _COMMON + ("student_name", "goal_title"),
    "report_ready": _COMMON + ("student_name", "report_url"),
    "teacher_digest": _COMMON + ("digest_date", "items"),
}
_WHERE = {"room": None, "video_url": None, "phone_number": None, "interpreter_language": None}
OPTIONAL_CONTEXT: dict[str, dict[str, Any]] = {
    # student_count: how many children the names in student_name are (the sentence's plural)
    # signer_name: who signs (the teachers, then the children), one list
    "invitation": {"book_by": None, "slot_minutes": None, "modalities": (),
                   "parent_input_url": None, "student_count": 1, "signer_name": None,
                   "asks_request": False, "request_by": None},
    "nudge": {"book_by": None, "student_count": 1, "asks_request": False, "request_by": None},
    "booking_confirmation": dict(_WHERE),
    "reschedule_confirmation": dict(_WHERE),
    "cancel_confirmation": {"booking_url": None},
    # times: the free times offered (datetimes), nearest to the family's own first
    "times_offered": {"times": (), "student_count": 1},
    "reminder": dict(_WHERE, duration_minutes=None, manage_url=None),
    "parent_input_request": {"due_by": None, "starts_at": None},
    "follow_up_prompt": {"goals": (), "teacher_name": None},
    "checkin_prompt": {"goals": ()},
    "goal_achieved": {"goal_url": None, "achieved_on": None},
    "report_ready": {"period": None},
    "teacher_digest": {"dashboard_url": None},
}
KINDS = frozenset(REQUIRED_CONTEXT)
_DATETIME_KEYS = {"window_start", "window_end", "book_by", "request_by", "starts_at", "previous_starts_at",
                  "due_by", "achieved_on", "digest_date"}


class ContentError(ValueError):
    """Base class for rendering errors caused by the caller's input."""


class UnknownKindError(ContentError):
    pass


class MissingContextError(ContentError):
    def __init__(self, kind: str, missing: list[str]):
        super().__init__(f"{kind}: missing required context keys: {', '.join(missing)}")
        self.kind, self.missing = kind, missing


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str
    lang_used: str
    fallback: bool
    missing: tuple[str, ...] = ()  # msgids rendered in English although lang_used != en


@dataclass
class _Catalogue:
    translations: Translations
    translated: frozenset  # msgids (singular form for plurals) with a usable msgstr


@dataclass
class _State:
    lang: str
    locale: Locale
    tz: ZoneInfo
    catalogue: _Catalogue | None
    missing: set = field(default_factory=set)

    def check(self, msgid: str) -> None:
        if self.lang != SOURCE_LANG and (
                self.catalogue is None or msgid not in self.catalogue.translated):
            self.missing.add(msgid)

    def gettext(self, msgid: str) -> str:
        self.check(msgid)
        return self.catalogue.translations.gettext(msgid) if self.catalogue else msgid

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        self.check(singular)
        if self.catalogue and singular in self.catalogue.translated:
            return self.catalogue.translations.ngettext(singular, plural, n)
        return singular if n == 1 else plural


_state: contextvars.ContextVar[_State] = contextvars.ContextVar("confer_render_state")


def _load_catalogue(path: Path) -> _Catalogue:
    with path.open("rb") as fh:
        catalog = read_po(fh)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    usable = set()
    for m in catalog:
        if not m.id or m.fuzzy:
            continue
        strings = m.string if isinstance(m.string, (tuple, list)) else (m.string,)
        if all(strings):
            usable.add(m.id[0] if isinstance(m.id, (tuple, list)) else m.id)
    return _Catalogue(Translations(fp=buf), frozenset(usable))


def _as_datetime(key: str, value: Any) -> date | datetime:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError as exc:
            raise ContentError(f"{key}: not an ISO 8601 date or datetime: {value!r}") from exc
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return value
    raise ContentError(f"{key}: expected a date or datetime, got {type(value).__name__}")


def _local(value: date | datetime) -> date | datetime:
    return value.astimezone(_state.get().tz) if isinstance(value, datetime) else value


def _f_datetime(value):  # "martes, 20 de octubre de 2026, 16:30 hora del Pacífico"
    st = _state.get()
    value = _local(value)
    pattern = st.locale.datetime_formats["full"].replace("'", "")
    text = pattern.replace("{1}", format_date(value, "full", locale=st.locale)).replace(
        "{0}", format_time(value, "short", locale=st.locale))
    return f"{text} {zone_name(value, st.locale)}" if isinstance(value, datetime) else text


def zone_name(moment: datetime, locale) -> str:
    """The school's zone in words ("Pacific Time", "hora del Pacífico"); the standard or
    summer name where the language has no generic one ("India Standard Time")."""
    generic = get_timezone_name(moment, "long", zone_variant="generic", locale=locale)
    return generic if not generic.startswith("GMT") else get_timezone_name(moment, "long", locale=locale)


def _f_month(value) -> str:
    """A report period "2026-11" as "November 2026" / "noviembre de 2026"."""
    text = str(value or "")
    try:
        return format_skeleton("yMMMM", date.fromisoformat(f"{text}-01"), locale=_state.get().locale)
    except ValueError:
        return text


def _f_room(value: str) -> str:
    """A room as people say it: "Room 14" / "Aula 14" for a bare number or code; a name
    that is already words ("Library", "Room 14") stays as it is (never "Room Room 14")."""
    text = str(value or "").strip()
    if text and any(ch.isdigit() for ch in text) and len(text) <= 6 and " " not in text:
        return _state.get().gettext(ROOM) % {"room": text}
    return text


def _f_date(value, fmt: str = "full"):
    return format_date(_local(value), fmt, locale=_state.get().locale)


def _f_time(value):
    return format_time(_local(value), "short", locale=_state.get().locale)


def _f_date_range(start, end):
    st = _state.get()
    start, end = _local(start), _local(end)
    start = start.date() if isinstance(start, datetime) else start
    end = end.date() if isinstance(end, datetime) else end
    return format_interval(start, end, "yMMMMd", locale=st.locale)


def _f_modality(value: str) -> str:
    return _state.get().gettext(MODALITIES[value])


def _f_modalities(values) -> str:
    st = _state.get()
    return format_list([_f_modality(v) for v in values], style="or", locale=st.locale)


def _f_language_name(code: str) -> str:
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(_state.get().locale)
    except (ValueError, UnknownLocaleError):
        return code
    return name or code


def _lists(ctx: dict, locale: Locale) -> None:
    """Names given as lists become one phrase by the language's list rule ("Chloe and
    Wesley", "Chloe y Wesley"), and `<base>_count` tells the sentence how many they are."""
    for key, value in list(ctx.items()):
        if key.endswith("_name") and isinstance(value, (list, tuple)):
            ctx[key[:-5] + "_count"] = len(value)
            ctx[key] = format_list([str(v) for v in value], locale=locale)
    if "signer_name" in ctx:
        ctx["signed_by"] = ctx["signer_name"] or format_list(
            [n for n in (ctx.get("teacher_name"), ctx.get("student_name")) if n], locale=locale)


class Renderer:
    """Renders message kinds from a templates folder and a translations folder."""

    def __init__(self, templates_dir: Path = TEMPLATES_DIR,
                 translations_dir: Path = TRANSLATIONS_DIR):
        self.translations_dir = Path(translations_dir)
        self._catalogues: dict[str, _Catalogue | None] = {}
        self._lock = threading.Lock()
        env = Environment(
            loader=FileSystemLoader(str(templates_dir)),
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
            extensions=["jinja2.ext.i18n"],
            # templates ship with the code and a deploy restarts the process: without this,
            # every render stats each template file (a tenth of the e-mail lane's CPU)
            auto_reload=False)
        env.policies["ext.i18n.trimmed"] = True
        env.install_gettext_callables(
            lambda s: _state.get().gettext(s),
            lambda s, p, n: _state.get().ngettext(s, p, n), newstyle=True)
        env.filters.update(datetime=_f_datetime, date=_f_date, time=_f_time,
                           date_range=_f_date_range, modality=_f_modality,
                           modalities=_f_modalities, language_name=_f_language_name, room=_f_room,
                           month=_f_month)
        self.env = env

    def catalogue(self, lang: str) -> _Catalogue | None:
        with self._lock:
            if lang not in self._catalogues:
                po = self.translations_dir / lang / "LC_MESSAGES" / "messages.po"
                self._catalogues[lang] = _load_catalogue(po) if po.is_file() else None
            return self._catalogues[lang]

    def _resolve(self, lang: str) -> tuple[str, Locale, bool]:
        """(catalogue language, locale for formatting, fallback?) for a language tag."""
        try:
            locale = Locale.parse((lang or SOURCE_LANG).replace("-", "_"))
        except (ValueError, UnknownLocaleError):
            return SOURCE_LANG, Locale.parse(SOURCE_LANG), True
        for candidate in (str(locale), locale.language):
            if candidate == SOURCE_LANG or self.catalogue(candidate) is not None:
                return candidate, locale, False
        return SOURCE_LANG, Locale.parse(SOURCE_LANG), True

    def _prepare(self, kind: str, context: Mapping[str, Any]) -> dict[str, Any]:
        if kind not in KINDS:
            raise UnknownKindError(f"unknown message kind {kind!r}; known: {sorted(KINDS)}")
        missing = [k for k in REQUIRED_CONTEXT[kind] if context.get(k) in (None, "")]
        modality = context.get("modality")
        if modality is not None and modality not in MODALITIES:
            raise ContentError(f"modality must be one of {sorted(MODALITIES)}, got {modality!r}")
        if modality == "in_person" and not context.get("room"):
            missing.append("room")
        if modality == "video" and not context.get("video_url"):
            missing.append("video_url")
        if missing:
            raise MissingContextError(kind, missing)
        ctx = {"preferences_url": None, **OPTIONAL_CONTEXT[kind], **context}
        for key in _DATETIME_KEYS & ctx.keys():
            if ctx[key] is not None:
                ctx[key] = _as_datetime(key, ctx[key])
        ctx["times"] = sorted(_as_datetime("times", t) for t in ctx.get("times") or ())
        for m in ctx.get("modalities") or ():
            if m not in MODALITIES:
                raise ContentError(f"modalities: unknown modality {m!r}")
        if kind == "teacher_digest":
            ctx["items"] = [self._digest_item(i) for i in ctx["items"]]
        return ctx

    @staticmethod
    def _digest_item(item: Mapping[str, Any]) -> dict[str, Any]:
        if item.get("kind") not in DIGEST_ITEM_KINDS or not item.get("student_name"):
            raise ContentError(f"teacher_digest item needs kind in {sorted(DIGEST_ITEM_KINDS)}"
                               f" and student_name: {dict(item)!r}")
        at = item.get("at")
        return {"detail": None, "url": None, **item,
                "at": _as_datetime("items.at", at) if at is not None else None}

    def render(self, kind: str, lang: str, context: Mapping[str, Any], tz: str, *, html: bool = True) -> Message:
        """`html=False`: subject and text only (an in-app message has no HTML part)."""
        ctx = self._prepare(kind, context)
        try:
            zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ContentError(f"unknown time zone {tz!r}") from exc
        lang_used, locale, fallback = self._resolve(lang)
        if fallback:
            locale = Locale.parse(SOURCE_LANG)
        state = _State(lang_used, locale, zone, self.catalogue(lang_used))
        token = _state.set(state)
        try:
            ctx.update(lang_used=lang_used, text_direction=locale.text_direction)
            _lists(ctx, locale)
            subject = " ".join(self.env.get_template(f"{kind}.subject.txt").render(ctx).split())
            text = self.env.get_template(f"{kind}.txt").render(ctx).strip() + "\n"
            html = self.env.get_template(f"{kind}.html").render(ctx, subject=subject) if html else ""
        finally:
            _state.reset(token)
        return Message(subject, text, html, lang_used, fallback or bool(state.missing),
                       tuple(sorted(state.missing)))


_default: Renderer | None = None


def _renderer() -> Renderer:
    global _default
    if _default is None:
        _default = Renderer()
    return _default


def calendar_language(lang: str) -> str:
    """The catalogue language text outside the templates (the .ics) is written in:
    the recipient's, or English when this service has no catalogue for it."""
    return _renderer()._resolve(lang)[0]


def translate(msgid: str, lang: str) -> str:
    """One msgid in a catalogue language (`calendar_language`); English where the
    catalogue has no usable translation."""
    catalogue = _renderer().catalogue(lang)
    return catalogue.translations.gettext(msgid) if catalogue and msgid in catalogue.translated else msgid


def render(kind: str, lang: str, context: Mapping[str, Any], tz: str, *, html: bool = True) -> Message:
    """Render ``kind`` for a recipient speaking ``lang`` (BCP 47) living in ``tz`` (IANA)."""
    return _renderer().render(kind, lang, context, tz, html=html)
