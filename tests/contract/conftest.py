"""Contract-test helpers: the JSON Schema validator an outside subscriber would use
(tests/schema_check.py)."""
import pytest

from tests.schema_check import contract_validator


@pytest.fixture
def json_validator():
    return contract_validator
