"""Finds English a person would read on a Spanish page or in a Spanish message.

Two detectors, both run on the visible text (text nodes, and the attributes people read:
title, alt, aria-label, placeholder, button values), after removing what is data (names
of people, schools, classes, and what people wrote):

* the catalogues: every English msgid of every service (portal, goals, scheduling,
  notifications, reports) whose Spanish differs; one found in the text means a string
  that was not translated (placeholders match anything);
* English words Spanish never uses ("the", "your", "with", "will", ...), which catches
  English that is in no catalogue at all (a pasted literal, a service's English error).

`english_in(html_or_text, data=...)` returns what it found (empty when the text is Spanish).
"""
from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted((ROOT / "services").glob("*/translations/es/LC_MESSAGES/messages.po"))
ENGLISH_WORDS = frozenset("""
    the and you your yours is are was were with this that these those will would for of to from
    has have had not been by on at it its an what how when where which who whom why please here
    there my our their they them we us she his her can could should all any only also than then
    into about after before because if or yet still just every each our
""".split())
READ_ATTRIBUTES = ("title", "alt", "aria-label", "placeholder")
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%s|%d")
_WORD = re.compile(r"[A-Za-zÀ-ÿ]+(?:'[A-Za-z]+)?")
_URL = re.compile(r"\b(?:https?://|mailto:)\S+")


class _Text(HTMLParser):
    """Visible text chunks of an HTML page (scripts, styles and templates left out)."""

    # <code> holds literal identifiers people type or see in files (CSV column names): data
    HIDDEN = {"script", "style", "template", "noscript", "code"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden += 1
        values = dict(attrs)
        for name in READ_ATTRIBUTES:
            if values.get(name):
                self.chunks.append(values[name])
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.chunks.append(values["value"])

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.chunks.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.chunks


@lru_cache(maxsize=1)
def _catalogue_phrases() -> tuple[list[tuple[str, re.Pattern]], frozenset[str]]:
    """(English msgids whose Spanish differs, as patterns) and every word of every Spanish
    translation (a word the Spanish text itself uses is not evidence of English)."""
    phrases, spanish_words = [], set()
    for po in CATALOGUES:
        with po.open("rb") as fh:
            catalog = read_po(fh)
        for m in catalog:
            if not m.id:
                continue
            ids = m.id if isinstance(m.id, (tuple, list)) else (m.id,)
            strings = m.string if isinstance(m.string, (tuple, list)) else (m.string,)
            for s in strings:
                spanish_words.update(w.lower() for w in _WORD.findall(_PLACEHOLDER.sub(" ", s or "")))
            for msgid in ids:
                if msgid in strings:
                    continue
                words = _WORD.findall(_PLACEHOLDER.sub(" ", msgid))
                if not words:
                    continue
                parts = [re.escape(p.strip()) for p in _PLACEHOLDER.split(msgid)]
                body = r".+?".join(p for p in parts if p) if len(words) > 1 else re.escape(words[0])
                phrases.append((msgid, re.compile(r"(?<![A-Za-zÀ-ÿ])" + body + r"(?![A-Za-zÀ-ÿ])")))
    return phrases, frozenset(spanish_words)


def english_in(content: str, *, data: set[str] | frozenset[str] = frozenset(), html: bool = True) -> list[str]:
    """What reads as English in `content` (HTML, or plain text with html=False)."""
    chunks = visible_text(content) if html else [" ".join(line.split()) for line in content.splitlines()]
    phrases, spanish = _catalogue_phrases()
    found: list[str] = []
    for chunk in chunks:
        text = _URL.sub(" ", chunk)  # an address is not words
        for value in sorted(data, key=len, reverse=True):  # data is data, whatever its language
            if value:
                text = text.replace(value, " ")
        if not _WORD.search(text):
            continue
        for msgid, pattern in phrases:
            if len(msgid.split()) == 1 and (msgid.lower() in spanish or msgid.lower() in ENGLISH_WORDS):
                continue  # a single word Spanish also uses ("Total", "PDF") proves nothing
            if pattern.search(text):
                found.append(f"untranslated {msgid!r} in {chunk!r}")
        words = {w.lower() for w in _WORD.findall(text)}
        english = sorted(words & ENGLISH_WORDS - spanish_only_exceptions(spanish))
        if english:
            found.append(f"English words {english} in {chunk!r}")
    return list(dict.fromkeys(found))


def spanish_only_exceptions(spanish: frozenset[str]) -> frozenset[str]:
    """English words that are also Spanish words used by our own Spanish catalogues."""
    return frozenset(w for w in ENGLISH_WORDS if w in spanish)
