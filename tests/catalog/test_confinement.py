"""Hostile inputs stay confined: a .dacpac is capped and parsed without entities, and no script
reads a file outside its source folder (issue 13 §7)."""

import struct
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from migrator_pipeline.catalog import dacpac
from migrator_pipeline.catalog.dacpac import read_dacpac
from migrator_pipeline.catalog.model import Finding, SourceError
from migrator_pipeline.catalog.scripts import read_catalog

sys.path.insert(0, str(Path(__file__).parent))
from dacpac_fixture import build_dacpac, model_xml  # noqa: E402

SECRET = "root:x:0:0:secret-host-line"


def _zip_bomb(path: Path, gibibytes: float) -> Path:
    """A real deflate bomb: one MiB of zeros compressed once, its block repeated (a full flush
    makes each block independent), so that building it costs nothing. Its CRC is left 0: the
    reader must refuse it before inflating a byte, so the CRC is never reached."""
    chunk = bytes(1024 * 1024)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    data = block * int(gibibytes * 1024) + compressor.flush()
    size = int(gibibytes * 1024) * len(chunk)
    name = b"model.xml"
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, 0, len(data), size, len(name), 0) + name
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, 0, len(data), size,
                          len(name), 0, 0, 0, 0, 0, 0) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(local) + len(data), 0)
    path.write_bytes(local + data + central + end)
    return path


def test_a_zip_bomb_is_refused_from_its_declared_size_without_inflating_it(tmp_path: Path) -> None:
    # 1.5 GiB of zeros in a ~1.5 MB file: the size the adversarial pass found taking 3.4 GB
    path = _zip_bomb(tmp_path / "Bomb.dacpac", 1.5)
    assert path.stat().st_size < 2 * 1024 * 1024
    with zipfile.ZipFile(path) as package:  # a well-formed zip, whose first MiB inflates to zeros
        with package.open("model.xml") as member:
            assert member.read(1024 * 1024) == bytes(1024 * 1024)
    with pytest.raises(SourceError, match=r"model\.xml expands to 1,610,612,736 bytes, over the"):
        read_dacpac(path)


def test_the_members_together_are_capped_too(tmp_path: Path, monkeypatch) -> None:
    path = build_dacpac(tmp_path, postdeploy="-- " + "x" * 5000)
    monkeypatch.setattr(dacpac, "MAX_ARCHIVE_BYTES", len(model_xml()) + 1000)
    with pytest.raises(SourceError, match="its members expand to .* bytes, over the"):
        read_dacpac(path)


