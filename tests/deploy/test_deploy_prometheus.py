"""Alert rules and the Grafana dashboard: promtool accepts the rules and the Prometheus
config and passes the rule unit tests, and every metric an alert or a panel queries is
one a Confer process really exposes (checked against a live /metrics scrape), with the
labels it filters or groups on."""
from pathlib import Path
import json
import re
import shutil
import subprocess

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from services.common import metrics
from services.common.config import SERVICES, Settings
from services.common.service import build_app, definition_for

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"

ALERTS = DEPLOY / "prometheus" / "alerts.yml"
DASHBOARD = DEPLOY / "grafana" / "confer.json"
TARGET_LABELS = {"job", "instance", "service"}  # added by Prometheus from the scrape config
SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum", "_created"),
            "gauge": ("",), "summary": ("", "_count", "_sum", "_created"), "untyped": ("",)}


def promtool(*args):
    exe = shutil.which("promtool")
    assert exe, "promtool is missing: run scripts/setup.sh --tools (Debian package prometheus)"
    return subprocess.run([exe, *args], capture_output=True, text=True, cwd=DEPLOY / "prometheus")


def test_promtool_checks_the_rules():
    result = promtool("check", "rules", str(ALERTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_checks_the_prometheus_config():
    result = promtool("check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_rule_unit_tests_pass():
    result = promtool("test", "rules", "alerts_test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def live_scrape(mongo_daemon):
    """/metrics of a real service app on the MongoDB-wire server, after real requests."""
    settings = Settings(service="roster", mongo_url=mongo_daemon.url, mongo_db="t_deploy_metrics",
                        amqp_url="memory://")
    app = build_app(definition_for("roster"), settings)  # the real roster service
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/no-such-route").status_code == 401  # unauthenticated: still measured
    body = client.get("/metrics")
    assert body.status_code == 200
    return body.get_data(as_text=True)


@pytest.fixture(scope="module")
def exposed(live_scrape) -> set[str]:
    families = list(text_string_to_metric_families(live_scrape))
    names = {"up"}  # written by Prometheus for every target
    for family in families:
        names |= {family.name + s for s in SUFFIXES[family.type]}
        names |= {s.name for s in family.samples}
    return names


def label_names() -> dict[str, set[str]]:
    """Labels of each sample name, from the metric objects services/common/metrics.py defines."""
    out = {"up": set()}
    for obj in vars(metrics).values():
        if hasattr(obj, "_labelnames") and hasattr(obj, "_type"):
            base = obj._name
            for suffix in SUFFIXES[obj._type]:
                extra = {"le"} if suffix == "_bucket" else set()
                out[base + suffix] = set(obj._labelnames) | extra
    return out


def test_live_scrape_has_every_family_with_help_and_type_and_real_samples(live_scrape):
    for obj in vars(metrics).values():
        if hasattr(obj, "_labelnames") and hasattr(obj, "_type"):
            assert f"# TYPE {obj._name}" in live_scrape, obj._name
            assert f"# HELP {obj._name}" in live_scrape, obj._name
    families = {f.name: f for f in text_string_to_metric_families(live_scrape)}
    http = families["confer_http_request_duration_seconds"]
    seen = {(s.labels["route"], s.labels["status"]) for s in http.samples if s.name.endswith("_count")}
    assert {("/healthz", "200"), ("/readyz", "200"), ("unmatched", "401")} <= seen


def alert_exprs() -> dict[str, str]:
    rules = yaml.safe_load(ALERTS.read_text())
    return {r["alert"]: r["expr"] for g in rules["groups"] for r in g["rules"]}


def dashboard_exprs() -> dict[str, str]:
    dash = json.loads(DASHBOARD.read_text())
    return {f"{p['title']} [{t['refId']}] #{p['id']}": t["expr"]
            for p in dash["panels"] for t in p.get("targets", [])}


def check_expr(where: str, expr: str, exposed: set[str], labels: dict[str, set[str]], metric_names_of):
    used = metric_names_of(expr)
    assert used, f"{where}: no metric found in {expr!r}"
    unknown = used - exposed
    assert not unknown, f"{where}: {sorted(unknown)} not exposed by the services"
    allowed = TARGET_LABELS.union(*(labels.get(n, set()) for n in used))
    for selector in re.findall(r"\{([^}]*)\}", expr):
        for label in re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", selector):
            assert label in allowed, f"{where}: label {label!r} is not on {sorted(used)}"
    for group in re.findall(r"\b(?:by|on|without)\s*\(([^)]*)\)", expr):
        for label in filter(None, (x.strip() for x in group.split(","))):
            assert label in allowed, f"{where}: groups by {label!r}, not a label of {sorted(used)}"


def test_alerts_use_only_metrics_the_services_expose(exposed, metric_names_of):
    exprs = alert_exprs()
    assert {"ConferServiceDown", "ConferHigh5xxRatio", "ConferHighLatencyP99", "ConferOutboxBacklogOld",
            "ConferDeadLetterQueueNotEmpty", "ConferConsumerNotConsuming", "ConferNotificationFailures"} <= set(exprs)
    labels = label_names()
    for name, expr in exprs.items():
        check_expr(name, expr, exposed, labels, metric_names_of)


def test_dashboard_uses_only_metrics_the_services_expose(exposed, metric_names_of):
    labels = label_names()
    exprs = dashboard_exprs()
    assert len(exprs) > 30
    for where, expr in exprs.items():
        check_expr(where, expr, exposed, labels, metric_names_of)


def test_the_metric_name_check_catches_mistakes(exposed, metric_names_of):
    labels = label_names()
    for bad in ('sum(rate(confer_http_requests_total[5m]))',  # no such metric
                'sum by (route) (confer_outbox_backlog)',  # no such label
                'confer_notifications_total{service="x", outcom="failed"}'):
        with pytest.raises(AssertionError):
            check_expr("bad", bad, exposed, labels, metric_names_of)


def test_dashboard_has_a_row_per_service_and_the_conference_season():
    dash = json.loads(DASHBOARD.read_text())
    rows = [p["title"] for p in dash["panels"] if p["type"] == "row"]
    assert [r for r in rows if r.startswith("Service: ")] == [f"Service: {s}" for s in SERVICES]
    assert "Conference season" in rows
    season = dash["panels"][[p.get("title") for p in dash["panels"]].index("Conference season") + 1:]
    season = season[:next(i for i, p in enumerate(season) if p["type"] == "row")]
    titles = " | ".join(p["title"] for p in season)
    assert "Bookings per minute" in titles and "Invitations sent vs bookings" in titles
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids))
    cells = set()
    for p in dash["panels"]:  # no two panels overlap on the grid
        g = p["gridPos"]
        assert g["x"] + g["w"] <= 24
        area = {(x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])}
        assert not area & cells, p["title"]
        cells |= area


def test_every_alert_has_a_runbook_section_in_operations_md():
    doc = (ROOT / "docs" / "operations.md").read_text()
    anchors = {re.sub(r"[^a-z0-9 -]", "", h.strip().lower()).replace(" ", "-")
               for h in re.findall(r"^#+ (.+)$", doc, flags=re.M)}
    rules = yaml.safe_load(ALERTS.read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            url = rule["annotations"]["runbook_url"]
            assert url.startswith("docs/operations.md#") and url.split("#")[1] in anchors, rule["alert"]
            assert rule["labels"]["severity"] in ("critical", "warning")
    assert "confer dlq list" in doc and "confer dlq replay" in doc and "mongodump" in doc and "mongorestore" in doc
