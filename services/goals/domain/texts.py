"""Words the goals service says to people, in their language (en, es).

The pure rules (quality, reflection, evidence, lifecycle) build a :class:`Text`: a
``str`` that reads as the English sentence (so logs, tests and English callers see
plain text) and remembers its msgid and values, so the HTTP layer can say it again in
the language of the request (``Accept-Language``; the portal sends the page's
language). Values are formatted by the target language's own rules with Babel: a list
of words is joined with its conjunction ("“want” and “better”", "«quiero» y «mejor»"),
a number picks the plural form, a date is written out, a nested Text is translated too.

Catalogues: ``translations/<lang>/LC_MESSAGES/messages.po`` compiled in memory at first
use (no ``.mo`` committed). New msgids are appended at the end of the ``.po`` files.
From ``services/goals``: ``pybabel extract -F babel.cfg -k T -k Tn:1,2 -o messages.pot .``
"""
from __future__ import annotations

import io
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("en", "es")
CATALOGUES = Path(__file__).resolve().parents[1] / "translations"  # the service's catalogues
QUOTES = {"en": ("“", "”"), "es": ("«", "»")}


class Words(tuple):
    """Words quoted from what a student wrote, shown as a list in the sentence."""


class Items(tuple):
    """Several things (Texts or words), shown as a list joined with "and"."""


class Choices(tuple):
    """Alternatives (Texts or words), shown as a list joined with "or"."""


class Text(str):
    """A sentence for a person: English as a ``str``, any language with ``render``."""

    msgid: str
    plural: str | None
    n: int | None
    values: dict

    def __new__(cls, msgid: str, values: dict | None = None, *, plural: str | None = None, n: int | None = None):
        values = dict(values or {})
        self = super().__new__(cls, _render(msgid, plural, n, values, "en"))
        self.msgid, self.plural, self.n, self.values = msgid, plural, n, values
        return self

    def render(self, lang: str | None) -> str:
        lang = pick(lang)
        return str(self) if lang == "en" else _render(self.msgid, self.plural, self.n, self.values, lang)


def T(msgid: str, **values) -> Text:  # noqa: N802 - the gettext-style marker pybabel extracts
    return Text(msgid, values)


def Tn(singular: str, plural: str, n: int, **values) -> Text:  # noqa: N802
    return Text(singular, {"n": n, **values}, plural=plural, n=n)


def say(value: Any, lang: str | None) -> str:
    """`value` in `lang`: a Text is translated, anything else is shown as it is."""
    return value.render(lang) if isinstance(value, Text) else str(value)


def pick(lang: str | None) -> str:
    base = (lang or "").replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else "en"


@lru_cache(maxsize=None)
def translations(lang: str) -> NullTranslations:
    po = CATALOGUES / lang / "LC_MESSAGES" / "messages.po"
    if lang == "en" or not po.is_file():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf)


def catalogue_ids(lang: str) -> dict[str, bool]:
    """msgid -> translated? (for the completeness test)."""
    with (CATALOGUES / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    out = {}
    for m in catalog:
        if m.id:
            key = m.id[0] if isinstance(m.id, (tuple, list)) else m.id
            strings = m.string if isinstance(m.string, (tuple, list)) else (m.string,)
            out[key] = bool(all(strings)) and not m.fuzzy
    return out


def _value(value: Any, lang: str) -> Any:
    if isinstance(value, Text):
        return value.render(lang)
    if isinstance(value, Words):
        left, right = QUOTES[lang]
        return format_list([f"{left}{w}{right}" for w in value], locale=Locale.parse(lang))
    if isinstance(value, Choices):
        return format_list([_value(v, lang) for v in value], style="or", locale=Locale.parse(lang))
    if isinstance(value, Items):
        return format_list([_value(v, lang) for v in value], locale=Locale.parse(lang))
    if isinstance(value, date):
        return format_date(value, "long", locale=lang)
    return value


def _render(msgid: str, plural: str | None, n: int | None, values: dict, lang: str) -> str:
    t = translations(lang)
    text = t.ngettext(msgid, plural, n) if plural is not None else t.gettext(msgid)
    return text % {k: _value(v, lang) for k, v in values.items()} if values else text


def request_lang() -> str:
    """The language of the current HTTP request (``Accept-Language``), else English."""
    from flask import has_request_context, request

    if not has_request_context():
        return "en"
    return pick(request.args.get("lang") or request.accept_languages.best_match(LANGUAGES) or "en")
