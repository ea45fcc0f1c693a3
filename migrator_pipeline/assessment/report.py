"""The assessment as Markdown: what a migrating engineer reads first, in the Dagster UI or on disk."""

from __future__ import annotations

from migrator_pipeline.assessment import BANDS, EFFORT_HOURS, PATHS, Assessment
from migrator_pipeline.catalog.model import Finding


def render_markdown(assessment: Assessment, project: str) -> str:
    sections = [
        f"# Assessment: {project}",
        _headline(assessment),
        "## By kind and predicted path",
        _kind_path_table(assessment),
        "## By complexity band",
        _band_table(assessment),
        "## Top blockers",
        _blockers_table(assessment),
        "## Dependency order",
        _order_table(assessment),
        "## Objects",
        _objects_table(assessment),
        "## Findings",
        _findings_table(assessment.findings),
    ]
    return "\n\n".join(sections) + "\n"


def _headline(assessment: Assessment) -> str:
    summary = assessment.summary
    paths = summary.get("by_path", {})
    return "\n".join(
        [
            f"- **{summary.get('objects', 0)}** objects, **{summary.get('lines', 0)}** lines of T-SQL",
            f"- Predicted path: **{paths.get('rules', 0)}** by rules, **{paths.get('llm', 0)}** by LLM, "
            f"**{paths.get('manual', 0)}** manual",
            _llm_line(summary.get("llm_estimate", {})),
            f"- Estimated effort: **{_hours(summary.get('effort_hours', 0))}** hours",
            f"- Findings: **{len(assessment.findings)}**",
        ]
    )


def _llm_line(estimate: dict) -> str:
    share = f"{estimate.get('share', 0.0) * 100:.1f}"
    return (f"- LLM, estimated before anything is spent: **{estimate.get('objects', 0)}** objects ({share}%), "
            f"about **{estimate.get('tokens', 0)}** tokens")


def _kind_path_table(assessment: Assessment) -> str:
    by_kind = assessment.summary.get("by_kind_and_path", {})
    rows = []
    for kind, counts in by_kind.items():
        cells = [counts.get(path, 0) for path in PATHS]
        rows.append([kind, *cells, sum(cells)])
    totals = [assessment.summary.get("by_path", {}).get(path, 0) for path in PATHS]
    rows.append(["**total**", *totals, sum(totals)])
    return markdown_table(["kind", *PATHS, "total"], rows)


def _band_table(assessment: Assessment) -> str:
    by_band = assessment.summary.get("by_band", {})
    rows = [[band, by_band.get(band, 0), _hours(EFFORT_HOURS[band])] for band in BANDS]
    return markdown_table(["band", "objects", "hours each"], rows)


def _blockers_table(assessment: Assessment) -> str:
    top = assessment.summary.get("top_blockers", {})
    if not top:
        return "No blockers: every object is expected to convert by rules."
    return markdown_table(["blocker", "objects"], [[feature, count] for feature, count in top.items()])


def _order_table(assessment: Assessment) -> str:
    """Waves to migrate in: each needs only what earlier waves hold."""
    order = assessment.summary.get("dependency_order", {"waves": [], "blocked_by_cycles": []})
    rows = [[index, len(wave), ", ".join(wave)] for index, wave in enumerate(order["waves"], start=1)]
    if order["blocked_by_cycles"]:
        rows.append(["on or behind a cycle", len(order["blocked_by_cycles"]),
                     ", ".join(order["blocked_by_cycles"])])
    return markdown_table(["wave", "objects", "which"], rows)


def _objects_table(assessment: Assessment) -> str:
    rows = [
        [obj.source, obj.kind, obj.lines, obj.band, obj.predicted_path, ", ".join(obj.features)]
        for obj in assessment.objects
    ]
    return markdown_table(["source", "kind", "lines", "band", "path", "features"], rows)


def _findings_table(findings: list[Finding]) -> str:
    if not findings:
        return "No findings."
    rows = [[f.severity, _location(f), f.object or "", f.message] for f in findings]
    return markdown_table(["severity", "where", "object", "message"], rows)


def _location(finding: Finding) -> str:
    if finding.file is None:
        return ""
    return f"{finding.file}:{finding.line}" if finding.line is not None else finding.file


def _hours(hours: float) -> str:
    return f"{hours:g}"


def markdown_table(header: list[str], rows: list[list]) -> str:
    lines = [_row(header), "|" + "|".join(" --- " for _ in header) + "|"]
    lines.extend(_row(row) for row in rows)
    return "\n".join(lines)


def _row(cells: list) -> str:
    return "| " + " | ".join(escape_cell(cell) for cell in cells) + " |"


def escape_cell(value: object) -> str:
    """One table cell: pipes escaped, line breaks flattened, so the table stays a table."""
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    return " ".join(text.split())
