"""evaluation.md: the scorecard as a person reads it, in the Dagster UI or on disk."""

from __future__ import annotations

from migrator_pipeline.evaluation.data_match import DataValidation
from migrator_pipeline.evaluation.row_comparison import DataMatch
from migrator_pipeline.evaluation.scorecard import (
    BUILT_AND_TESTED,
    NO_EVIDENCE,
    ROWS_MATCHED,
    STATUSES,
    Evaluation,
)


def passed_evidence(summary: dict) -> str:
    """How many passed objects rest on rows and how many on a build only: "12 verified by rows,
    19 built and tested only". Shown wherever a count of passed objects is, so that a `passed`
    without rows is never read as proven."""
    levels = summary.get("passed_by_evidence") or {}
    parts = [f"{levels.get(ROWS_MATCHED, 0)} verified by rows",
             f"{levels.get(BUILT_AND_TESTED, 0)} built and tested only"]
    if levels.get(NO_EVIDENCE):
        parts.append(f"{levels[NO_EVIDENCE]} without evidence")
    return ", ".join(parts)


def passed_summary(summary: dict) -> str:
    """"31 passed (12 verified by rows, 19 built and tested only)"."""
    return f"{summary['by_status']['passed']} passed ({passed_evidence(summary)})"


def _cell(value) -> str:
    return str(value if value is not None else "").replace("|", "\\|").replace("\n", " ")


def render_evaluation(evaluation: Evaluation, validation: DataValidation | None = None) -> str:
    summary = evaluation.summary
    lines = [
        f"# Migration evaluation: `{evaluation.project}`",
        "",
        f"**{summary['by_status']['passed']} of {summary['objects']} objects passed: "
        f"{passed_evidence(summary)}** "
        f"(success rate {summary['success_rate']:.0%}, skipped objects excluded). "
        f"dbt built {summary['models_built']} models ({summary['models_failed']} failed); "
        f"{summary['tests_passed']} dbt tests passed, {summary['tests_failed']} failed; "
        f"{summary['repaired_models']} models repaired by the rebuilder. "
        f"LLM: {summary['llm']['tokens']} tokens, ${summary['llm']['cost_usd']:.4f}.",
        "",
        "Verified by rows: the model's rows were compared with SQL Server's and are equal. Built and "
        "tested only: dbt built it and its tests passed, but no rows from SQL Server were compared, "
        "so its rows are not proven; `migrator capture-kit` writes the script that exports them.",
        "",
        "## By kind",
        "",
        "| kind | " + " | ".join(STATUSES) + " |",
        "|---|" + "---:|" * len(STATUSES),
    ]
    for kind, counts in sorted(summary["by_kind"].items()):
        lines.append(f"| {kind} | " + " | ".join(str(counts[s]) for s in STATUSES) + " |")
    lines += ["", "## Objects", "", "| source | kind | status | evidence | method | attempts | models | reason |",
              "|---|---|---|---|---|---:|---|---|"]
    order = {status: i for i, status in enumerate(("failed", "needs_review", "passed", "skipped"))}
    for score in sorted(evaluation.objects, key=lambda s: (order[s.status], s.source.lower())):
        models = ", ".join(m["name"] for m in score.models)
        if score.macro:
            models = f"macro {score.macro['name']}, used by " + (", ".join(score.macro["used_by"]) or "no model")
        lines.append(f"| {_cell(score.source)} | {score.kind} | {score.status} | {_EVIDENCE[score.evidence]} | "
                     f"{score.method} | "
                     f"{score.attempts} | {_cell(models)} | {_cell(score.reason)} |")
    lines += render_data_validation(validation)
    lines += _row_counts(evaluation, validation)
    return "\n".join(lines) + "\n"


def _row_counts(evaluation: Evaluation, validation: DataValidation | None) -> list[str]:
    """How many source tables' raw copies were checked against SQL Server's row counts."""
    if validation is None or not validation.row_counts:
        return []
    short = [s.source for s in evaluation.objects if s.kind == "table" and s.reason
             and s.reason.startswith("the raw copy has")]
    tables = len(validation.row_counts)
    differ = "1 raw copy differs" if len(short) == 1 else f"{len(short)} raw copies differ"
    return ["", f"Row counts: {tables} source table{'' if tables == 1 else 's'} compared with SQL Server's "
                f"(`expected/row_counts.csv`); {differ}" + (f": {', '.join(_cell(s) for s in short)}." if short else ".")]


_EVIDENCE = {ROWS_MATCHED: "rows matched", BUILT_AND_TESTED: "built and tested only", NO_EVIDENCE: ""}


def render_data_validation(validation: DataValidation | None) -> list[str]:
    """The "Data validation" section: each compared object, and the rows that differ."""
    lines = ["", "## Data validation", ""]
    if validation is None or (not validation.matches and not validation.findings):
        return lines + ["No expected results: no model's rows were compared with SQL Server's. Put "
                        "`expected/<schema>.<object>.csv` files beside the scripts, or migrate from a live server."]
    matched = sum(1 for m in validation.matches if m.matched)
    lines += [f"{matched} of {len(validation.matches)} compared objects return the same rows as SQL Server "
              "(compared as multisets: order ignored, duplicates counted).", ""]
    if validation.matches:
        lines += ["| object | model | expected from | SQL Server rows | model rows | result |",
                  "|---|---|---|---:|---:|---|"]
        for match in sorted(validation.matches, key=lambda m: (m.matched, m.source.lower())):
            lines.append(f"| {_cell(match.source)} | {_cell(match.relation or match.model)} | {_cell(match.origin)} | "
                         f"{match.expected_rows} | {_cell(match.actual_rows)} | {_result(match)} |")
    for match in sorted(validation.matches, key=lambda m: m.source.lower()):
        if not match.matched:
            lines += _differences(match)
    if validation.findings:
        lines += ["", "### Findings", ""]
        lines += [f"- {f.severity}: {_cell(f.message)}" + (f" (`{f.file}`" + (f", line {f.line}" if f.line else "") + ")"
                                                      if f.file else "") for f in validation.findings]
    return lines


def _result(match: DataMatch) -> str:
    if match.matched:
        return "matched"
    if match.reason:
        return f"differs: {_cell(match.reason)}"
    types = f"; {'; '.join(_cell(t) for t in match.type_differences)}" if match.type_differences else ""
    return f"differs: {match.missing} missing, {match.unexpected} unexpected{types}"


def _differences(match: DataMatch) -> list[str]:
    lines = ["", f"### {_cell(match.source)}", ""]
    if match.reason:
        return lines + [f"Not compared row by row: {_cell(match.reason)}."]
    shown = len(match.missing_rows) + len(match.unexpected_rows)
    lines += [f"Type: {_cell(t)}." for t in match.type_differences]
    lines += [""] if match.type_differences else []
    lines += [f"Missing from `{match.relation}` (SQL Server returns them): {_rows(match.missing)}; "
              f"unexpected (only the model returns them): {_rows(match.unexpected)}"
              + (" (the first of each shown)." if shown < match.missing + match.unexpected else "."), ""]
    lines += ["| difference | " + " | ".join(_cell(c) for c in match.columns) + " |",
              "|---|" + "---|" * len(match.columns)]
    for label, rows in (("missing", match.missing_rows), ("unexpected", match.unexpected_rows)):
        for row in rows:
            lines.append(f"| {label} | " + " | ".join(_value(row.get(c)) for c in match.columns) + " |")
    return lines


def _rows(count: int) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _value(value: str | None) -> str:
    return "NULL" if value is None else _cell(value)
