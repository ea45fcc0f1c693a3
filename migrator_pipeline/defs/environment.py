"""Which resources this code location runs with: the one place that tells local from production.

- Warehouse: production names an existing PostgreSQL in MIGRATOR_WAREHOUSE_URL; locally (the
  variable unset) the warehouse is the embedded PostgreSQL under MIGRATOR_HOME, started on first use.
- Claude: a deployment with Claude sets MIGRATOR_LLM_ENABLED=1 and ANTHROPIC_API_KEY; without
  both, the rules path runs alone and no request is ever made.

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
