"""Benchmark: the six public sample estates of microsoft/sql-server-samples, migrated with rules only.

    uv run python benchmarks/bench_samples.py [--samples DIR] [--keep DIR] [--home DIR]
        [--warehouse-url URL] [--only NAME ...]

The samples root is `--samples`, else the environment variable MIGRATOR_SAMPLES, else
/work/samples/samples/databases. Estates (paths under the root):
- northwind: northwind-pubs/instnwnd.sql
- pubs: northwind-pubs/instpubs.sql
- aw_oltp: adventure-works/oltp-install-script/
- aw_dw: adventure-works/data-warehouse-install-script/
- wwi: wide-world-importers/wwi-ssdt/wwi-ssdt/ (the SSDT project)
- wwi_dw: wide-world-importers/wwi-dw-ssdt/wwi-dw-ssdt/ (the SSDT project)

Each estate runs through the real pipeline (`migrator migrate`) under a temporary MIGRATOR_HOME
with the LLM switched off, on the embedded PostgreSQL unless `--warehouse-url` names another (one
built with libxml, for AdventureWorks' xml columns). The script prints, per estate and object kind, the count by status and
the most frequent reasons of the objects that did not pass, as markdown. An estate whose files are
absent is reported as absent; one whose migration fails is reported with its exit status; neither
stops the others.
"""

from __future__ import annotations

import argparse
import contextlib
import io
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

DEFAULT_SAMPLES = Path("/work/samples/samples/databases")
ESTATES = {
    "northwind": "northwind-pubs/instnwnd.sql",
    "pubs": "northwind-pubs/instpubs.sql",
    "aw_oltp": "adventure-works/oltp-install-script",
    "aw_dw": "adventure-works/data-warehouse-install-script",
    "wwi": "wide-world-importers/wwi-ssdt/wwi-ssdt",
    "wwi_dw": "wide-world-importers/wwi-dw-ssdt/wwi-dw-ssdt",
}
STATUSES = ("passed", "failed", "needs_review", "skipped")
KINDS = ("table", "view", "procedure", "function", "trigger")
TOP_REASONS = 3


@dataclass
class EstateResult:
    name: str
    location: Path
    outcome: str  # "migrated", "absent", or "exit status N"
    seconds: float = 0.0
    # kind -> status -> count; kind -> Counter of reasons (objects not passed)
    statuses: dict[str, Counter] = field(default_factory=dict)
    reasons: dict[str, Counter] = field(default_factory=dict)
    summary: str = ""


def tally(name: str, location: Path, seconds: float, evaluation: dict) -> EstateResult:
    result = EstateResult(name, location, "migrated", seconds)
    for obj in evaluation["objects"]:
        kind = obj["kind"]
        result.statuses.setdefault(kind, Counter())[obj["status"]] += 1
        if obj["status"] not in ("passed", "skipped"):
            result.reasons.setdefault(kind, Counter())[short_reason(obj.get("reason"))] += 1
    return result


def short_reason(reason: str | None) -> str:
    """The reason as a grouping key: its first clause, names of objects and numbers generalised."""
    text = (reason or "no reason given").splitlines()[0]
    text = re.sub(r"\b(line|column|Got) \d+", r"\1 N", text)
    text = re.sub(r"\[[^\]]*\]|\b[\w]+\.[\w]+(\.[\w]+)?\b", "X", text)
    return text[:110] + ("..." if len(text) > 110 else "")


def run_estate(name: str, location: Path, keep: Path | None) -> EstateResult:
    from migrator_pipeline.cli import main as migrator
    from migrator_pipeline.project_files import ProjectFiles

    if not location.exists():
        return EstateResult(name, location, "absent")
    project = f"bench_{name}"
    started = time.perf_counter()
    log = io.StringIO()
    try:
        with contextlib.redirect_stderr(log), contextlib.redirect_stdout(log):
            status = migrator(["migrate", str(location), "--project", project])
    except Exception as error:  # a crash of one estate is a result, not the end of the benchmark
        return EstateResult(name, location, f"crashed: {type(error).__name__}: {str(error)[:150]}",
                            time.perf_counter() - started)
    seconds = time.perf_counter() - started
    files = ProjectFiles(project)
    evaluation_file = files.path("evaluation.json")
    if status != 0 or not evaluation_file.exists():
        last = (log.getvalue().strip().splitlines() or [""])[-1]
        return EstateResult(name, location, f"exit status {status}: {last[:200]}", seconds)
    evaluation = json.loads(evaluation_file.read_text(encoding="utf-8"))
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        for kept in ("evaluation.json", "evaluation.md", "assessment.md"):
            if files.path(kept).exists():
                shutil.copy(files.path(kept), keep / f"{name}.{kept}")
    result = tally(name, location, seconds, evaluation)
    result.summary = next((line for line in log.getvalue().splitlines() if line.startswith("project ")), "")
    return result


def markdown(results: list[EstateResult]) -> str:
    lines = ["| estate | kind | objects | passed | failed | needs_review | skipped | top reasons (not passed) |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for result in results:
        if result.outcome != "migrated":
            lines.append(f"| {result.name} | - | - | - | - | - | - | {result.outcome} |")
            continue
        kinds = sorted(result.statuses, key=lambda k: (KINDS.index(k) if k in KINDS else len(KINDS), k))
        for kind in kinds:
            counts = result.statuses[kind]
            reasons = "; ".join(f"{count} x {reason}".replace("|", "\\|")
                                for reason, count in result.reasons.get(kind, Counter()).most_common(TOP_REASONS))
            lines.append(f"| {result.name} | {kind} | {sum(counts.values())} | "
                         + " | ".join(str(counts[s]) for s in STATUSES) + f" | {reasons} |")
    lines.append("")
    for result in results:
        if result.outcome == "migrated":
            lines.append(f"- {result.name}: {result.seconds:.0f} s. {result.summary}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path,
                        default=Path(os.environ.get("MIGRATOR_SAMPLES", DEFAULT_SAMPLES)),
                        help="root of microsoft/sql-server-samples' samples/databases (env MIGRATOR_SAMPLES)")
    parser.add_argument("--only", nargs="*", choices=sorted(ESTATES), help="run only these estates")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="copy each estate's evaluation.json/.md and assessment.md here")
    parser.add_argument("--home", type=Path, metavar="DIR",
                        help="MIGRATOR_HOME to migrate under and keep (the generated dbt projects, to "
                             "inspect); default a temporary directory, removed at the end")
    parser.add_argument("--warehouse-url", metavar="URL",
                        help="the warehouse PostgreSQL (MIGRATOR_WAREHOUSE_URL); default the embedded one")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["MIGRATOR_HOME"] = str(args.home.resolve() if args.home else Path(scratch) / "home")
        for variable in ("MIGRATOR_WAREHOUSE_URL", "MIGRATOR_DAGSTER_STORAGE_URL", "MIGRATOR_LLM_ENABLED"):
            os.environ.pop(variable, None)
        if args.warehouse_url:
            os.environ["MIGRATOR_WAREHOUSE_URL"] = args.warehouse_url
        from migrator_pipeline.warehouse.embedded import stop_embedded_server

        results = []
        try:
            for name in args.only or ESTATES:
                results.append(run_estate(name, args.samples / ESTATES[name], args.keep))
                print(f"bench_samples: {name}: {results[-1].outcome} in {results[-1].seconds:.0f} s",
                      file=sys.stderr, flush=True)
        finally:
            stop_embedded_server()
    print(f"\n## Sample estates, rules only ({args.samples})\n")
    print(markdown(results))
    print(f"\ntotal wall time: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
