"""The few sentences scheduling writes for people (calendar files), in English and
Spanish: ``translations/<lang>/LC_MESSAGES/messages.po`` compiled in memory at first
use (no ``.mo`` committed; see ``services.common.i18n``). New msgids are appended at
the end of the ``.po``."""
from __future__ import annotations

from pathlib import Path

from babel.support import NullTranslations

from services.common import i18n

CATALOGUES = Path(__file__).resolve().parents[2] / "translations"  # the service's catalogues


def translations(lang: str) -> NullTranslations:
    return i18n.translations(CATALOGUES, lang)
