"""Which resources this code location runs with: the one place that tells local from production.

- Warehouse: production names an existing PostgreSQL in MIGRATOR_WAREHOUSE_URL; locally (the
  variable unset) the warehouse is the embedded PostgreSQL under MIGRATOR_HOME, started on first use.
- Claude: a deployment with Claude sets MIGRATOR_LLM_ENABLED=1 and ANTHROPIC_API_KEY; without
  both, the rules path runs alone and no request is ever made.
- Steps: locally a run executes its steps one after another in its own process; on Kubernetes
  (MIGRATOR_STEP_EXECUTOR=k8s, set by deploy/helm/values.yaml) each step runs in its own pod.

Within each choice, secrets and URLs reach the resources as `dg.EnvVar`, unconditionally: Dagster
resolves them when a run starts and shows their names, never their values. The switch and the
optional tuning of Claude (model, budget) are plain configuration with defaults, read here and
nowhere else (a bool or float field takes no EnvVar); the steps read them from LlmResource.
"""

from __future__ import annotations

import os

import dagster as dg

from migrator_pipeline.agents.llm import DEFAULT_MODEL
from migrator_pipeline.defs.resources import DbtResource, LlmResource, WarehouseResource
from migrator_pipeline.settings import WAREHOUSE_URL

LLM_ENABLED = "MIGRATOR_LLM_ENABLED"
ANTHROPIC_API_KEY = "ANTHROPIC_API_KEY"


STEP_EXECUTOR = "MIGRATOR_STEP_EXECUTOR"


def step_executor() -> dg.ExecutorDefinition:
    """How a run executes its steps. Locally in one process: the steps run one after another and
    are short, and a process per step (Dagster's default) spent about 8 s importing per step, more
    than most steps take. On Kubernetes, dagster-k8s's k8s_job_executor: a pod per step, each with
    the run pod's image, secrets and volumes (MIGRATOR_HOME must be a volume every pod shares)."""
    choice = os.environ.get(STEP_EXECUTOR) or "in_process"
    if choice == "in_process":
        return dg.in_process_executor
    if choice != "k8s":
        raise ValueError(f"{STEP_EXECUTOR} must be 'in_process' or 'k8s', not {choice!r}")
    try:  # the `k8s` extra: installed in the image (deploy/Dockerfile), not by default
        from dagster_k8s import k8s_job_executor
    except ImportError:
        raise ValueError(f"{STEP_EXECUTOR}=k8s needs dagster-k8s: install the package with its "
                         "`k8s` extra (uv sync --extra k8s)") from None
    return k8s_job_executor


def migrator_resources() -> dict[str, dg.ConfigurableResource]:
    return {"warehouse": warehouse_resource(), "dbt": DbtResource(), "llm": llm_resource()}


def warehouse_resource() -> WarehouseResource:
    if WAREHOUSE_URL not in os.environ:
        return WarehouseResource()  # local: the embedded server
    return WarehouseResource(url=dg.EnvVar(WAREHOUSE_URL))


def llm_resource() -> LlmResource:
    if not _switched_on(LLM_ENABLED) or ANTHROPIC_API_KEY not in os.environ:
        return LlmResource()  # off
    return LlmResource(
        enabled=True,
        api_key=dg.EnvVar(ANTHROPIC_API_KEY),
        model=os.environ.get("MIGRATOR_LLM_MODEL") or DEFAULT_MODEL,
        budget_tokens=llm_budget_tokens(),
        budget_usd=llm_budget_usd(),
        proceed_over_estimate=_switched_on("MIGRATOR_LLM_PROCEED"),
    )


def _switched_on(variable: str) -> bool:
    return os.environ.get(variable, "") in ("1", "true", "yes")


# the budget is also shown beside each project in the usage report, with Claude on or off
def llm_budget_usd() -> float:
    return float(os.environ.get("MIGRATOR_LLM_BUDGET_USD") or 0)


def llm_budget_tokens() -> int:
    return int(os.environ.get("MIGRATOR_LLM_BUDGET_TOKENS") or 0)
