"""Helpers for the deployment tests: the repository paths, the compose file, and a small
kustomize renderer (resources, namespace, images, strategic-merge patches) so the
Kubernetes overlays can be validated without the kustomize binary."""
from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"

# Strategic-merge keys of the list fields our patches touch; other lists are replaced.
MERGE_KEYS = {"containers": "name", "initContainers": "name", "env": "name", "volumes": "name",
              "volumeMounts": "mountPath", "ports": "containerPort", "envFrom": None}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass",
                  "IngressClass", "PriorityClass", "CustomResourceDefinition"}


def strategic_merge(base, patch):
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            if key in out and isinstance(out[key], list) and isinstance(value, list) and MERGE_KEYS.get(key):
                out[key] = _merge_list(out[key], value, MERGE_KEYS[key])
            elif key in out:
                out[key] = strategic_merge(out[key], value)
            else:
                out[key] = copy.deepcopy(value)
        return out
    return copy.deepcopy(patch)


def _merge_list(base: list, patch: list, key: str) -> list:
    out = [copy.deepcopy(x) for x in base]
    for item in patch:
        match = next((i for i, x in enumerate(out) if x.get(key) == item.get(key)), None)
        if match is None:
            out.append(copy.deepcopy(item))
        else:
            out[match] = strategic_merge(out[match], item)
    return out


def _load_docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def kustomize(directory: Path) -> list[dict]:
    """Render a kustomization directory like `kustomize build` does for the features used."""
    kust = yaml.safe_load((directory / "kustomization.yaml").read_text())
    allowed = {"apiVersion", "kind", "resources", "namespace", "images", "patches"}
    unknown = set(kust) - allowed
    assert not unknown, f"{directory}: the test renderer does not implement {sorted(unknown)}"
    docs: list[dict] = []
    for res in kust.get("resources", []):
        path = (directory / res).resolve()
        docs += kustomize(path) if path.is_dir() else _load_docs(path)
    for patch in kust.get("patches", []):
        assert set(patch) == {"path"}, "only strategic-merge patch files are supported here"
        for p in _load_docs(directory / patch["path"]):
            idx = [i for i, d in enumerate(docs)
                   if d["kind"] == p["kind"] and d["metadata"]["name"] == p["metadata"]["name"]]
            assert len(idx) == 1, f"patch {patch['path']} targets {p['kind']}/{p['metadata']['name']}: {len(idx)} found"
            docs[idx[0]] = strategic_merge(docs[idx[0]], p)
    if kust.get("namespace"):
        for d in docs:
            if d["kind"] not in CLUSTER_SCOPED:
                d["metadata"]["namespace"] = kust["namespace"]
    for image in kust.get("images", []):
        for d in docs:
            for c in pod_containers(d):
                name, _, tag = c["image"].partition(":")
                if name == image["name"]:
                    c["image"] = f"{image.get('newName', name)}:{image.get('newTag', tag or 'latest')}"
    return docs


def pod_containers(doc: dict) -> list[dict]:
    spec = (doc.get("spec") or {}).get("template", {}).get("spec", {})
    return spec.get("containers", []) + spec.get("initContainers", [])


def by_kind(docs: list[dict], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


@pytest.fixture(scope="session")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="session")
def overlays() -> dict[str, list[dict]]:
    rendered = {"base": kustomize(K8S / "base")}
    for d in sorted((K8S / "overlays").iterdir()):
        rendered[d.name] = kustomize(d)
    return rendered


METRIC_TOKEN = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "and",
                "or", "unless", "inf", "nan", "le"}


def promql_metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression selects: identifiers that are not functions,
    keywords, label names (in {...}, by/on/without (...)), strings or durations."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # ranges and subqueries
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    expr = re.sub(r"\$__\w+", "", expr)  # Grafana variables
    names = set()
    for m in METRIC_TOKEN.finditer(expr):
        token, rest = m.group(0), expr[m.end():].lstrip()
        if rest.startswith("(") or token.lower() in PROMQL_WORDS:
            continue
        if re.fullmatch(r"\d+[smhdwy]?", token) or re.fullmatch(r"[0-9.e]+", token):
            continue
        names.add(token)
    return names


@pytest.fixture(scope="session")
def metric_names_of():
    return promql_metric_names


@pytest.fixture(scope="session")
def k8s_kinds():
    return by_kind


@pytest.fixture(scope="session")
def containers_of():
    return pod_containers
