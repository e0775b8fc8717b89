"""English and Spanish: Babel gettext catalogues (translations/<lang>/LC_MESSAGES/messages.po,
compiled in memory at start, like the notifications service) and locale-aware dates.

The language of a request: the switcher's choice (kept in the session), else the
person's preference from the roster, else the browser's Accept-Language, else English.

    pybabel extract -F babel.cfg -o messages.pot .        # from services/portal
    pybabel update -i messages.pot -d translations
"""
from __future__ import annotations

import io
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_timezone_name
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import g, request, session
from markupsafe import Markup

from services.portal.config import LANGUAGES

TRANSLATIONS = Path(__file__).parent / "translations"
LANGUAGE_NAMES = {"en": "English", "es": "Español"}


@lru_cache(maxsize=None)
def translations(lang: str) -> NullTranslations:
    po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
    if not po.is_file():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf)


def pick_language(preferred: str | None = None) -> str:
    chosen = session.get("lang") or preferred or (session.get("user") or {}).get("lang")
    if chosen:
        base = chosen.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return request.accept_languages.best_match(LANGUAGES) or "en"


def current_lang() -> str:
    if "lang" not in g:
        g.lang = pick_language()
    return g.lang


def gettext(msgid: str, **values) -> str:
    text = translations(current_lang()).gettext(msgid)
    return text % values if values else text


def ngettext(singular: str, plural: str, n: int, **values) -> str:
    text = translations(current_lang()).ngettext(singular, plural, n)
    return text % {"num": n, **values}


_ = gettext


def _zone(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _as_datetime(value) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return None


def f_datetime(value, tz: str | None = None, *, zone: bool = True) -> str:
    """'martes, 24 de noviembre de 2026, 16:30 hora del Pacífico' in the school's zone."""
    moment = _as_datetime(value)
    if moment is None:
        return str(value or "")
    local = moment.astimezone(_zone(tz))
    text = f"{format_date(local, 'full', locale=current_lang())}, {format_time(local, 'short', locale=current_lang())}"
    return f"{text} {zone_name(tz, local)}" if zone else text


def zone_name(tz: str | None, moment: datetime | None = None) -> str:
    """The school's zone in words ("Pacific Time", "hora del Pacífico")."""
    moment = (moment or datetime.now(timezone.utc)).astimezone(_zone(tz))
    generic = get_timezone_name(moment, "long", zone_variant="generic", locale=current_lang())
    return generic if not generic.startswith("GMT") else get_timezone_name(moment, "long", locale=current_lang())


def f_time(value, tz: str | None = None) -> str:
    moment = _as_datetime(value)
    return format_time(moment.astimezone(_zone(tz)), "short", locale=current_lang()) if moment else str(value or "")


def f_date(value, fmt: str = "full") -> str:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, (date, datetime)):
        return format_date(value, fmt, locale=current_lang())
    return ""


def f_when(value, tz: str | None = None) -> str:
    """A moment (a note's time) in the school's zone: '3 dic 2026, 16:05'."""
    moment = _as_datetime(value)
    if moment is None:
        return ""
    local = moment.astimezone(_zone(tz))
    return f"{format_date(local, 'medium', locale=current_lang())}, {format_time(local, 'short', locale=current_lang())}"


def f_day(value) -> str:
    """A conference day, short enough for a phone's menu: 'jue, 3 dic' / 'Thu, Dec 3'."""
    from babel.dates import format_skeleton

    try:
        return format_skeleton("MMMEd", date.fromisoformat(str(value)[:10]), locale=current_lang())
    except ValueError:
        return str(value or "")


def f_month(value) -> str:
    """'2026-11' -> 'noviembre de 2026'."""
    from babel.dates import format_skeleton

    try:
        return format_skeleton("yMMMM", date.fromisoformat(f"{str(value)[:7]}-01"), locale=current_lang())
    except ValueError:
        return str(value or "")


def f_room(value) -> str:
    """'14' -> 'Room 14' / 'Aula 14'; a room that is already words stays as it is (never
    'Room Room 14')."""
    text = str(value or "").strip()
    if text and any(ch.isdigit() for ch in text) and len(text) <= 6 and " " not in text:
        return gettext("Room %(room)s", room=text)
    return text


def N_(text: str) -> str:  # marks a msgid for extraction; translated when shown
    return text


SEASONS = {"fall": N_("Fall %(year)s"), "winter": N_("Winter %(years)s"), "spring": N_("Spring %(year)s"),
           "summer": N_("Summer %(year)s")}


def f_cycle(value) -> str:
    """A conference cycle in words: '2026-fall' -> 'Fall 2026'; '2027-winter' (December
    to February, school year 2026-27) -> 'Winter 2026-27'."""
    text = str(value or "")
    year, _sep, season = text.partition("-")
    if not (year.isdigit() and season in SEASONS):
        return text
    y = int(year)
    school_years = "%d-%s" % (y - 1, str(y)[2:])
    return gettext(SEASONS[season], year=y, years=school_years)


GRADES = {"PK": N_("Pre-kindergarten"), "TK": N_("Transitional kindergarten"), "KG": N_("Kindergarten")}


def f_grade(code) -> str:
    """A OneRoster grade code as people say it: '01' -> 'Grade 1' / 'Grado 1', 'KG' -> 'Kindergarten'."""
    text = str(code or "").strip().upper()
    if text in GRADES:
        return gettext(GRADES[text])
    return gettext("Grade %(grade)s", grade=int(text)) if text.isdigit() else text


def f_listing(items, style: str = "standard") -> str:
    """Several things as one phrase by the language's list rule: 'Ana, Luis y Eva'."""
    from babel.lists import format_list

    return format_list([str(i) for i in items if i not in (None, "")], style=style, locale=current_lang())


def language_name(code: str | None) -> str:
    if not code:
        return ""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(current_lang())
    except (ValueError, UnknownLocaleError):
        return code
    return (name or code)[:1].upper() + (name or code)[1:]


def init_app(app) -> None:
    env = app.jinja_env
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(lambda s: translations(current_lang()).gettext(s),
                                  lambda s, p, n: translations(current_lang()).ngettext(s, p, n), newstyle=True)
    env.filters.update(datetime=f_datetime, time=f_time, date=f_date, when=f_when, language_name=language_name,
                       month=f_month, day=f_day, room=f_room, cycle=f_cycle, listing=f_listing,
                       grade=f_grade)
    from services.portal.messages import label

    env.globals.update(current_lang=current_lang, LANGUAGE_NAMES=LANGUAGE_NAMES, LANGUAGES=LANGUAGES,
                       Markup=Markup, label=label, zone_name=zone_name)
