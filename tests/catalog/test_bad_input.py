"""Bad input is normal input: each case is a Finding with file and line, and the rest is still read."""

from pathlib import Path

import pytest

from migrator_pipeline.catalog.model import Finding
from migrator_pipeline.catalog.scripts import read_catalog

GOOD = "CREATE TABLE dbo.Good (id int)\nGO\nCREATE VIEW dbo.vGood AS SELECT id FROM dbo.Good\n"


@pytest.mark.parametrize(
    ("content", "objects", "findings"),
    [
        (  # truncated file: the table is still recorded, with what could be read
            b"CREATE TABLE dbo.Cut (id int, name nvarch",
            [("dbo.Cut", "table")],
            [Finding("error", "CREATE TABLE dbo.Cut: no complete column list (truncated?)", "bad.sql", 1, "dbo.Cut")],
        ),
        (  # unbalanced BEGIN/END
            b"CREATE PROCEDURE dbo.p AS\nBEGIN\n  SELECT 1\n",
            [("dbo.p", "procedure")],
            [Finding("error", "dbo.p: BEGIN without a matching END", "bad.sql", 2, "dbo.p")],
        ),
        (
            b"SELECT 1\nEND\n",
            [],
            [Finding("error", "END without a matching BEGIN", "bad.sql", 2), Finding("info", "SELECT statement outside a module ignored", "bad.sql", 1)],
        ),
        (  # unknown statement
            b"\n\nFROBNICATE the widgets\n",
            [],
            [Finding("warning", "unrecognised statement ignored: FROBNICATE the widgets", "bad.sql", 3)],
        ),
        (  # binary garbage
            bytes(range(256)),
            [],
            [Finding("error", "cannot read the file, skipped: 'utf-8' codec can't decode byte 0x80 in position 128: invalid start byte", "bad.sql")],
        ),
        (  # a duplicate object
            b"CREATE TABLE dbo.Good (id int, extra int)\n",
            [],
            [Finding("warning", "duplicate object: dbo.Good is defined more than once; the definition at good.sql:1 wins over bad.sql:1", "good.sql", 1, "dbo.Good")],
        ),
        (  # a reference to a missing table
            b"\nCREATE VIEW dbo.vMissing AS SELECT * FROM dbo.Nowhere n JOIN #tmp t ON 1 = 1\n",
            [("dbo.vMissing", "view")],
            [Finding("warning", "dbo.vMissing references dbo.nowhere, which is not in the catalog", "bad.sql", 2, "dbo.vMissing")],
        ),
        (  # an unterminated string
            b"CREATE VIEW dbo.vQuote AS SELECT 'abc\nGO\n",
            [("dbo.vQuote", "view")],
            [Finding("error", "unterminated string", "bad.sql", 1)],
        ),
    ],
)
def test_bad_file_among_good_ones(tmp_path: Path, content, objects, findings):
    (tmp_path / "bad.sql").write_bytes(content)
    (tmp_path / "good.sql").write_text(GOOD, encoding="utf-8")
    catalog = read_catalog(tmp_path)
    sources = [(o.source, o.kind) for o in catalog.objects]
    # the good file is always read in full
    assert set(sources) >= {("dbo.Good", "table"), ("dbo.vGood", "view")}
    assert [s for s in sources if s not in {("dbo.Good", "table"), ("dbo.vGood", "view")}] == objects
    assert catalog.findings == findings


def test_empty_folder_is_a_finding_not_a_crash(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    catalog = read_catalog(tmp_path / "empty")
    assert (catalog.objects, catalog.findings) == ([], [Finding("error", "no .sql files found")])


def test_unreadable_project_file_still_reads_the_scripts(tmp_path: Path):
    (tmp_path / "X.sqlproj").write_text("<Project><ItemGroup>", encoding="utf-8")
    (tmp_path / "good.sql").write_text(GOOD, encoding="utf-8")
    catalog = read_catalog(tmp_path)
    assert [o.source for o in catalog.objects] == ["dbo.Good", "dbo.vGood"]
    assert [(f.severity, f.file) for f in catalog.findings] == [("error", "X.sqlproj")]
