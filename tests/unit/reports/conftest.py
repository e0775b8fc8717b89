"""Fixtures for the reports unit tests."""
import pytest

from sample_models import make_model


@pytest.fixture
def model():
    return make_model()
