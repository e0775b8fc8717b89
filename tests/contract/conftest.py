"""Contract-test helpers: the JSON Schema validator an outside subscriber would use, with
RFC 3339 date-time checked (jsonschema checks it only with an optional extra installed)."""
import re
from datetime import datetime

import pytest
from jsonschema import Draft202012Validator, FormatChecker

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


@pytest.fixture
def json_validator():
    return contract_validator
