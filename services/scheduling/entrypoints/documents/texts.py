"""The few sentences scheduling writes for people (calendar files), in English and
Spanish: ``translations/<lang>/LC_MESSAGES/messages.po`` compiled in memory at first
use (no ``.mo`` committed). New msgids are appended at the end of the ``.po``."""
from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("en", "es")
CATALOGUES = Path(__file__).resolve().parents[2] / "translations"  # the service's catalogues


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


def request_lang() -> str:
    """The language of the current HTTP request (``?lang=`` or ``Accept-Language``)."""
    from flask import has_request_context, request

    if not has_request_context():
        return "en"
    return pick(request.args.get("lang") or request.accept_languages.best_match(LANGUAGES) or "en")
