"""Writing the dbt project again (issue 11): a file whose bytes are unchanged is not touched,
what the project no longer has goes, and the folder ends as a fresh write of the same project."""

from __future__ import annotations

from pathlib import Path

from migrator_pipeline.agents.executor import draft_models
from migrator_pipeline.catalog.scripts import read_catalog
from migrator_pipeline.dbt_project.writer import write_dbt_project
from migrator_pipeline.planning.planner import plan_migration

ESTATE = """CREATE TABLE dbo.A (ID int NOT NULL PRIMARY KEY, Name nvarchar(20));
GO
CREATE VIEW dbo.vA AS SELECT ID, Name FROM dbo.A WHERE ID > 0;
GO
CREATE VIEW dbo.vGone AS SELECT ID FROM dbo.A;
GO
CREATE FUNCTION dbo.Twice (@x int) RETURNS int AS BEGIN RETURN @x * 2 END;
GO
"""


def _write(folder: Path, dbt_dir: Path, text: str) -> list[str]:
    folder.mkdir(exist_ok=True)
    (folder / "estate.sql").write_text(text, encoding="utf-8")
    catalog = read_catalog(folder)
    plan = plan_migration(catalog, "rw")
    return write_dbt_project(dbt_dir, plan, draft_models(plan, catalog, None), catalog)


def _files(dbt_dir: Path) -> dict[str, bytes]:
    """The project's files (dbt's `target/` holds what rendered them, by path)."""
    return {p.relative_to(dbt_dir).as_posix(): p.read_bytes() for p in dbt_dir.rglob("*")
            if p.is_file() and p.relative_to(dbt_dir).parts[0] != "target"}


def _folders(dbt_dir: Path) -> set[str]:
    return {p.relative_to(dbt_dir).as_posix() for p in dbt_dir.rglob("*") if p.is_dir()}


def test_rewriting_touches_only_changed_files_and_ends_as_a_fresh_write(tmp_path):
    dbt_dir = tmp_path / "dbt"
    _write(tmp_path / "one", dbt_dir, ESTATE)
    stamps = {dbt_dir / name: (dbt_dir / name).stat().st_mtime_ns for name in _files(dbt_dir)}
    inodes = {p: p.stat().st_ino for p in stamps}
    _write(tmp_path / "one", dbt_dir, ESTATE)
    assert {p: p.stat().st_ino for p in stamps} == inodes  # nothing replaced
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps

    changed = ESTATE.replace("WHERE ID > 0", "WHERE ID > 1").replace(
        "CREATE VIEW dbo.vGone AS SELECT ID FROM dbo.A;\nGO\n", "").replace(
        "CREATE FUNCTION dbo.Twice (@x int) RETURNS int AS BEGIN RETURN @x * 2 END;\nGO\n", "")
    names = _write(tmp_path / "two", dbt_dir, changed)
    assert "vgone" not in names
    replaced = {p.relative_to(dbt_dir).as_posix() for p in stamps if p.exists() and p.stat().st_ino != inodes[p]}
    # the one model whose SQL changed, and its folder's YAML, which no longer lists vgone
    assert replaced == {"models/marts/va.sql", "models/marts/_marts__models.yml"}
    fresh = tmp_path / "fresh"
    _write(tmp_path / "two", fresh, changed)
    assert _files(dbt_dir) == _files(fresh)  # the gone view's model and the gone macro went

    # a file changed since (the rebuilder disables models in place) is rendered again
    (dbt_dir / "models" / "marts" / "va.sql").write_text("-- edited\n", encoding="utf-8")
    _write(tmp_path / "two", dbt_dir, changed)
    assert _files(dbt_dir) == _files(fresh)
    assert _folders(dbt_dir) == _folders(fresh)  # and the folders left empty
