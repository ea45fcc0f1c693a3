"""Benchmark: how much of an estate converts, by object kind, against raw sqlglot on the same SELECTs.

    uv run python benchmarks/bench_conversion.py [ESTATE ...]

Default estates: examples/sales_dw and examples/trap_estate. For each, runs the real pipeline
(`migrator migrate`) under a temporary MIGRATOR_HOME with the LLM switched off, reads the project's
evaluation.json and counts, per object kind: objects, converted (every model drafted), built
(every model built by dbt), tests passed, data matched (the evaluator's per-object `data_match`
evidence; "n/a" when the evaluator does not report it) and passed.

Side by side, raw sqlglot: each view's SELECT and each procedure's loading SELECT is transpiled
with `sqlglot.transpile(sql, read="tsql", write="postgres")`, its tables pointed at the raw tables
the pipeline loaded (`<project>_raw.<schema>__<table>`) and the views it reads at the temporary
views made from them, then run on the same PostgreSQL: "built" when the SELECT runs, "rows match"
when its rows equal the estate's `expected/<schema>.<object>.csv` by the evaluator's own comparator
(`evaluation.row_comparison.compare_rows`: multisets, exact values). Prints markdown tables and the wall time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp

REPO = Path(__file__).resolve().parents[1]
DEFAULT_ESTATES = [REPO / "examples" / "sales_dw", REPO / "examples" / "trap_estate"]
KINDS = ("table", "view", "procedure", "function", "trigger")


@dataclass
class KindCounts:
    objects: int = 0
    converted: int = 0
    built: int = 0
    tests_passed: int = 0
    data_compared: int = 0
    data_matched: int = 0
    passed: int = 0


@dataclass
class RawCounts:
    objects: int = 0
    built: int = 0
    compared: int = 0
    matched: int = 0
    errors: Counter = field(default_factory=Counter)
    outcomes: dict = field(default_factory=dict)  # object -> "error: ...", "built", "matched", "differs"


# --- the pipeline's evaluation ---------------------------------------------------------------

def pipeline_counts(evaluation: dict) -> dict[str, KindCounts]:
    counts: dict[str, KindCounts] = {}
    for obj in evaluation["objects"]:
        kind = counts.setdefault(obj["kind"], KindCounts())
        evidence = obj.get("model_results") or []
        kind.objects += 1
        macro_ok = obj.get("artifact") == "macro" and obj["status"] != "failed"
        converted = macro_ok or (bool(evidence) and all(e["drafted"] for e in evidence))
        built = macro_ok or (bool(evidence) and all(e["built"] for e in evidence))
        kind.converted += converted
        kind.built += built
        kind.tests_passed += built and all(e["tests_failed"] == 0 for e in evidence)
        compared, matched = data_match_of(obj)
        kind.data_compared += compared
        kind.data_matched += matched
        kind.passed += obj["status"] == "passed"
    return counts


def data_match_of(obj: dict) -> tuple[bool, bool]:
    """(compared, matched) from the evaluator's `data_match`, on the object or on its models."""
    found = [obj["data_match"]] if isinstance(obj.get("data_match"), dict) else []
    found += [e["data_match"] for e in obj.get("model_results") or [] if isinstance(e.get("data_match"), dict)]
    compared = [m for m in found if m.get("compared")]
    if not compared:
        return False, False
    return True, all(m.get("matched") and m.get("matched") == m.get("compared") for m in compared)


def has_data_evidence(evaluation: dict) -> bool:
    return any(data_match_of(obj)[0] or "data_match" in obj for obj in evaluation["objects"])


# --- raw sqlglot --------------------------------------------------------------------------------

def loading_select(body: str) -> tuple[exp.Query | None, str | None]:
    """A procedure's SELECT that produces its target's rows, and the target's name."""
    statements = [s for s in sqlglot.parse(body, read="tsql") if s is not None]
    create = next((s for s in statements if isinstance(s, exp.Create)), None)
    if create is None:
        return None, None
    nodes = list(create.find_all(exp.Insert, exp.Merge, exp.Select))
    for node in reversed(nodes):  # the last load is the one that fills the target
        if isinstance(node, exp.Insert) and isinstance(node.expression, exp.Query):
            select = node.expression
            if not any(_is_temporary(t) for t in select.find_all(exp.Table)):
                return _with_ctes(select.copy(), node), _table_name(node.this)
            staged = _staging_select(create)
            return (staged, _table_name(node.this)) if staged is not None else (None, _table_name(node.this))
        if isinstance(node, exp.Merge):
            using = node.args.get("using")
            query = using.this if isinstance(using, exp.Subquery) else None
            if isinstance(query, exp.Query):
                return _with_ctes(query.copy(), node), _table_name(node.this)
    return None, None


