"""Kubernetes manifests: the base and every overlay, rendered like kustomize does, are
valid against the Kubernetes OpenAPI schemas (kubernetes-validate, offline, strict) and
agree with each other and with the code (ports, probes, env vars, selectors)."""
from pathlib import Path
import subprocess
import sys

import kubernetes_validate
import pytest

from services.common.config import ENV_VARS, SERVICES
from services.common.config import PORTS as SERVICE_PORTS

PORTS = {**SERVICE_PORTS, "portal": 8000}

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"

VERSIONS = ("1.29.0", kubernetes_validate.latest_version())


@pytest.mark.parametrize("version", VERSIONS)
def test_every_manifest_validates_against_the_kubernetes_schemas(overlays, version):
    assert set(overlays) >= {"base", "production"}
    for name, docs in overlays.items():
        for doc in docs:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                pytest.fail(f"{name}: {doc['kind']}/{doc['metadata']['name']}: {exc.message} at "
                            f"{'.'.join(str(p) for p in exc.path)}")


def test_base_is_what_the_generator_writes():
    result = subprocess.run([sys.executable, str(K8S / "generate.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_each_service_has_web_and_worker_with_probes_resources_and_a_safe_pod(overlays, k8s_kinds, containers_of):
    for name, docs in overlays.items():
        deployments = k8s_kinds(docs, "Deployment")
        assert set(deployments) == {f"{s}-{k}" for s in SERVICES for k in ("web", "worker")} | {"portal-web"}, name
        for dep_name, dep in deployments.items():
            service, kind = dep_name.rsplit("-", 1)
            (container,) = containers_of(dep)
            assert container["command"] == ["confer", kind, service]
            port = PORTS[service] if kind == "web" else PORTS[service] + 1000
            assert [p["containerPort"] for p in container["ports"]] == [port]
            port_name = container["ports"][0]["name"]
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                assert container[probe]["httpGet"]["port"] == port_name, (dep_name, probe)
            if kind == "web":
                assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
                assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
                assert "replicas" not in dep["spec"], "the HPA owns the web replica count"
            else:
                assert container["livenessProbe"]["httpGet"]["path"] == "/metrics"
                env = {e["name"]: e.get("value") for e in container["env"]}
                assert env["WORKER_METRICS_PORT"] == str(port)
            res = container["resources"]
            assert res["requests"]["cpu"] and res["requests"]["memory"] and res["limits"]["memory"]
            pod = dep["spec"]["template"]["spec"]
            assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
            annotations = dep["spec"]["template"]["metadata"]["annotations"]
            assert annotations["prometheus.io/port"] == str(port)
            labels = dep["spec"]["template"]["metadata"]["labels"]
            assert dep["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_services_autoscalers_and_disruption_budgets_select_the_right_pods(overlays, k8s_kinds):
    for name, docs in overlays.items():
        deployments = k8s_kinds(docs, "Deployment")
        services, hpas, pdbs = (k8s_kinds(docs, k) for k in ("Service", "HorizontalPodAutoscaler",
                                                            "PodDisruptionBudget"))
        assert set(services) == set(hpas) == {f"{s}-web" for s in SERVICES} | {"portal-web"}, name
        assert set(pdbs) == set(deployments), name
        pod_labels = {n: d["spec"]["template"]["metadata"]["labels"] for n, d in deployments.items()}

        def selects(selector):
            return {n for n, lab in pod_labels.items() if selector.items() <= lab.items()}

        for svc_name, svc in services.items():
            assert selects(svc["spec"]["selector"]) == {svc_name}
            container_port = deployments[svc_name]["spec"]["template"]["spec"]["containers"][0]["ports"][0]
            assert svc["spec"]["ports"][0]["targetPort"] == container_port["name"]
        for hpa_name, hpa in hpas.items():
            target = hpa["spec"]["scaleTargetRef"]
            assert target["kind"] == "Deployment" and target["name"] == hpa_name
            assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
        for pdb_name, pdb in pdbs.items():
            assert selects(pdb["spec"]["selector"]["matchLabels"]) == {pdb_name}


def test_ingress_routes_each_service_path_to_its_web_service(overlays, k8s_kinds):
    for name, docs in overlays.items():
        services = k8s_kinds(docs, "Service")
        (ingress,) = k8s_kinds(docs, "Ingress").values()
        routes = {}
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                assert backend["port"]["name"] in {p["name"] for p in services[backend["name"]]["spec"]["ports"]}
                routes[path["path"]] = backend["name"]
        assert routes == {**{f"/{s}": f"{s}-web" for s in SERVICES}, "/": "portal-web"}, name


def test_configuration_comes_from_the_configmap_and_secret_with_known_variables(overlays, k8s_kinds, containers_of):
    for name, docs in overlays.items():
        config = k8s_kinds(docs, "ConfigMap")["confer-config"]
        unknown = set(config["data"]) - set(ENV_VARS)
        assert not unknown, f"{name}: ConfigMap keys not in ENV_VARS: {sorted(unknown)}"
        for dep in k8s_kinds(docs, "Deployment").values():
            for c in containers_of(dep):
                assert c["envFrom"] == [{"configMapRef": {"name": "confer-config"}}]
                names = [e["name"] for e in c["env"]]
                assert not set(names) - set(ENV_VARS), f"{name}: unknown env {set(names) - set(ENV_VARS)}"
                secrets = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in c["env"] if "valueFrom" in e}
                assert {"MONGO_URL", "AMQP_URL"} <= set(secrets)
                for var, ref in secrets.items():
                    assert ref["name"] == "confer-secrets" and ref["key"] == var
                    required = ("MONGO_URL", "AMQP_URL", "JWT_SECRET", "PORTAL_SECRET_KEY", "PORTAL_OIDC_CLIENT_SECRET")
                    assert ref.get("optional", False) == (var not in required)


def test_production_overlay_sets_namespace_image_host_and_identity_provider(overlays, k8s_kinds, containers_of):
    docs = overlays["production"]
    assert k8s_kinds(docs, "Namespace")["confer"]
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == "confer", doc["metadata"]["name"]
        for c in containers_of(doc):
            assert c["image"] == "registry.district.example.org/confer/confer:1.0.0"
    ingress = k8s_kinds(docs, "Ingress")["confer"]
    assert ingress["spec"]["tls"][0]["hosts"] == [ingress["spec"]["rules"][0]["host"]]
    data = k8s_kinds(docs, "ConfigMap")["confer-config"]["data"]
    assert data["JWT_JWKS_URL"].startswith("https://") and data["CONFER_EXCHANGE"] == "confer.events"
    assert k8s_kinds(docs, "HorizontalPodAutoscaler")["scheduling-web"]["spec"]["minReplicas"] == 3
    reports = k8s_kinds(docs, "Deployment")["reports-web"]["spec"]["template"]["spec"]["containers"][0]
    assert reports["resources"]["requests"]["memory"] == "768Mi" and reports["livenessProbe"]  # merged, not replaced


def test_the_base_requires_its_secrets_and_sets_no_dev_value(overlays, k8s_kinds, containers_of):
    """Every secret comes from the confer-secrets Secret and is required (the pod does not
    start without it); nothing marks the dev issuer or a dev switch."""
    from services.common.config import PUBLISHED_SECRETS

    base = overlays["base"]
    config = k8s_kinds(base, "ConfigMap")["confer-config"]["data"]
    assert "JWT_ISSUER" not in config and "CONFER_DEV_MODE" not in config and "PORTAL_DEV_LOGIN" not in config
    assert not {v for k, v in config.items() if "SECRET" in k or "PASSWORD" in k} & PUBLISHED_SECRETS
    for name, deployment in k8s_kinds(base, "Deployment").items():
        for container in containers_of(deployment):
            refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container.get("env", [])
                    if "secretKeyRef" in e.get("valueFrom", {})}
            wanted = {"MONGO_URL", "AMQP_URL", "JWT_SECRET"} | ({"PORTAL_SECRET_KEY"} if name == "portal-web" else set())
            assert wanted <= set(refs), name
            assert not any(refs[k].get("optional") for k in wanted), f"{name}: a required secret is optional"
            assert all(not e.get("value") or e["value"] not in PUBLISHED_SECRETS for e in container.get("env", []))
