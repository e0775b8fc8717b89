"""docker-compose.yml, the image and the configuration table, checked against the code:
every service has a healthcheck, every variable a Confer container gets is one the code
reads (ENV_VARS), start-up order waits on health, Prometheus scrapes what compose runs."""
from pathlib import Path
import base64
import hashlib
import json
import re
import subprocess
import sys
from urllib.parse import urlparse

import yaml

from services.common.bus import Topology
from services.common.config import ENV_VARS, PORTS, SERVICES

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def confer_services(compose):
    return {n: s for n, s in compose["services"].items() if s.get("image", "").startswith("confer:")}


def test_every_service_has_a_healthcheck_or_is_a_one_shot_others_wait_for(compose):
    services = compose["services"]
    one_shots = set()
    for name, svc in services.items():
        check = svc.get("healthcheck")
        assert check, f"{name} has no healthcheck"
        if check.get("disable"):
            assert svc.get("restart") == "no", f"{name}: only one-shot services may go without a healthcheck"
            one_shots.add(name)
            continue
        assert check["test"][0] in ("CMD", "CMD-SHELL") and len(check["test"]) > 1, name
        assert {"interval", "timeout", "retries"} <= set(check), name
    for name, svc in services.items():
        for dep, cond in (svc.get("depends_on") or {}).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            wanted = "service_completed_successfully" if dep in one_shots else "service_healthy"
            assert cond["condition"] == wanted, f"{name} -> {dep}: {cond}"
    assert one_shots == {"mongo-init", "rabbitmq-init"}


def test_all_parts_are_there(compose):
    services = compose["services"]
    images = {n: s.get("image", "") for n, s in services.items()}
    assert images["rabbitmq"].startswith("rabbitmq:") and images["rabbitmq"].endswith("-management")
    assert images["mongo"].startswith("mongo:") and "--replSet" in services["mongo"]["command"]
    assert images["prometheus"].startswith("prom/prometheus:") and images["grafana"].startswith("grafana/grafana:")
    assert "mailpit" in images["mailpit"] and services["mailpit"]["profiles"] == ["dev"]
    for name, image in images.items():
        assert ":" in image and not image.endswith(":latest"), f"{name}: pin the image version ({image})"
    for svc in SERVICES:
        assert f"{svc}-web" in services and f"{svc}-worker" in services


def test_portal_runs_the_one_image_and_waits_for_the_apis(compose):
    portal = compose["services"]["portal-web"]
    assert portal["command"] == ["confer", "web", "portal"]
    assert portal["build"] == {"context": ".", "dockerfile": "deploy/Dockerfile"}
    assert portal["ports"] == ["8000:8000"]
    assert "127.0.0.1:8000/readyz" in " ".join(portal["healthcheck"]["test"])
    for name in ("roster", "goals", "scheduling"):
        assert portal["environment"][f"PORTAL_{name.upper()}_URL"] == f"http://{name}-web:{PORTS[name]}"
        assert f"{name}-web" in portal["depends_on"]


def test_confer_containers_run_the_one_image_with_a_command(compose):
    confer = {k: v for k, v in confer_services(compose).items() if k != "portal-web"}
    assert len(confer) == 2 * len(SERVICES)
    for name, svc in confer.items():
        service, kind = name.rsplit("-", 1)
        assert svc["command"] == ["confer", kind, service]
        assert svc["build"] == {"context": ".", "dockerfile": "deploy/Dockerfile"}
        for dep in ("mongo-init", "rabbitmq-init"):
            assert dep in svc["depends_on"], f"{name} must wait for {dep}"
        assert "ports" not in svc, f"{name}: only the portal is published"
        if kind == "web":
            assert f"127.0.0.1:{PORTS[service]}/readyz" in " ".join(svc["healthcheck"]["test"])
        else:
            metrics_port = int(svc["environment"]["WORKER_METRICS_PORT"])
            assert metrics_port == PORTS[service] + 1000
            assert f"127.0.0.1:{metrics_port}/metrics" in " ".join(svc["healthcheck"]["test"])


def test_confer_environment_uses_only_documented_variables(compose):
    for name, svc in confer_services(compose).items():
        env = svc.get("environment") or {}
        assert isinstance(env, dict), f"{name}: use the mapping form for environment"
        unknown = set(env) - set(ENV_VARS)
        assert not unknown, f"{name} sets {sorted(unknown)}, which are not in services.common.config.ENV_VARS"
        needed = {"AMQP_URL", "CONFER_EXCHANGE"} | ({"MONGO_URL"} if name != "portal-web" else set())
        assert needed <= set(env), name


def test_code_reads_no_variable_missing_from_env_vars():
    pattern = re.compile(r"""(?:os\.environ\.get|os\.getenv|os\.environ\[|_env)\(?\s*["']([A-Z][A-Z0-9_]+)["']""")
    read = {}
    for path in [*ROOT.joinpath("services").rglob("*.py"), DEPLOY / "gunicorn.conf.py"]:
        for var in pattern.findall(path.read_text(encoding="utf-8", errors="replace")):
            read.setdefault(var, path.relative_to(ROOT).as_posix())
    process_vars = {"PYTHONPATH", "PATH", "HOME"}  # the interpreter's own, passed on to child processes
    missing = {v: p for v, p in read.items() if v not in ENV_VARS and v not in process_vars}
    assert not missing, f"read by the code but not in ENV_VARS (docs/configuration.md): {missing}"
    assert {"MONGO_URL", "WEB_CONCURRENCY", "WORKER_METRICS_PORT"} <= set(read)


