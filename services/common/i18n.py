"""A service's Babel catalogues, read the same way everywhere: ``<folder>/<lang>/LC_MESSAGES/
messages.po`` is parsed at first use and compiled in memory (no ``.mo`` is committed),
English being the msgids themselves. Also the language a person asked for, folded to
one the services speak."""
from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("en", "es")


def pick(lang: str | None, languages: tuple[str, ...] = LANGUAGES) -> str:
    """'es', 'es-MX', 'ES_us' -> 'es'; a language not in `languages`, or none -> 'en'."""
    base = (lang or "").replace("_", "-").split("-")[0].lower()
    return base if base in languages else "en"


def compile_catalog(catalog) -> Translations:
    """A parsed ``.po`` as gettext translations, compiled in memory (fuzzy entries left out)."""
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf)


@lru_cache(maxsize=None)
def translations(catalogues: Path, lang: str) -> NullTranslations:
    """The translations of `lang` from the catalogues folder `catalogues`, built once per
    process; English, or a language without a catalogue, says the msgids as they are."""
    po = catalogues / lang / "LC_MESSAGES" / "messages.po"
    if lang == "en" or not po.is_file():
        return NullTranslations()
    with po.open("rb") as fh:
        return compile_catalog(read_po(fh, locale=lang))


def request_lang(languages: tuple[str, ...] = LANGUAGES) -> str:
    """The language of the current HTTP request (``?lang=`` or ``Accept-Language``), else English."""
    from flask import has_request_context, request

    if not has_request_context():
        return "en"
    return pick(request.args.get("lang") or request.accept_languages.best_match(languages) or "en", languages)
