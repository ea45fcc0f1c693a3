"""Properties of the batch splitter and the script reader over generated input."""

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from migrator_pipeline.catalog.scripts import read_catalog
from migrator_pipeline.tsql.lexer import split_batches, split_statements, tokenize

NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,8}", fullmatch=True).filter(lambda n: n.upper() not in {"GO", "AS"})
NOISE = st.sampled_from(
    [
        "-- a comment with GO inside",
        "/* block GO\nGO\n /* nested */ still comment */",
        "PRINT 'GO'",
        "PRINT N'it''s\nGO\nin a string'",
        "SET NOCOUNT ON;",
        "",
    ]
)
GO_LINES = st.sampled_from(["GO", "go", "  Go 3", "GO -- done"])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_split_batches_never_raises_and_keeps_text(text):
    for batch in split_batches(text):
        assert batch.text.strip() != ""
        assert batch.line >= 1
    split_statements(tokenize(text))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet="SELECT1 ,'[]\"/*-\n", max_size=30), max_size=8))
def test_joining_batches_with_go_lines_keeps_every_other_line(pieces):
    """Every non-GO line of a script made of pieces and GO lines is in exactly the batch it started in."""
    text = "\nGO\n".join(pieces)
    batches = split_batches(text)
    joined = "\n".join(b.text for b in batches)
    kept = [line.strip() for line in joined.split("\n") if line.strip()]
    expected = [line.strip() for line in text.split("\n") if line.strip() and line.strip().upper() != "GO"]
    # lines can only disappear when they are GO separators
    assert [line for line in kept if line.upper() != "GO"] == expected


@st.composite
def scripts(draw):
    names = draw(st.lists(NAMES, min_size=1, max_size=6, unique_by=str.lower))
    parts = []
    for name in names:
        parts.append(draw(NOISE))
        if draw(st.booleans()):
            parts.append(f"CREATE TABLE [dbo].[{name}] (id int NOT NULL, [v] nvarchar(10))")
        else:
            parts.append(f"CREATE VIEW dbo.{name} AS SELECT 1 AS a -- GO\n")
        parts.append(draw(GO_LINES))
    return names, "\n".join(parts)


@settings(max_examples=60, deadline=None)
@given(scripts(), st.integers(min_value=0, max_value=3))
def test_every_created_object_is_found(script, files):
    names, text = script
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "s.sql").write_text(text, encoding="utf-8")
        for n in range(files):  # other files of noise do not change what is found
            Path(folder, f"noise{n}.sql").write_text("PRINT 'x'\nGO\n/* GO */", encoding="utf-8")
        catalog = read_catalog(Path(folder))
    assert sorted(o.name.lower() for o in catalog.objects) == sorted(n.lower() for n in names)
    assert [f for f in catalog.findings if f.severity != "info"] == []


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400), st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b":r x.sql\n", b":setvar\n$(", b"BULK INSERT t FROM 'x'"]))
def test_read_catalog_never_raises_on_random_bytes(raw, prefix):
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "a.sql").write_bytes(prefix + raw)
        Path(folder, "b.sql").write_text("CREATE TABLE dbo.Kept (id int)", encoding="utf-8")
        catalog = read_catalog(Path(folder))
    assert "dbo.kept" in [o.key for o in catalog.objects]


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("CREATE VIEW TABLE PROC AS BEGIN END ( ) ' [ ] \" ; , @ # $ : \n GO -- /* */ 0x1 N'")), max_size=200))
def test_read_catalog_never_raises_on_tsql_like_text(text):
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "a.sql").write_text(text, encoding="utf-8")
        read_catalog(Path(folder))
