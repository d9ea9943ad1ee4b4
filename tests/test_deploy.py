"""The deployment files: docker-compose.yml, deploy/kubernetes/, .dockerignore, the podman smoke script.

Kubernetes manifests are checked against the API's own schemas (kubernetes-validate ships them, strict:
an unknown field fails, as `kubectl apply --dry-run` would), the compose file against the Compose
Specification's schema (as vendored by check-jsonschema); then what the schemas cannot know: the
probes, the migration order, the names that must agree between files.
"""

from __future__ import annotations

import fnmatch
import json
import os
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[1]
KUBE = ROOT / "deploy" / "kubernetes"
KUBE_VERSION = "1.30.0"
"""The oldest Kubernetes still maintained when this was written; every field used exists there and later."""


def _manifests() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(KUBE.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        docs = [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
        assert len(docs) == 1, f"{path.name}: one resource per file"
        found[docs[0]["kind"]] = docs[0]
    return found


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("path", sorted(p.name for p in KUBE.glob("*.yaml") if p.name != "kustomization.yaml"))
def test_each_manifest_is_valid_against_the_kubernetes_schema(path: str) -> None:
    doc = yaml.safe_load((KUBE / path).read_text(encoding="utf-8"))
    problems = []
    for version in (KUBE_VERSION, "1.37.0"):
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            problems.append(f"{version}: {exc}")
    assert problems == [], f"{path} does not validate: {problems}"


def test_a_broken_manifest_is_refused_by_the_same_check() -> None:
    doc = _manifests()["Deployment"]
    doc["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["paht"] = "/readyz"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, KUBE_VERSION, strict=True)


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((KUBE / "kustomization.yaml").read_text(encoding="utf-8"))
    files = {p.name for p in KUBE.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files


def test_deployment_runs_two_replicas_with_probes_migrations_and_the_secret() -> None:
    manifests = _manifests()
    deployment = manifests["Deployment"]
    assert deployment["spec"]["replicas"] == 2
    pod = deployment["spec"]["template"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    (bot,) = pod["spec"]["containers"]
    ports = {port["name"]: port["containerPort"] for port in bot["ports"]}
    assert ports == {"http": 3000, "metrics": 9108}
    assert bot["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
    assert bot["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    # The probes answer on METRICS_PORT (bot/observability) and Slack HTTP mode on PORT: the config says so.
    config = manifests["ConfigMap"]["data"]
    assert int(config["METRICS_PORT"]) == ports["metrics"] and int(config["PORT"]) == ports["http"]
    # Migrations run before the bot in each pod, and once per release as a Job.
    (init,) = pod["spec"]["initContainers"]
    job = manifests["Job"]["spec"]["template"]["spec"]
    assert init["command"] == ["practice-bot", "migrate"] == job["containers"][0]["command"]
    assert bot["command"] == ["practice-bot", "run"]
    secret = manifests["Secret"]["metadata"]["name"]
    for container in (bot, init, job["containers"][0]):
        assert {"secretRef": {"name": secret}} in container["envFrom"]
        assert container["image"] == bot["image"]
    # The image's user (Dockerfile: uid 10001) and a writable /tmp for the heartbeat file.
    assert pod["spec"]["securityContext"]["runAsUser"] == 10001
    assert any(m["mountPath"] == "/tmp" for m in bot["volumeMounts"])  # noqa: S108


def test_service_reaches_the_pods_on_named_ports() -> None:
    manifests = _manifests()
    service, pod = manifests["Service"], manifests["Deployment"]["spec"]["template"]
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    named = {port["name"] for port in pod["spec"]["containers"][0]["ports"]}
    assert {port["targetPort"] for port in service["spec"]["ports"]} == named


def test_secret_and_config_keys_are_settings_the_bot_reads() -> None:
    manifests = _manifests()
    keys = set(manifests["Secret"]["stringData"]) | set(manifests["ConfigMap"]["data"])
    known = {name.upper() for name in Settings.model_fields}
    assert keys and keys <= known, keys - known
    # Secrets stay out of the ConfigMap.
    assert not {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DATABASE_URL"} & set(manifests["ConfigMap"]["data"])


def test_compose_file_is_valid_against_the_compose_specification() -> None:
    schema_file = resources.files("check_jsonschema") / "builtin_schemas" / "vendor" / "compose-spec.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    jsonschema.validate(_compose(), schema)
    broken = _compose()
    broken["services"]["bot"]["depends_on"]["migrate"]["condition"] = "service_finished"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_compose_runs_migrations_once_before_the_bot_on_postgres_16() -> None:
    compose = _compose()
    services = compose["services"]
    db, migrate, bot = services["db"], services["migrate"], services["bot"]
    assert db["image"] == "postgres:16"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    volume = db["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]  # a named volume, not a bind mount
    assert migrate["command"] == ["practice-bot", "migrate"] and migrate["restart"] == "no"
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert bot["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert bot["depends_on"]["db"] == {"condition": "service_healthy"}
    assert bot["command"] == ["practice-bot", "run"]
    assert bot["healthcheck"]["test"] == ["CMD", "practice-bot", "healthcheck"]
    # Both use one image and one database URL, naming the db service and its user and database.
    assert migrate["image"] == bot["image"]
    url = bot["environment"]["DATABASE_URL"]
    assert url == migrate["environment"]["DATABASE_URL"]
    env = db["environment"]
    assert url.startswith(f"postgresql://{env['POSTGRES_USER']}:") and url.endswith(f"@db:5432/{env['POSTGRES_DB']}")
    Settings(database_url=url.replace("${POSTGRES_PASSWORD:-practice}", "practice"))  # the bot accepts it
    for service in (migrate, bot):
        assert service["env_file"] == [{"path": ".env", "required": False}]
    assert f"{bot['environment']['METRICS_PORT']}:{bot['environment']['METRICS_PORT']}" in bot["ports"]


def _ignored(patterns: list[str], path: str) -> bool:
    """Docker's rule, as far as these patterns use it: a pattern matches the path or a parent of it."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        plain = pattern.removeprefix("**/")
        for candidate in candidates:
            if fnmatch.fnmatchcase(candidate, pattern) or (
                pattern.startswith("**/") and fnmatch.fnmatchcase(candidate.rsplit("/", 1)[-1], plain)
            ):
                return True
    return False


def test_dockerignore_keeps_secrets_and_local_databases_out_of_the_build() -> None:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    for path in (".env", ".env.local", "practice-bot.db", "data/practice-bot.db", "practice-bot.db-wal", ".venv/bin"):
        assert _ignored(patterns, path), path
    for path in ("bot/cli.py", "framework/content/scenarios.yaml", "migrations/env.py", "pyproject.toml",
                 "README.md", "alembic.ini"):
        assert not _ignored(patterns, path), path  # what the Dockerfile copies


def test_podman_smoke_script_is_executable_shell() -> None:
    script = ROOT / "deploy" / "podman-smoke.sh"
    assert os.access(script, os.X_OK)
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    text = script.read_text(encoding="utf-8")
    assert "/readyz" in text and "healthcheck run" in text
