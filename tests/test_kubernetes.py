"""One pod per step on Kubernetes, as far as it can be checked without a cluster: the environment
chooses dagster-k8s's k8s_job_executor for the jobs, the Helm values say so to every pod and
share MIGRATOR_HOME between them, with documented chart keys only, and the image installs
dagster-k8s pinned with the other Dagster packages."""

from __future__ import annotations

import tomllib

import dagster as dg
import pytest
import yaml
from dagster_k8s import k8s_job_executor

from migrator_pipeline.defs.environment import STEP_EXECUTOR, step_executor
from migrator_pipeline.settings import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
JOBS = ("migrate_project", "revalidate_project")


def _definitions(monkeypatch, tmp_path, executor: str | None) -> dg.Definitions:
    from migrator_pipeline.definitions import build_definitions

    monkeypatch.setenv("MIGRATOR_HOME", str(tmp_path))  # no project's dbt models: neither the user's nor the suite's
    if executor is None:
        monkeypatch.delenv(STEP_EXECUTOR, raising=False)
    else:
        monkeypatch.setenv(STEP_EXECUTOR, executor)
    return build_definitions()


def test_the_jobs_run_a_pod_per_step_when_the_environment_says_kubernetes(monkeypatch, tmp_path):
    defs = _definitions(monkeypatch, tmp_path, "k8s")
    for name in JOBS:
        job = defs.resolve_job_def(name)
        assert job.executor_def is k8s_job_executor, name
        assert job.executor_def.name == "k8s"


def test_the_jobs_run_their_steps_in_one_process_by_default(monkeypatch, tmp_path):
    defs = _definitions(monkeypatch, tmp_path, None)
    for name in JOBS:
        assert defs.resolve_job_def(name).executor_def is dg.in_process_executor, name


def test_an_unknown_executor_is_one_clear_error(monkeypatch):
    monkeypatch.setenv(STEP_EXECUTOR, "celery")
    with pytest.raises(ValueError, match=r"^MIGRATOR_STEP_EXECUTOR must be 'in_process' or 'k8s', not 'celery'$"):
        step_executor()


def _env_of(deployment: dict) -> dict[str, str]:
    return {item["name"]: item["value"] for item in deployment["env"]}


def test_the_helm_values_give_every_pod_the_step_executor_and_the_shared_home():
    values = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text())
    (code_location,) = values["dagster-user-deployments"]["deployments"]
    launcher = values["runLauncher"]["config"]["k8sRunLauncher"]
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    run_env = dict(item.split("=", 1) for item in launcher["envVars"])
    assert _env_of(code_location) == run_env == {STEP_EXECUTOR: "k8s", "MIGRATOR_HOME": "/mnt/migrator-home"}
    # steps hand their outputs over as files: the step pods (which inherit the run pod's volumes)
    # and the code location (which reads the manifests) mount one claim at MIGRATOR_HOME
    for pod in (code_location, launcher):
        assert pod["volumes"] == [{"name": "migrator-home", "persistentVolumeClaim": {"claimName": "migrator-home"}}]
        assert pod["volumeMounts"] == [{"name": "migrator-home", "mountPath": "/mnt/migrator-home"}]


def _key_paths(value, prefix: str = "") -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_key_paths(v, f"{prefix}.{k}" if prefix else str(k)) for k, v in value.items()))
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        return set().union(*(_key_paths(item, f"{prefix}[]") for item in value))
    return {prefix}


def test_the_kubernetes_keys_are_documented_chart_keys():
    values = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text())
    lines = (DEPLOY / "helm" / "chart_keys.txt").read_text().splitlines()
    documented = {line.split()[0] for line in lines if line.strip() and not line.startswith("#")}
    assert _key_paths(values) - documented == set()


def test_dagster_k8s_is_pinned_with_dagster_and_installed_in_the_image():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    pins = {spec.split("==")[0]: spec.split("==")[1] for spec in project["project"]["dependencies"] if "==" in spec}
    assert project["project"]["optional-dependencies"]["k8s"] == ["dagster-k8s==0.29.27"]
    assert pins["dagster"] == "1.13.27" and pins["dagster-dbt"] == "0.29.27"  # the libraries' 0.29 is dagster's 1.13
    syncs = [line for line in (DEPLOY / "Dockerfile").read_text().splitlines() if line.startswith("RUN uv sync")]
    assert len(syncs) == 2 and all("--extra k8s" in line and "--frozen" in line for line in syncs)
