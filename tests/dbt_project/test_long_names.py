"""PostgreSQL cuts names at 63 bytes: long names are shortened by one policy, never collide,
and the name mapping says what each became."""

from __future__ import annotations

import contextlib
import json

import psycopg2
import pytest

from migrator_pipeline.cli import main
from migrator_pipeline.project_files import ProjectFiles
from migrator_pipeline.tsql.identifiers import fit_identifier, fold_columns, fold_identifier, raw_identifier

LONG = "Customer_Order_Line_Shipment_Tracking_History_Archive_For_Region"  # 64 characters
NORTH, SOUTH = f"{LONG}_North", f"{LONG}_South"
COLUMN_A, COLUMN_B = f"{LONG}_Amount_A", f"{LONG}_Amount_B"


def test_long_names_are_shortened_the_same_way_every_time_and_apart():
    short = fold_identifier(NORTH)
    assert len(short) == 63 and short.startswith(LONG[:54].lower()) and short == fold_identifier(NORTH)
    assert short != fold_identifier(SOUTH)
    assert fold_identifier(short) == short  # folding a folded name changes nothing
    assert fit_identifier("a" * 63) == "a" * 63
    assert len(fit_identifier("é" * 40).encode()) <= 63  # bytes, not characters
    assert len(raw_identifier("Sales", NORTH)) == 63 and raw_identifier("Sales", NORTH) != raw_identifier("Sales", SOUTH)
    settled = fold_columns([COLUMN_A, COLUMN_B, "x" * 70, "X" * 70])
    assert len(set(settled.values())) == 4 and all(len(name) <= 63 for name in settled.values())


ESTATE = f"""
CREATE TABLE dbo.[{NORTH}] (id int NOT NULL PRIMARY KEY, [{COLUMN_A}] int NOT NULL, [{COLUMN_B}] int NOT NULL);
GO
CREATE TABLE dbo.[{SOUTH}] (id int NOT NULL PRIMARY KEY, city nvarchar(20) NOT NULL);
GO
INSERT INTO dbo.[{NORTH}] (id, [{COLUMN_A}], [{COLUMN_B}]) VALUES (1, 10, 20);
INSERT INTO dbo.[{SOUTH}] (id, city) VALUES (1, N'Cape Town'), (2, N'Durban');
GO
CREATE VIEW dbo.[{NORTH}_Totals_View] AS
SELECT n.id, n.[{COLUMN_A}] + n.[{COLUMN_B}] AS [{LONG}_Total_Of_Both_Amounts] FROM dbo.[{NORTH}] AS n;
GO
"""


@pytest.mark.slow
def test_two_tables_sharing_their_first_63_bytes_load_build_and_are_mapped(migrator_home, warehouse_url, tmp_path):
    (tmp_path / "estate.sql").write_text(ESTATE, encoding="utf-8")
    assert main(["migrate", str(tmp_path), "--project", "longnames"]) == 0
    evaluation = json.loads(ProjectFiles("longnames").path("evaluation.json").read_text())
    objects = {o["source"]: o for o in evaluation["objects"]}
    assert {source: o["status"] for source, o in objects.items()} == {
        f"dbo.{NORTH}": "passed", f"dbo.{SOUTH}": "passed", f"dbo.{NORTH}_Totals_View": "passed"}
    north, south = objects[f"dbo.{NORTH}"]["names"], objects[f"dbo.{SOUTH}"]["names"]
    assert north["model"] == fit_identifier(f"stg_dbo__{fold_identifier(NORTH)}") != south["model"]
    assert north["columns"] == {"id": "id", COLUMN_A: fold_identifier(COLUMN_A), COLUMN_B: fold_identifier(COLUMN_B)}
    view = objects[f"dbo.{NORTH}_Totals_View"]["names"]
    total = view["columns"][f"{LONG}_Total_Of_Both_Amounts"]
    assert len(total) <= 63 and all(len(name) <= 63 for name in [north["model"], south["model"], view["model"]])
    with contextlib.closing(psycopg2.connect(warehouse_url)) as conn, conn.cursor() as cur:
        cur.execute(f'select * from longnames."{north["model"]}"')
        assert cur.fetchall() == [(1, 10, 20)]
        cur.execute(f'select city from longnames."{south["model"]}" order by id')
        assert cur.fetchall() == [("Cape Town",), ("Durban",)]
        cur.execute(f'select id, "{total}" from longnames."{view["model"]}"')
        assert cur.fetchall() == [(1, 30)]
        cur.execute(f'select count(*) from longnames_raw."{raw_identifier("dbo", SOUTH)}"')
        assert cur.fetchone() == (2,)
