"""A synthetic SQL Server estate for benchmarks: SSMS-style scripts with tables, data, views and
procedures, deterministic for a given size and seed.

    uv run python benchmarks/generate_estate.py OUT_DIR --objects 2000
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

# Shares of the estate by kind; the rest of the objects are procedures.
TABLE_SHARE, VIEW_SHARE = 0.4, 0.4
MAX_VALUES_ROWS = 1000  # SQL Server accepts at most 1000 rows in one VALUES list


def generate_estate(out: Path, objects: int = 2000, rows_per_table: int = 200, seed: int = 7) -> dict:
    """Write the estate's scripts under `out`; returns counts of what was written."""
    rng = random.Random(seed)
    tables = max(2, int(objects * TABLE_SHARE))
    views = int(objects * VIEW_SHARE)
    procedures = objects - tables - views
    out.mkdir(parents=True, exist_ok=True)
    (out / "01_tables.sql").write_text("".join(_table(i) for i in range(tables)), encoding="utf-8")
    with (out / "02_data.sql").open("w", encoding="utf-8") as data:
        for i in range(tables):
            data.write(_rows(i, rows_per_table, rng))
    (out / "03_views.sql").write_text("".join(_view(i, tables, rng) for i in range(views)), encoding="utf-8")
    (out / "04_procedures.sql").write_text(
        "".join(_target_table(i) for i in range(procedures))
        + "".join(_procedure(i, tables, rng) for i in range(procedures)), encoding="utf-8")
    return {"tables": tables, "views": views, "procedures": procedures,
            "target_tables": procedures, "rows": tables * rows_per_table}


def _table(i: int) -> str:
    parent = f"\n    ParentID int NULL REFERENCES dbo.Entity{i - 1:04d}(ID)," if i else ""
    return f"""CREATE TABLE [dbo].[Entity{i:04d}] (
    ID int IDENTITY(1,1) NOT NULL,
    Code varchar(20) NOT NULL,{parent}
    Amount decimal(12,2) NULL,
    CreatedAt datetime NOT NULL DEFAULT (GETDATE()),
    IsActive bit NOT NULL,
    Note nvarchar(100) NULL,
    CONSTRAINT PK_Entity{i:04d} PRIMARY KEY CLUSTERED (ID)
) ON [PRIMARY]
GO
"""


def _rows(i: int, count: int, rng: random.Random) -> str:
    columns = "ID, Code, " + ("ParentID, " if i else "") + "Amount, CreatedAt, IsActive, Note"
    parts = [f"SET IDENTITY_INSERT dbo.Entity{i:04d} ON;\n"]
    for start in range(1, count + 1, MAX_VALUES_ROWS):
        values = []
        for row in range(start, min(start + MAX_VALUES_ROWS, count + 1)):
            parent = f"{rng.randint(1, count)}, " if i else ""
            amount = "NULL" if row % 17 == 0 else f"{rng.randint(0, 99999) / 100:.2f}"
            note = "NULL" if row % 5 == 0 else f"N'note {row} of O''Brien'"
            values.append(f"({row}, 'C{i:04d}-{row}', {parent}{amount}, "
                          f"'2024-{row % 12 + 1:02d}-{row % 28 + 1:02d}T10:{row % 60:02d}:00', "
                          f"{row % 2}, {note})")
        parts.append(f"INSERT INTO dbo.Entity{i:04d} ({columns}) VALUES\n" + ",\n".join(values) + ";\n")
    parts.append(f"SET IDENTITY_INSERT dbo.Entity{i:04d} OFF;\nGO\n")
    return "".join(parts)


def _view(i: int, tables: int, rng: random.Random) -> str:
    left = rng.randrange(1, tables)
    return f"""CREATE VIEW dbo.vw_Report{i:04d}
AS
SELECT c.ID,
       c.Code + ' / ' + ISNULL(c.Note, N'(none)') AS Label,
       p.Code AS ParentCode,
       YEAR(c.CreatedAt) AS CreatedYear,
       CASE WHEN c.IsActive = 1 THEN 'active' ELSE 'inactive' END AS Status,
       ISNULL(c.Amount, 0) + ISNULL(p.Amount, 0) AS CombinedAmount
FROM dbo.Entity{left:04d} c WITH (NOLOCK)
LEFT JOIN dbo.Entity{left - 1:04d} p ON p.ID = c.ParentID
WHERE c.Amount > {rng.randint(0, 500)}
GO
"""


def _target_table(i: int) -> str:
    return f"""CREATE TABLE dw.Summary{i:04d} (
    CreatedYear int NOT NULL,
    IsActive bit NOT NULL,
    Items int NOT NULL,
    TotalAmount decimal(14,2) NULL
)
GO
"""


def _procedure(i: int, tables: int, rng: random.Random) -> str:
    source = rng.randrange(tables)
    return f"""CREATE PROCEDURE dw.usp_LoadSummary{i:04d}
AS
BEGIN
    SET NOCOUNT ON;
    TRUNCATE TABLE dw.Summary{i:04d};
    INSERT INTO dw.Summary{i:04d} (CreatedYear, IsActive, Items, TotalAmount)
    SELECT YEAR(e.CreatedAt), e.IsActive, COUNT(*), SUM(e.Amount)
    FROM dbo.Entity{source:04d} e
    GROUP BY YEAR(e.CreatedAt), e.IsActive;
END
GO
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--objects", type=int, default=2000)
    parser.add_argument("--rows-per-table", type=int, default=200)
    args = parser.parse_args()
    print(generate_estate(args.out, args.objects, args.rows_per_table))


if __name__ == "__main__":
    main()
