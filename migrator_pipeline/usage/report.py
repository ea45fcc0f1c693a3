"""The usage report: per project and day, the sums of the steps' usage metadata, beside the budget."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

SUMMED = ("llm_requests", "llm_input_tokens", "llm_output_tokens", "llm_cache_read_tokens",
          "llm_cache_write_tokens", "llm_cost_usd", "duration_s")


@dataclass(frozen=True)
class StepUsage:
    """One step's materialization: which project, which step, which UTC day, and its numbers."""

    project: str
    step: str
    day: str  # YYYY-MM-DD
    metrics: dict[str, float]


@dataclass
class UsageRow:
    project: str
    day: str
    steps: int = 0
    totals: dict[str, float] = field(default_factory=lambda: dict.fromkeys(SUMMED, 0))


@dataclass(frozen=True)
class BudgetLimit:
    usd: float = 0.0
    tokens: int = 0

    def describe(self, spent_usd: float, spent_tokens: int) -> str:
        if self.usd:
            return f"${spent_usd:.4f} of ${self.usd:.2f} ({spent_usd / self.usd:.0%})"
        if self.tokens:
            return f"{spent_tokens} of {self.tokens} tokens ({spent_tokens / self.tokens:.0%})"
        return "no budget"


def aggregate(steps: Iterable[StepUsage]) -> list[UsageRow]:
    rows: dict[tuple[str, str], UsageRow] = {}
    for step in steps:
        row = rows.setdefault((step.project, step.day), UsageRow(step.project, step.day))
        row.steps += 1
        for key in SUMMED:
            row.totals[key] += step.metrics.get(key, 0) or 0
    for row in rows.values():
        row.totals["llm_cost_usd"] = round(row.totals["llm_cost_usd"], 6)
        row.totals["duration_s"] = round(row.totals["duration_s"], 3)
    return [rows[key] for key in sorted(rows)]


def _tokens(totals: dict[str, float]) -> int:
    return int(sum(totals[k] for k in ("llm_input_tokens", "llm_output_tokens",
                                       "llm_cache_read_tokens", "llm_cache_write_tokens")))


def render_markdown(rows: list[UsageRow], budget: BudgetLimit) -> str:
    """Budget use is the project's total over every day shown, beside each of its rows."""
    project_totals: dict[str, tuple[float, int]] = {}
    for row in rows:
        usd, tokens = project_totals.get(row.project, (0.0, 0))
        project_totals[row.project] = (usd + row.totals["llm_cost_usd"], tokens + _tokens(row.totals))
    lines = ["| project | day | steps | requests | input | output | cache read | cache write | "
             "cost (USD) | seconds | budget used |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        t = row.totals
        lines.append(
            f"| {row.project} | {row.day} | {row.steps} | {int(t['llm_requests'])} | "
            f"{int(t['llm_input_tokens'])} | {int(t['llm_output_tokens'])} | "
            f"{int(t['llm_cache_read_tokens'])} | {int(t['llm_cache_write_tokens'])} | "
            f"{t['llm_cost_usd']:.6f} | {t['duration_s']:.1f} | "
            f"{budget.describe(*project_totals[row.project])} |")
    if not rows:
        lines.append("| (no runs) | | | | | | | | | | |")
    return "\n".join(lines) + "\n"
