"""xml methods (.value, .exist, .nodes) with namespaces, translated and run on PostgreSQL; the
expected rows are what SQL Server returns for the same documents (AdventureWorks' shapes)."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile

import psycopg2
import pytest

from migrator_pipeline.tsql.translate import translate_select

SURVEY = "http://schemas.example.com/StoreSurvey"
RESUME = "http://schemas.example.com/Resume"
CONTACT = "http://schemas.example.com/ContactInfo"
TYPES = "http://schemas.example.com/ContactTypes"

DOCUMENTS = [
    (1, f'<StoreSurvey xmlns="{SURVEY}"><BusinessType>BM</BusinessType><YearOpened>1996</YearOpened></StoreSurvey>',
     f'<Resume xmlns="{RESUME}"><Education><Edu.Level>Bachelor</Edu.Level><Edu.School>Oslo</Edu.School></Education>'
     f'<Education><Edu.Level>Master</Edu.Level><Edu.School>Bergen <b>Campus</b></Edu.School></Education></Resume>',
     f'<ci:AdditionalContactInfo xmlns:ci="{CONTACT}" xmlns:act="{TYPES}"><act:telephoneNumber>'
     f'<act:number>555-0100</act:number></act:telephoneNumber></ci:AdditionalContactInfo>'),
    (2, f'<StoreSurvey xmlns="{SURVEY}"><YearOpened>2001</YearOpened></StoreSurvey>',
     f'<Resume xmlns="{RESUME}"></Resume>', None),
]


@pytest.fixture(scope="module")
def xml_server(warehouse_url):
    """A PostgreSQL with XML support: the embedded one when it has it; pgserver's build has no
    libxml, so else a scratch cluster of the system's PostgreSQL (Debian's is built with it)."""
    with contextlib.closing(psycopg2.connect(warehouse_url)) as conn, conn.cursor() as cur:
        try:
            cur.execute("select xmlparse(document '<a/>')")
            yield warehouse_url
            return
        except psycopg2.errors.FeatureNotSupported:
            pass
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not binaries:
        pytest.skip("the embedded PostgreSQL is built without libxml and no system PostgreSQL is installed")
    data = tempfile.mkdtemp(prefix="xmlpg_")
    os.chmod(data, 0o755)
    as_user = []
    if os.geteuid() == 0:  # initdb refuses root: run as pgserver's own system user
        shutil.chown(data, "pgserver")
        as_user = ["runuser", "-u", "pgserver", "--"]
    subprocess.run([*as_user, f"{binaries[-1]}/initdb", "-D", data, "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True)
    subprocess.run([*as_user, f"{binaries[-1]}/pg_ctl", "-D", data, "-w", "-l", f"{data}/log", "-o",
                    f"-k {data} -c listen_addresses=''", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@/postgres?host={data}"
    finally:
        subprocess.run([*as_user, f"{binaries[-1]}/pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def documents(xml_server):
    with contextlib.closing(psycopg2.connect(xml_server)) as conn:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("create temporary table docs (id int, demographics xml, resume xml, contact xml)")
            cur.executemany("insert into docs values (%s, %s, %s, %s)", DOCUMENTS)
            yield cur


def _rows(pg, tsql: str) -> list[tuple]:
    pg.execute(translate_select(tsql, relations={"dbo.docs": "docs"}))
    return pg.fetchall()


def test_value_and_exist_with_a_default_namespace(documents):
    # SQL Server: store 1 is 'BM' opened 1996, store 2 has no BusinessType (NULL); exist() is a bit
    assert _rows(documents, f"""
        SELECT id,
          d.demographics.value('declare default element namespace "{SURVEY}"; (/StoreSurvey/BusinessType)[1]', 'nvarchar(5)') AS BusinessType,
          d.demographics.value('declare default element namespace "{SURVEY}"; (/StoreSurvey/YearOpened)[1]', 'integer') AS YearOpened,
          d.demographics.exist('declare default element namespace "{SURVEY}"; /StoreSurvey/BusinessType') AS HasType
        FROM dbo.docs AS d ORDER BY id""") == [(1, "BM", 1996, 1), (2, None, 2001, 0)]


def test_nodes_gives_a_row_per_node_and_value_reads_relative_to_it(documents):
    # CROSS APPLY: a row per Education element (document 2 has none, so no row); the string value
    # of an element with markup inside is its text and its descendants' text
    assert _rows(documents, f"""
        SELECT jc.id,
          [Education].ref.value(N'declare default element namespace "{RESUME}"; (Edu.Level)[1]', 'nvarchar(max)') AS [Level],
          [Education].ref.value(N'declare default element namespace "{RESUME}"; (Edu.School)[1]', 'nvarchar(100)') AS School
        FROM dbo.docs jc
        CROSS APPLY jc.[Resume].nodes(N'declare default element namespace "{RESUME}"; /Resume/Education') AS [Education](ref)
        ORDER BY jc.id, [Level]""") == [(1, "Bachelor", "Oslo"), (1, "Master", "Bergen Campus")]


def test_outer_apply_nodes_with_prefixed_namespaces(documents):
    # OUTER APPLY keeps document 2 (NULL contact) with NULLs
    assert _rows(documents, f"""
        SELECT id,
          [ContactInfo].ref.value(N'declare namespace ci="{CONTACT}"; declare namespace act="{TYPES}";
            (act:telephoneNumber)[1]/act:number', 'nvarchar(50)') AS TelephoneNumber
        FROM dbo.docs
        OUTER APPLY [contact].nodes('declare namespace ci="{CONTACT}"; /ci:AdditionalContactInfo') AS ContactInfo(ref)
        ORDER BY id""") == [(1, "555-0100"), (2, None)]
