"""`confer roster ...` through click's CliRunner, against the real database
(MONGO_URL / MONGO_DB from the environment, AMQP_URL=memory://)."""
import json

from click.testing import CliRunner

from services.cli import main
from services.common.store import OUTBOX
from services.roster.adapters.repository import ORGS, PEOPLE


def env_for(settings) -> dict:
    return {"MONGO_URL": settings.mongo_url, "MONGO_DB": settings.mongo_db, "AMQP_URL": "memory://"}


def test_demo_then_import_twice(roster, tmp_path):
    settings, store = roster
    runner, env = CliRunner(), env_for(settings)
    out = tmp_path / "demo"
    made = runner.invoke(main, ["roster", "demo", "--schools", "2", "--students", "40", "--out", str(out)])
    assert made.exit_code == 0, made.output
    assert json.loads(made.output)["students"] == 40 and (out / "manifest.csv").exists()
    first = runner.invoke(main, ["roster", "import", str(out)], env=env)
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("applied: district org-district, OneRoster 1.1")
    assert store.db[PEOPLE].count_documents({"kind": "student"}) == 40
    outbox = store.db[OUTBOX].count_documents({})
    assert outbox > 0
    second = runner.invoke(main, ["roster", "import", str(out), "--json"], env=env)
    assert second.exit_code == 0, second.output
    summary = json.loads(second.stdout)
    assert summary["status"] == "unchanged" and summary["changes"] == 0 and summary["events"] == {}
    assert store.db[OUTBOX].count_documents({}) == outbox


def test_import_into_a_named_district_and_a_zip(roster, tmp_path):
    settings, store = roster
    runner, env = CliRunner(), env_for(settings)
    runner.invoke(main, ["roster", "demo", "--schools", "1", "--students", "10", "--version", "1.2", "--zip",
                         "--out", str(tmp_path / "b.zip")])
    result = runner.invoke(main, ["roster", "import", str(tmp_path / "b.zip"), "--district", "d-42"], env=env)
    assert result.exit_code == 0, result.output
    assert "district d-42, OneRoster 1.2" in result.stdout
    assert store.db[ORGS].count_documents({"district_id": "d-42"}) == 2


def test_missing_path_and_recover(roster, tmp_path):
    settings, _ = roster
    runner, env = CliRunner(), env_for(settings)
    assert runner.invoke(main, ["roster", "import", str(tmp_path / "nope")], env=env).exit_code == 2
    recovered = runner.invoke(main, ["roster", "recover"], env=env)
    assert recovered.exit_code == 0 and json.loads(recovered.stdout) == {}
