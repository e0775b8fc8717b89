"""docker-compose.yml has no secret of its own: every secret comes from the environment
with ${VAR:?} (compose refuses to start without it), deploy/compose_env.py generates them
all, nothing published in this repository appears, and nothing but the portal is
published on the host outside the dev profile (parsed, not grepped)."""
import re
from pathlib import Path

import yaml

from services.common.config import PUBLISHED_SECRETS

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE_CODE = "\n".join(line for line in COMPOSE_TEXT.splitlines() if not line.lstrip().startswith("#"))
REFERENCE = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")
SECRET_WORDS = ("SECRET", "PASSWORD", "_KEY", "PASS")


def references():
    return [(m.group(1), m.group(2), m.group(3)) for m in REFERENCE.finditer(COMPOSE_CODE)]


def test_every_secret_is_required_from_the_environment_with_no_default():
    secrets = {name for name, _, _ in references() if any(w in name for w in SECRET_WORDS)}
    assert {"JWT_SECRET", "PORTAL_SECRET_KEY", "RABBITMQ_ADMIN_PASSWORD", "RABBITMQ_CONFER_PASSWORD",
            "MONGO_ROOT_PASSWORD", "MONGO_REPLICA_KEY", "GRAFANA_ADMIN_PASSWORD", "MONGO_ROSTER_PASSWORD"} <= secrets
    for name, kind, _ in references():
        if name in secrets and name != "PORTAL_OIDC_CLIENT_SECRET":  # set only with an IdP: empty = OIDC off
            assert kind == "?", f"${{{name}}} must be ${{{name}:?...}}: no default, refuse to start without it"


def test_no_published_value_and_no_dev_switch_in_compose():
    compose = yaml.safe_load(COMPOSE_TEXT)
    for name, svc in compose["services"].items():
        env = svc.get("environment") or {}
        for var, value in (env.items() if isinstance(env, dict) else []):
            if any(w in var for w in SECRET_WORDS):
                assert str(value).strip().lower() not in PUBLISHED_SECRETS, f"{name}: {var} is a published value"
            assert var not in ("PORTAL_DEV_LOGIN", "PORTAL_COOKIE_SECURE", "CONFER_DEV_MODE"), f"{name} sets {var}"
    assert "--web.enable-lifecycle" not in compose["services"]["prometheus"]["command"]
    assert compose["services"]["grafana"]["environment"]["GF_SECURITY_ADMIN_PASSWORD"].startswith(
        "${GRAFANA_ADMIN_PASSWORD:?")
    for url in re.findall(r"(?:amqp|mongodb)://[^\s\"']+", COMPOSE_TEXT):
        userinfo = url.split("://", 1)[1].split("@", 1)[0]
        assert ":${" in userinfo, f"{url}: the password must come from the environment"


def test_only_the_portal_is_published_outside_the_dev_profile():
    compose = yaml.safe_load(COMPOSE_TEXT)
    published = {n: s["ports"] for n, s in compose["services"].items() if s.get("ports")}
    production = {n: p for n, p in published.items() if "dev" not in compose["services"][n].get("profiles", [])}
    assert production == {"portal-web": ["8000:8000"]}
    dev = {n: p for n, p in published.items() if n not in production}
    assert set(dev) == {"rabbitmq-ui", "prometheus-ui", "grafana-ui", "mailpit-ui"}
    assert all(port.startswith("127.0.0.1:") for ports in dev.values() for port in ports), dev
    assert compose["services"]["mailpit"]["profiles"] == ["dev"] and "ports" not in compose["services"]["mailpit"]
    for name, svc in compose["services"].items():
        assert "expose" not in svc and svc.get("network_mode") != "host", name


def test_the_env_generator_fills_every_required_variable_with_fresh_strong_values(tmp_path):
    import subprocess
    import sys

    out = tmp_path / ".env"
    assert subprocess.run([sys.executable, str(ROOT / "deploy" / "compose_env.py"), "--out", str(out)]).returncode == 0
    assert subprocess.run([sys.executable, str(ROOT / "deploy" / "compose_env.py"), "--out", str(out)],
                          capture_output=True).returncode == 1  # never overwritten
    env = dict(line.split("=", 1) for line in out.read_text().splitlines() if line and not line.startswith("#"))
    required = {name for name, kind, _ in references() if kind == "?"}
    assert required <= set(env), f"not generated: {sorted(required - set(env))}"
    assert len(set(env.values())) == len(env), "every secret is its own"
    assert all(len(v) >= 32 and v.lower() not in PUBLISHED_SECRETS for v in env.values())
    assert re.fullmatch(r"[A-Za-z0-9+/=]{6,1024}", env["MONGO_REPLICA_KEY"])
    assert (out.stat().st_mode & 0o077) == 0
    again = subprocess.run([sys.executable, str(ROOT / "deploy" / "compose_env.py")], capture_output=True, text=True)
    assert env["JWT_SECRET"] not in again.stdout  # random each time