def _staging_select(create: exp.Create) -> exp.Query | None:
    """SELECT ... INTO #Stage FROM (<select>) AS src: the select that a chain of #temp tables copies."""
    for select in create.find_all(exp.Select):
        into = select.args.get("into")
        if into is None or not _is_temporary(into.this):
            continue
        source = select.args.get("from")
        inner = source.this if source is not None else None
        if isinstance(inner, exp.Subquery) and isinstance(inner.this, exp.Query):
            return inner.this.copy()
        plain = select.copy()
        plain.set("into", None)
        if not any(_is_temporary(t) for t in plain.find_all(exp.Table)):
            return plain
    return None


def _is_temporary(table: exp.Expression) -> bool:
    """sqlglot reads `#Stage` as the identifier `Stage` marked temporary."""
    identifier = table.this if isinstance(table, exp.Table) else table
    return bool(identifier.args.get("temporary")) or identifier.name.startswith("#")


def _with_ctes(select: exp.Query, statement: exp.Expression) -> exp.Query:
    with_ = statement.args.get("with") or statement.args.get("with_")
    if with_ is not None and not select.args.get("with"):
        select.set("with", with_.copy())
    return select


def _table_name(node: exp.Expression) -> str | None:
    table = node if isinstance(node, exp.Table) else node.find(exp.Table)
    return f"{table.db or 'dbo'}.{table.name}" if table is not None else None


def view_select(body: str) -> exp.Query | None:
    statement = sqlglot.parse_one(body, read="tsql")
    query = statement.expression if isinstance(statement, exp.Create) else None
    return query if isinstance(query, exp.Query) else None


def point_at_raw(query: exp.Query, raw_schema: str, views: set[str]) -> exp.Query:
    """Tables -> `<raw>.<schema>__<table>`; views already made -> their temporary view."""
    ctes = {cte.alias_or_name.lower() for cte in query.find_all(exp.CTE)}
    for table in list(query.find_all(exp.Table)):
        if not table.name or (not table.db and table.name.lower() in ctes):
            continue
        key = f"{table.db or 'dbo'}__{table.name}".lower()
        alias = table.args.get("alias")
        if key in views:
            replacement = exp.table_(key)
        else:
            replacement = exp.table_(key, db=raw_schema)
        if alias is not None:
            replacement.set("alias", alias)
        table.replace(replacement)
    return query


def raw_sqlglot(estate: Path, catalog, url: str, raw_schema: str) -> dict[str, RawCounts]:
    import psycopg2
    from psycopg2 import sql

    from migrator_pipeline.evaluation.row_comparison import compare_rows
    from migrator_pipeline.evaluation.value_normalisation import column_kind

    counts = {"view": RawCounts(), "procedure": RawCounts()}
    made_views: set[str] = set()
    with contextlib.closing(psycopg2.connect(url)) as conn:
        conn.autocommit = True
        cur = conn.cursor()
        for obj in catalog.objects:
            if obj.kind not in counts:
                continue
            tally = counts[obj.kind]
            tally.objects += 1
            try:
                if obj.kind == "view":
                    query, target = view_select(obj.body), obj.source
                else:
                    query, target = loading_select(obj.body)
                if query is None:
                    raise ValueError("no SELECT found")
                query = point_at_raw(query, raw_schema, made_views)
                transpiled = sqlglot.transpile(query.sql(dialect="tsql"), read="tsql", write="postgres")[0]
                if obj.kind == "view":
                    name = f"{obj.schema}__{obj.name}".lower()
                    cur.execute(sql.SQL("create temp view {} as {}").format(sql.Identifier(name), sql.SQL(transpiled)))
                    made_views.add(name)
                    cur.execute(sql.SQL("select * from {}").format(sql.Identifier(name)))
                else:
                    cur.execute(transpiled)
                rows = cur.fetchall()
            except Exception as error:  # noqa: BLE001 - every failure is a data point, counted by kind
                tally.errors[_first_line(error)] += 1
                tally.outcomes[obj.source] = f"error: {str(error).strip().splitlines()[0] if str(error).strip() else error!r}"
                continue
            tally.built += 1
            tally.outcomes[obj.source] = "built"
            expected = expected_result(estate, catalog, target)
            if expected is None:
                continue
            tally.compared += 1
            # the product's comparator: the same exact, multiset comparison the evaluator makes
            match = compare_rows(expected, "raw sqlglot", None, [d[0] for d in cur.description],
                                 [column_kind(d[1]) for d in cur.description], rows)
            tally.matched += match.matched
            tally.outcomes[obj.source] = "matched" if match.matched else "differs"
    return counts


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return re.sub(r"\d+", "N", (text[0] if text else type(error).__name__))[:90]


