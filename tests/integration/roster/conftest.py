"""Roster integration fixtures: the roster service's store and app on the real
MongoDB-wire server (a fresh database per test), bundles, and HTTP clients per role."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from roster_support import MATRIX, MATRIX_DISTRICT, UNIT_DATA, write_bundle
from services.common.service import build_app, make_store
from services.roster import SERVICE


@pytest.fixture
def matrix_bundle(tmp_path) -> Path:
    return write_bundle(tmp_path / "matrix", MATRIX)


@pytest.fixture
def hand_bundle(tmp_path) -> Path:
    """The unit tests' hand-written OneRoster 1.1 bundle (district d1, school s1)."""
    target = tmp_path / "v11"
    shutil.copytree(UNIT_DATA / "v11", target)
    return target


@pytest.fixture
def roster(settings_for):
    """(settings, store) of a roster service on a fresh database, indexes in place."""
    settings = settings_for("roster")
    store = make_store(SERVICE, settings)
    store.ensure_indexes()
    yield settings, store
    store.client.drop_database(settings.mongo_db)
    store.client.close()


@pytest.fixture
def roster_app(roster):
    settings, store = roster
    return build_app(SERVICE, settings, store=store)


@pytest.fixture
def client_for(roster_app, token):
    def factory(role: str, sub: str = "u-1", district_id: str = MATRIX_DISTRICT, **kw):
        client = roster_app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token(role=role, sub=sub, district_id=district_id, **kw)}"
        return client
    return factory