def test_a_member_whose_header_lies_is_never_read_past_the_cap(tmp_path: Path, monkeypatch) -> None:
    path = build_dacpac(tmp_path)
    monkeypatch.setattr(dacpac, "_check_declared_sizes", lambda path, members: None)
    monkeypatch.setattr(dacpac, "MAX_MEMBER_BYTES", 1000)
    monkeypatch.setattr(dacpac, "_CHUNK", 256)
    with pytest.raises(SourceError, match="model.xml expands past the 1,000-byte limit"):
        read_dacpac(path)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_an_external_entity_is_refused_in_any_encoding(tmp_path: Path, encoding: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    xml = (f'<?xml version="1.0" encoding="{encoding}"?>\n' + " " * 5000  # past the old 4 KB prefix check
           + f'<!DOCTYPE m [<!ENTITY leak SYSTEM "file://{secret}">]>'
           + f'<DataSchemaModel xmlns="{dacpac.NAMESPACE}"><Model>&leak;</Model></DataSchemaModel>')
    path = tmp_path / "Leak.dacpac"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("model.xml", xml.encode(encoding))
    with pytest.raises(SourceError, match="declares a DOCTYPE"):
        read_dacpac(path)


def test_an_entity_in_a_project_file_is_not_expanded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    project = tmp_path / "estate"
    project.mkdir()
    (project / "Estate.sqlproj").write_text(
        f'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY leak SYSTEM "file://{secret}">]>'
        "<Project><PropertyGroup><Name>&leak;</Name></PropertyGroup></Project>")
    (project / "t.sql").write_text("CREATE TABLE dbo.T (a int)\n")
    catalog = read_catalog(project)
    assert catalog.get("dbo.t") is not None
    assert SECRET not in repr(catalog)
    assert catalog.findings[0].message.startswith("cannot read the project file, all .sql files read:")


def _estate(tmp_path: Path, script: str) -> Path:
    outside = tmp_path / "host"
    outside.mkdir()
    (outside / "passwd").write_text(SECRET + "\n")
    (outside / "x.sql").write_text("INSERT INTO dbo.T VALUES ('" + SECRET + "')\n")
    folder = tmp_path / "a" / "b" / "estate"
    folder.mkdir(parents=True)
    (folder / "t.sql").write_text("CREATE TABLE dbo.T (a varchar(100))\nGO\n" + script)
    return folder


@pytest.mark.parametrize(("script", "message"), [
    ("BULK INSERT dbo.T FROM '{host}/passwd'\n",
     "BULK INSERT file for dbo.t is outside the source folder, not read: {host}/passwd"),
    ("BULK INSERT dbo.T FROM '../../../host/passwd'\n",
     "BULK INSERT file for dbo.t is outside the source folder, not read: ../../../host/passwd"),
    (":r ../../../host/x.sql\n", "included file outside the source folder, not read: ../../../host/x.sql"),
    (":r {host}/x.sql\n", "included file outside the source folder, not read: {host}/x.sql"),
])
def test_scripts_never_read_host_files(tmp_path: Path, script: str, message: str) -> None:
    host = str(tmp_path / "host")
    folder = _estate(tmp_path, script.format(host=host))
    catalog = read_catalog(folder)
    assert all(not data.rows for data in catalog.data)
    assert SECRET not in repr(catalog)
    finding = next(f for f in catalog.findings if f.severity == "error")
    assert (finding.message, finding.file, finding.line) == (message.format(host=host), "t.sql", 3)


def test_a_link_out_of_the_folder_is_not_followed(tmp_path: Path) -> None:
    folder = _estate(tmp_path, "SELECT 1\n")
    (folder / "data").mkdir()
    (folder / "data" / "dbo.T.csv").symlink_to(tmp_path / "host" / "passwd")
    (folder / "linked.sql").symlink_to(tmp_path / "host" / "x.sql")
    (folder / "bulk.sql").write_text("BULK INSERT dbo.T FROM 'data/dbo.T.csv'\n")
    catalog = read_catalog(folder)
    assert all(not data.rows for data in catalog.data)
    assert catalog.data_for("dbo.t").lost == "its data file data/dbo.T.csv was not read"
    assert SECRET not in repr(catalog)


def test_a_project_item_outside_the_folder_is_not_read(tmp_path: Path) -> None:
    folder = _estate(tmp_path, "SELECT 1\n")
    (folder / "Estate.sqlproj").write_text(
        '<Project><ItemGroup><PostDeploy Include="..\\..\\..\\host\\x.sql" /></ItemGroup></Project>')
    catalog = read_catalog(folder)
    assert catalog.data == []
    assert Finding("error", "PostDeploy item outside the source folder, not read: ..\\..\\..\\host\\x.sql",
                   "Estate.sqlproj") in catalog.findings


def test_a_dacpac_postdeploy_never_reads_host_files(tmp_path: Path) -> None:
    (tmp_path / "passwd").write_text(SECRET)
    postdeploy = f"BULK INSERT dbo.AuditLog FROM '{tmp_path}/passwd'\nGO\n:r {tmp_path}/passwd\n"
    catalog = read_dacpac(build_dacpac(tmp_path, postdeploy=postdeploy))
    assert SECRET not in repr(catalog)
    assert [(f.message.split(",")[0].split(":")[0], f.file, f.line) for f in catalog.findings] == [
        ("BULK INSERT file for dbo.auditlog is outside the source folder", "postdeploy.sql", 1),
        ("included file outside the source folder", "postdeploy.sql", 3),
    ]


@pytest.mark.parametrize(("make", "message"), [
    (lambda path: _zip_bomb(path, 1.5), "model.xml expands to 1,610,612,736 bytes"),
    (lambda path: path.write_bytes(b"PK not really"), r"not a \.dacpac \(zip\) file"),
])
def test_an_unusable_dacpac_is_refused_before_anything_runs(tmp_path: Path, make, message: str) -> None:
    from migrator_pipeline.catalog.sources import SourceSpec, check_source

    path = tmp_path / "Estate.dacpac"
    make(path)
    with pytest.raises(SourceError, match=message):
        check_source(SourceSpec(str(path)))
    check_source(SourceSpec(str(build_dacpac(tmp_path / "Good.dacpac"))))