# --- expected rows ------------------------------------------------------------------------------

def expected_result(estate: Path, catalog, target: str | None):
    """The estate's `expected/<target>.csv`, read as the evaluator reads it (None when absent or unreadable)."""
    from migrator_pipeline.evaluation.expected_rows import EXPECTED_FOLDER, read_expected_file

    if target is None:
        return None
    wanted = target.replace("[", "").replace("]", "").lower() + ".csv"
    folder = estate / EXPECTED_FOLDER
    found = next((p for p in folder.glob("*.csv") if p.name.lower() == wanted), None) if folder.is_dir() else None
    return read_expected_file(found, catalog)[0] if found is not None else None


# --- running ----------------------------------------------------------------------------------

def run_estate(estate: Path, project: str, keep: Path | None = None) -> dict:
    from migrator_pipeline.catalog.scripts import read_catalog
    from migrator_pipeline.cli import main as migrator
    from migrator_pipeline.project_files import ProjectFiles
    from migrator_pipeline.settings import warehouse_url

    started = time.perf_counter()
    status = migrator(["migrate", str(estate), "--project", project])
    seconds = time.perf_counter() - started
    evaluation_file = ProjectFiles(project).path("evaluation.json")
    if status != 0 or not evaluation_file.exists():
        raise SystemExit(f"bench_conversion: migrating {estate} failed with status {status}")
    evaluation = json.loads(evaluation_file.read_text(encoding="utf-8"))
    catalog = read_catalog(estate)
    raw = raw_sqlglot(estate, catalog, warehouse_url(), f"{project}_raw")
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        for name in ("evaluation.json", "evaluation.md"):
            shutil.copy(ProjectFiles(project).path(name), keep / f"{project}.{name}")
        outcomes = {kind: tally.outcomes for kind, tally in raw.items()}
        (keep / f"{project}.raw_sqlglot.json").write_text(json.dumps(outcomes, indent=1), encoding="utf-8")
    return {"estate": estate.name, "seconds": seconds, "evaluation": evaluation, "raw": raw}


def markdown(result: dict) -> str:
    evaluation, raw = result["evaluation"], result["raw"]
    counts = pipeline_counts(evaluation)
    data_known = has_data_evidence(evaluation)
    lines = [
        f"### {result['estate']} (pipeline {result['seconds']:.0f} s)",
        "",
        "| kind | objects | converted | built | tests passed | data matched | passed "
        "| raw sqlglot built | raw sqlglot rows match |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind in sorted(counts, key=lambda k: KINDS.index(k) if k in KINDS else len(KINDS)):
        c = counts[kind]
        data = f"{c.data_matched}/{c.data_compared}" if data_known and c.data_compared else "n/a"
        r = raw.get(kind)
        raw_built = f"{r.built}/{r.objects}" if r else "-"
        raw_rows = (f"{r.matched}/{r.compared}" if r.compared else "n/a") if r else "-"
        lines.append(f"| {kind} | {c.objects} | {c.converted} | {c.built} | {c.tests_passed} | {data} "
                     f"| {c.passed} | {raw_built} | {raw_rows} |")
    for kind, r in raw.items():
        for message, count in r.errors.most_common(3):
            lines.append(f"\n- raw sqlglot, {kind}: {count} x `{message}`")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("estates", nargs="*", type=Path, default=DEFAULT_ESTATES)
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="copy each project's evaluation.json/.md and raw sqlglot outcomes here")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["MIGRATOR_HOME"] = str(Path(scratch) / "home")
        for variable in ("MIGRATOR_WAREHOUSE_URL", "MIGRATOR_DAGSTER_STORAGE_URL", "MIGRATOR_LLM_ENABLED"):
            os.environ.pop(variable, None)
        from migrator_pipeline.warehouse.embedded import stop_embedded_server

        try:
            results = [run_estate(estate.resolve(), _project_name(estate), args.keep) for estate in args.estates]
        finally:
            stop_embedded_server()
    print(f"\n## Conversion benchmark (sqlglot {sqlglot.__version__})\n")
    for result in results:
        print(markdown(result) + "\n")
    print(f"total wall time: {time.perf_counter() - started:.0f} s")


def _project_name(estate: Path) -> str:
    return "bench_" + re.sub(r"[^a-z0-9_]+", "_", estate.name.lower())


if __name__ == "__main__":
    sys.exit(main())
