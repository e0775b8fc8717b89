"""Writes docs/configuration.md: the one table of environment variables, generated from
services.common.config.ENV_VARS, with where docker-compose.yml and the Kubernetes base
set each one.

    .venv/bin/python deploy/configdoc.py           # rewrite docs/configuration.md
    .venv/bin/python deploy/configdoc.py --check   # exit 1 if it is out of date
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "configuration.md"
sys.path.insert(0, str(ROOT))

from services.common.config import ENV_VARS  # noqa: E402

INTRO = """# Configuration

Every Confer process (`confer web SERVICE`, `confer worker SERVICE`, `confer dev`, the
`confer` tools) is configured by environment variables only. This is the complete list:
it is generated from `ENV_VARS` in `services/common/config.py` by `deploy/configdoc.py`
(do not edit by hand; `tests/deploy` fails when it is out of date, and also when code
reads a variable missing from `ENV_VARS`).

Columns *compose* and *Kubernetes* say where the deployment files set a variable:
`docker-compose.yml` (`all` = every Confer container, `web` / `worker` = those processes
only) and `deploy/k8s/base` (`ConfigMap` = `confer-config`, `Secret` = `confer-secrets`,
`env` = set on the container). An empty cell means the default applies.

| Variable | What it sets | compose | Kubernetes |
|---|---|---|---|
"""


def _compose_usage() -> dict[str, set[str]]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    seen: dict[str, set[str]] = {}
    confer = {n: s for n, s in compose["services"].items() if s.get("image", "").startswith("confer:")}
    for name, svc in confer.items():
        kind = svc["command"][1]  # confer web|worker SERVICE
        for var in (svc.get("environment") or {}):
            seen.setdefault(var, set()).add(kind)
    kinds = {svc["command"][1] for svc in confer.values()}
    return {var: ({"all"} if where == kinds else where) for var, where in seen.items()}


def _k8s_usage() -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {}
    base = ROOT / "deploy" / "k8s" / "base"
    for path in sorted(base.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc or doc.get("kind") == "Kustomization":
                continue
            if doc["kind"] == "ConfigMap":
                for var in doc.get("data", {}):
                    seen.setdefault(var, set()).add("ConfigMap")
            if doc["kind"] == "Deployment":
                for c in doc["spec"]["template"]["spec"]["containers"]:
                    for e in c.get("env", []):
                        seen.setdefault(e["name"], set()).add("Secret" if "valueFrom" in e else "env")
    return seen


def render() -> str:
    compose, k8s = _compose_usage(), _k8s_usage()
    rows = []
    for var in sorted(ENV_VARS):
        meaning = ENV_VARS[var].replace("|", "\\|")
        rows.append(f"| `{var}` | {meaning} | {', '.join(sorted(compose.get(var, ())))} "
                    f"| {', '.join(sorted(k8s.get(var, ())))} |")
    return INTRO + "\n".join(rows) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not DOC.exists() or DOC.read_text() != text:
            print("docs/configuration.md is out of date: run .venv/bin/python deploy/configdoc.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
