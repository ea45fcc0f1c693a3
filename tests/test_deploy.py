"""What can be checked of the Kubernetes deployment without a cluster: the Helm values use only the
chart's documented keys, and the image's environment builds from uv.lock as the Dockerfile does."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from migrator_pipeline.settings import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"


def _chart_keys() -> set[str]:
    lines = (DEPLOY / "helm" / "chart_keys.txt").read_text().splitlines()
    return {line.split()[0] for line in lines if line.strip() and not line.startswith("#")}


def key_paths(value, prefix: str = "") -> set[str]:
    """`a.b[].c` for every leaf of a YAML document, lists of mappings written `[]` (a list of
    scalars, such as arguments, is one value)."""
    if isinstance(value, dict):
        return set().union(*(key_paths(v, f"{prefix}.{k}" if prefix else str(k)) for k, v in value.items())) \
            if value else {prefix}
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return set().union(*(key_paths(item, f"{prefix}[]") for item in value)) if value else {prefix}
    return {prefix}


def test_key_paths():
    assert key_paths({"a": {"b": [{"c": 1}, {"d": 2}]}, "e": 3, "f": ["-m", "x"]}) == {"a.b[].c", "a.b[].d", "e", "f"}


def test_the_helm_values_use_only_the_charts_documented_keys():
    values = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text())
    assert key_paths(values) - _chart_keys() == set()
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert values["postgresql"]["enabled"] is False  # an external PostgreSQL
    assert "postgresqlPassword" not in values["postgresql"]  # the password comes from a Secret


def test_the_instance_config_holds_the_same_run_limits_as_the_helm_values():
    local = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())["concurrency"]["runs"]
    chart = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text())["concurrency"]["runs"]
    assert local["tag_concurrency_limits"] == [{"key": "dagster/partition", "value": {"applyLimitPerUniqueValue": True},
                                                "limit": 1}] == chart["tagConcurrencyLimits"]


def _dockerfile_copies() -> list[str]:
    """The repository paths the Dockerfile copies, in order."""
    lines = (DEPLOY / "Dockerfile").read_text().splitlines()
    return [part for line in lines if line.startswith("COPY ") and "--from=" not in line
            for part in line.split()[1:-1]]


@pytest.mark.slow
def test_the_image_environment_builds_from_the_lock_file_in_a_clean_directory(tmp_path):
    """The Dockerfile's two `uv sync --frozen --no-dev` steps, in a directory holding only what it
    copies, with a fresh virtual environment (packages come from uv's cache or the registry).
    Files are hard-linked from uv's cache where the Dockerfile copies them (UV_LINK_MODE=copy,
    its cache being outside the image): the same packages and files, in seconds, not minutes."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    build = tmp_path / "image"
    build.mkdir()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_PROJECT", "PYTHONPATH"))},
           "UV_PROJECT_ENVIRONMENT": str(tmp_path / "venv"), "UV_LINK_MODE": "hardlink"}
    copies = _dockerfile_copies()
    assert copies[:2] == ["pyproject.toml", "uv.lock"]
    for name in copies[:2]:
        shutil.copy(REPO_ROOT / name, build / name)
    first = subprocess.run([uv, "sync", "--frozen", "--no-dev", "--no-install-project"], cwd=build, env=env,
                           capture_output=True, text=True, timeout=900)
    assert first.returncode == 0, first.stderr[-3000:]
    for name in copies[2:]:
        source, target = REPO_ROOT / name, build / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "target", "logs"))
        else:
            shutil.copy(source, target)
    second = subprocess.run([uv, "sync", "--frozen", "--no-dev"], cwd=build, env=env,
                            capture_output=True, text=True, timeout=900)
    assert second.returncode == 0, second.stderr[-3000:]
    python = tmp_path / "venv" / "bin" / "python"
    loaded = subprocess.run([str(python), "-c", "import dagster, dagster_dbt, dagster_postgres, migrator_pipeline; "
                             "print(migrator_pipeline.__file__)"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert Path(loaded.stdout.strip()).is_relative_to(build)
    assert not (tmp_path / "venv" / "bin" / "pytest").exists()  # --no-dev: no test tools in the image