def test_configuration_doc_is_generated_from_env_vars():
    result = subprocess.run([sys.executable, str(DEPLOY / "configdoc.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    doc = (ROOT / "docs" / "configuration.md").read_text()
    rows = [line for line in doc.splitlines() if line.startswith("| `")]
    assert [r.split("`")[1] for r in rows] == sorted(ENV_VARS)


def test_brokers_and_database_urls_match_their_definitions(compose):
    """The services' broker user is made by rabbitmq-init (definitions.json is published
    and carries no user); each service's database user reads and writes its own database."""
    definitions = json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text())
    assert definitions["users"] == [] and definitions["permissions"] == []
    init = (DEPLOY / "rabbitmq" / "init.py").read_text()
    for svc in SERVICES:
        env = compose["services"][f"{svc}-web"]["environment"]
        amqp = urlparse(re.sub(r"\$\{[^}]*\}", "PW", env["AMQP_URL"]))
        assert amqp.username == "confer" and '"/users/confer"' in init
        vhost = env["AMQP_URL"].rsplit("/", 1)[1]
        assert any(v["name"] == vhost for v in definitions["vhosts"]) and f'VHOST = "{vhost}"' in init
        topology = Topology(env["CONFER_EXCHANGE"])
        declared = {(e["name"], e["type"], e["durable"]) for e in definitions["exchanges"] if e["vhost"] == vhost}
        assert declared == {(x.name, x.type, True) for x in (topology.public, topology.internal, topology.retry,
                                                             topology.dlx)}
        mongo = urlparse(re.sub(r"\$\{[^}]*\}", "PW", env["MONGO_URL"]))
        query = dict(p.split("=") for p in mongo.query.split("&"))
        assert (mongo.username, mongo.path, query["authSource"]) == (svc, f"/confer_{svc}", f"confer_{svc}")
        assert compose["services"][f"{svc}-worker"]["environment"]["MONGO_URL"] == env["MONGO_URL"]
    init_js = (DEPLOY / "mongo" / "init-replica-set.js").read_text()
    replset = query["replicaSet"]
    assert f'_id: "{replset}"' in init_js and f'host: "{mongo.hostname}:27017"' in init_js
    assert 'roles = [{ role: "readWrite", db: `confer_${service}` }]' in init_js
    command = compose["services"]["mongo"]["command"]
    assert command[command.index("--replSet") + 1] == replset and "--auth" in command and "--keyFile" in command
    assert env["SMTP_HOST"] == "${SMTP_HOST:-mailpit}"


def test_mounted_files_exist(compose):
    for name, svc in compose["services"].items():
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"


def test_prometheus_scrapes_every_web_and_worker_that_compose_runs(compose):
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    jobs = {j["job_name"]: j for j in config["scrape_configs"]}
    for job, kind in (("confer-web", "web"), ("confer-worker", "worker")):
        assert jobs[job].get("honor_labels") is True
        targets = {t: sc["labels"]["service"] for sc in jobs[job]["static_configs"] for t in sc["targets"]}
        expected = {}
        for svc in SERVICES:
            port = PORTS[svc] if kind == "web" else int(
                compose["services"][f"{svc}-worker"]["environment"]["WORKER_METRICS_PORT"])
            expected[f"{svc}-{kind}:{port}"] = svc
        assert targets == expected
    assert config["rule_files"] == ["alerts.yml"]


def test_grafana_provisioning_points_at_the_dashboard_and_prometheus(compose):
    grafana = compose["services"]["grafana"]
    mounts = dict(v.split(":")[:2] for v in grafana["volumes"] if v.startswith("./"))
    dashboards = yaml.safe_load((DEPLOY / "grafana/provisioning/dashboards/confer.yml").read_text())
    folder = dashboards["providers"][0]["options"]["path"]
    assert mounts["./deploy/grafana/confer.json"] == f"{folder}/confer.json"
    assert mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    datasource = yaml.safe_load((DEPLOY / "grafana/provisioning/datasources/prometheus.yml").read_text())
    ds = datasource["datasources"][0]
    assert ds["type"] == "prometheus" and ds["url"] == "http://prometheus:9090"
    dashboard = json.loads((DEPLOY / "grafana" / "confer.json").read_text())
    uids = {p["datasource"]["uid"] for p in dashboard["panels"] if p["type"] != "row"}
    assert uids == {ds["uid"]}


def test_dockerfile_one_slim_image_non_root_with_the_gunicorn_config_where_confer_web_looks():
    lines = [line.strip() for line in (DEPLOY / "Dockerfile").read_text().splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    froms = [line for line in instructions if line.startswith("FROM ")]
    assert all(f.split()[1] == "python:3.11-slim" for f in froms)
    final = instructions[instructions.index(froms[-1]):]
    user = [line for line in final if line.startswith("USER ")]
    assert user and user[-1].split()[1].split(":")[0] not in ("root", "0")
    assert "ARG UID=10001" in final
    # `confer web` runs gunicorn with <dir of services/>/../deploy/gunicorn.conf.py.
    assert "COPY deploy/gunicorn.conf.py /app/deploy/gunicorn.conf.py" in final
    assert "COPY --from=build /app /app" in final and "COPY services ./services" in instructions
    assert any(line.startswith("CMD") and "confer" in line for line in final)
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text()
    assert "!services/**" in ignore and "!deploy/gunicorn.conf.py" in ignore


def test_the_confer_cli_offers_what_the_image_commands_use():
    from click.testing import CliRunner

    from services.cli import main

    for args in (["web", "--help"], ["worker", "--help"], ["dlq", "list", "--help"], ["dlq", "replay", "--help"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, (args, result.output)
