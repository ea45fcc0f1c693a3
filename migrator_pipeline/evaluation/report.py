"""evaluation.md: the scorecard as a person reads it, in the Dagster UI or on disk."""

from __future__ import annotations

from migrator_pipeline.evaluation.scorecard import STATUSES, Evaluation


def _cell(value) -> str:
    return str(value if value is not None else "").replace("|", "\\|").replace("\n", " ")


def render_evaluation(evaluation: Evaluation) -> str:
    summary = evaluation.summary
    lines = [
        f"# Migration evaluation: `{evaluation.project}`",
        "",
        f"**{summary['by_status']['passed']} of {summary['objects']} objects passed** "
        f"(success rate {summary['success_rate']:.0%}, skipped objects excluded). "
        f"dbt built {summary['models_built']} models ({summary['models_failed']} failed); "
        f"{summary['tests_passed']} dbt tests passed, {summary['tests_failed']} failed; "
        f"{summary['repaired_models']} models repaired by the rebuilder. "
        f"LLM: {summary['llm']['tokens']} tokens, ${summary['llm']['cost_usd']:.4f}.",
        "",
        "## By kind",
        "",
        "| kind | " + " | ".join(STATUSES) + " |",
        "|---|" + "---:|" * len(STATUSES),
    ]
    for kind, counts in sorted(summary["by_kind"].items()):
        lines.append(f"| {kind} | " + " | ".join(str(counts[s]) for s in STATUSES) + " |")
    lines += ["", "## Objects", "", "| source | kind | status | method | attempts | models | reason |",
              "|---|---|---|---|---:|---|---|"]
    order = {status: i for i, status in enumerate(("failed", "needs_review", "passed", "skipped"))}
    for score in sorted(evaluation.objects, key=lambda s: (order[s.status], s.source.lower())):
        models = ", ".join(m["name"] for m in score.models)
        lines.append(f"| {_cell(score.source)} | {score.kind} | {score.status} | {score.method} | "
                     f"{score.attempts} | {_cell(models)} | {_cell(score.reason)} |")
    return "\n".join(lines) + "\n"
