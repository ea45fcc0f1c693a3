"""Benchmark: reading a generated estate into a catalog, and loading its rows with COPY.

    uv run python benchmarks/bench_catalog.py [--objects 2000] [--rows-per-table 200]

Runs on the embedded PostgreSQL under a temporary MIGRATOR_HOME. Reports objects per second
for cataloguing and rows per second for loading, best of --repeat runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_estate import generate_estate  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--rows-per-table", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        os.environ["MIGRATOR_HOME"] = str(Path(scratch) / "home")
        os.environ.pop("MIGRATOR_WAREHOUSE_URL", None)
        from migrator_pipeline.catalog.scripts import read_catalog
        from migrator_pipeline.settings import warehouse_url
        from migrator_pipeline.warehouse.embedded import stop_embedded_server
        from migrator_pipeline.warehouse.loading import load_source_tables

        estate = Path(scratch) / "estate"
        counts = generate_estate(estate, args.objects, args.rows_per_table)
        size_mb = sum(f.stat().st_size for f in estate.iterdir()) / 1e6
        url = warehouse_url()
        try:
            read_times, load_times = [], []
            for _ in range(args.repeat):
                started = time.perf_counter()
                catalog = read_catalog(estate)
                read_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                report = load_source_tables(url, catalog, "bench_raw")
                load_times.append(time.perf_counter() - started)
        finally:
            stop_embedded_server()

    objects = len([o for o in catalog.objects if o.kind in ("table", "view", "procedure")])
    rows = report.total_rows
    print(f"estate: {counts} ({size_mb:.1f} MB of scripts)")
    print(f"catalogued objects: {objects}, findings: {len(catalog.findings)}, loaded rows: {rows}, "
          f"failed tables: {sum(1 for t in report.tables if t.error)}")
    print(f"cataloguing: best {min(read_times):.2f} s -> {objects / min(read_times):,.0f} objects/s")
    print(f"loading:     best {min(load_times):.2f} s -> {rows / min(load_times):,.0f} rows/s "
          f"({len(report.tables)} tables)")


if __name__ == "__main__":
    main()
