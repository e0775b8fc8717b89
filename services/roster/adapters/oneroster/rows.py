"""Field-level parsing of one OneRoster CSV row, collecting RowErrors.

Each reader method returns a normalised value (or None / a default) and records a
RowError for a bad one; ``row.ok`` tells whether the row is usable.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.roster.domain.vocabulary import GRADES, STATUSES, RowError

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


def normalise_language(tag: str) -> str:
    """BCP-47 case conventions: 'ES-mx' -> 'es-MX', 'zh_hant' -> 'zh-Hant'."""
    first, *rest = re.split(r"[-_]", tag)
    parts = [first.lower()]
    for sub in rest:
        if len(sub) == 2 and sub.isalpha():
            parts.append(sub.upper())
        elif len(sub) == 4 and sub.isalpha():
            parts.append(sub.title())
        else:
            parts.append(sub.lower())
    return "-".join(parts)


def valid_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return "/" in name or name == "UTC"


class Row:
    def __init__(self, file: str, line: int, values: dict[str, str],
                 errors: list[RowError]):
        self.file, self.line, self.values, self._errors = file, line, values, errors
        self.ok = True

    @property
    def sourced_id(self) -> str:
        return self.values.get("sourcedId", "")

    def error(self, column: str | None, reason: str) -> None:
        self._errors.append(RowError(self.file, self.line, column, reason))
        self.ok = False

    def has(self, column: str) -> bool:
        return column in self.values

    def text(self, column: str, required: bool = False) -> str | None:
        value = self.values.get(column, "")
        if not value and required:
            self.error(column, "a value is required")
        return value or None

    def choice(self, column: str, allowed, required: bool = True,
               what: str = "value") -> str | None:
        value = self.text(column, required)
        if value is not None and value not in allowed:
            self.error(column, f"unknown {what} {value!r} (expected one of: "
                               f"{', '.join(allowed)})")
            return None
        return value

    def date(self, column: str, required: bool = False) -> date | None:
        value = self.text(column, required)
        if value is None:
            return None
        try:
            if _DATE.match(value):
                return date.fromisoformat(value)
        except ValueError:
            pass
        self.error(column, f"bad date {value!r} (must be YYYY-MM-DD)")
        return None

    def ids(self, column: str, required: bool = False) -> tuple[str, ...]:
        value = self.text(column, required) or ""
        return tuple(dict.fromkeys(p.strip() for p in value.split(",") if p.strip()))

    def grades(self, column: str = "grades") -> tuple[str, ...]:
        grades = self.ids(column)
        for grade in grades:
            if grade not in GRADES:
                self.error(column, f"unknown grade {grade!r} (use OneRoster codes "
                                   f"such as KG, 01..12)")
        return tuple(g for g in grades if g in GRADES)

    def flag(self, column: str, default: bool) -> bool:
        value = (self.text(column) or "").lower()
        if not value:
            return default
        if value in _TRUE or value in _FALSE:
            return value in _TRUE
        self.error(column, f"expected true or false, not {value!r}")
        return default

    def active(self) -> bool:
        """status (blank = active) and dateLastModified (ISO 8601 if present)."""
        status = self.choice("status", STATUSES, required=False, what="status")
        stamp = self.text("dateLastModified")
        if stamp:
            try:
                datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            except ValueError:
                self.error("dateLastModified", f"bad date-time {stamp!r} "
                                               f"(must be ISO 8601)")
        return status != "tobedeleted"

    def language(self, column: str, default: str) -> str:
        value = self.text(column)
        if value is None:
            return default
        if not _LANGUAGE.match(value):
            self.error(column, f"bad language tag {value!r} (BCP-47, e.g. 'es')")
            return default
        return normalise_language(value)

    def languages(self, column: str, default: tuple[str, ...]) -> tuple[str, ...]:
        parts = [p.strip() for p in (self.text(column) or "").split(";") if p.strip()]
        out = []
        for part in parts:
            if _LANGUAGE.match(part):
                out.append(normalise_language(part))
            else:
                self.error(column, f"bad language tag {part!r} (BCP-47, e.g. 'es')")
        return tuple(dict.fromkeys(out)) or default

    def time_zone(self, column: str, default: str) -> str:
        value = self.text(column)
        if value is None:
            return default
        if not valid_time_zone(value):
            self.error(column, f"unknown IANA time zone {value!r} "
                               f"(e.g. America/Denver)")
            return default
        return value

    def email(self, column: str = "email") -> str | None:
        value = self.text(column)
        if value is not None and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", value):
            self.error(column, f"not an email address: {value!r}")
            return None
        return value
