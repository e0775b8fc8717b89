"""The JSON Schema check an outside subscriber would run on Confer's events: the standard
`jsonschema` validator (Draft 2020-12) on the published files in docs/events, with
RFC 3339 date-time checked (jsonschema checks formats only with an optional extra)."""
from __future__ import annotations

import json
import re
from datetime import datetime
from functools import lru_cache

from jsonschema import Draft202012Validator, FormatChecker

from services.common import contract

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value):
    if isinstance(value, str):
        if not RFC3339.match(value):
            raise ValueError(f"{value!r} is not an RFC 3339 date-time")
        datetime.fromisoformat(value.replace("z", "Z"))
    return True


def contract_validator(schema) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=FORMATS)


@lru_cache(maxsize=None)
def published_validator(stem: str) -> Draft202012Validator:
    """The validator for docs/events/<Name>.v<N>.json (FileNotFoundError if unpublished)."""
    return contract_validator(json.loads((contract.DOCS / "events" / f"{stem}.json").read_text()))


def schema_errors(envelope: dict) -> list[str]:
    """What is wrong with one received envelope against its published schema, found
    from its `type` (org.confer.<producer>.<Name>.v<N>); [] when it is valid."""
    parts = str(envelope.get("type", "")).split(".")
    if len(parts) < 3 or not parts[-1].startswith("v"):
        return [f"unexpected type {envelope.get('type')!r}"]
    try:
        validator = published_validator(f"{parts[-2]}.{parts[-1]}")
    except FileNotFoundError:
        return [f"{envelope['type']}: no published schema"]
    return [f"{envelope['type']} {list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(envelope)]
