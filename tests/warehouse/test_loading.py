from migrator_pipeline.catalog.model import Catalog, Column, SourceObject, TableData
from migrator_pipeline.warehouse.connection import dbt_connection_env
from migrator_pipeline.warehouse.loading import load_source_tables, tables_present


def _catalog() -> Catalog:
    people = SourceObject("dbo", "People", "table", columns=[
        Column("PersonID", "int", nullable=False, identity=True),
        Column("Full Name", "nvarchar(50)"),
        Column("IsActive", "bit"),
        Column("Photo", "varbinary(max)"),
        Column("Salary", "money"),
        Column("NameLength", "", computed="LEN([Full Name])"),
    ], primary_key=["PersonID"])
    broken = SourceObject("dbo", "Broken", "table", columns=[Column("d", "date")])
    return Catalog(source="x", objects=[people, broken], data=[
        TableData("dbo.people", ["PersonID", "Full Name", "IsActive", "Photo", "Salary"], [
            ["1", "O'Brien\tTab \\ slash", "1", "\\x0aff", "12.3456"],
            ["2", None, "0", None, None],
        ]),
        TableData("dbo.broken", ["d"], [["not a date"]], origin="data/dbo.Broken.csv"),
    ])


def test_load_source_tables_copies_rows_exactly_and_reports_bad_tables(pg, warehouse_url):
    report = load_source_tables(warehouse_url, _catalog(), "loadtest_raw")
    assert [(t.relation, t.rows) for t in report.tables] == [
        ("loadtest_raw.dbo__people", 2), ("loadtest_raw.dbo__broken", 0)]
    # the row PostgreSQL refuses is a finding; the table loads without it, and says it is incomplete
    assert report.tables[1].error is None
    assert report.tables[1].incomplete == ('PostgreSQL refused all 1 of its rows (invalid input syntax for type '
                                           'date: "not a date")')
    assert report.findings[0].message.startswith('dbo.Broken row not loaded, PostgreSQL refuses it: invalid input syntax for type date: "not a date"')
    assert report.findings[0].file == "data/dbo.Broken.csv"
    pg.execute("select personid, full_name, isactive, photo, salary from loadtest_raw.dbo__people order by 1")
    rows = [(r[0], r[1], r[2], bytes(r[3]) if r[3] is not None else None, r[4]) for r in pg.fetchall()]
    assert rows[0][:4] == (1, "O'Brien\tTab \\ slash", True, b"\x0a\xff")
    assert str(rows[0][4]) == "12.3456"
    assert rows[1] == (2, None, False, None, None)
    pg.execute("select count(*) from loadtest_raw.dbo__broken")
    assert pg.fetchone() == (0,)
    # loading again replaces the raw schema rather than appending
    load_source_tables(warehouse_url, _catalog(), "loadtest_raw")
    pg.execute("select count(*) from loadtest_raw.dbo__people")
    assert pg.fetchone() == (2,)
    pg.execute("drop schema loadtest_raw cascade")


def test_dbt_connection_env_from_socket_and_tcp_urls():
    assert dbt_connection_env("postgresql://postgres:@/warehouse?host=/tmp/pg") == {
        "MIGRATOR_PG_HOST": "/tmp/pg", "MIGRATOR_PG_PORT": "5432", "MIGRATOR_PG_USER": "postgres",
        "MIGRATOR_PG_PASSWORD": "", "MIGRATOR_PG_DATABASE": "warehouse"}
    assert dbt_connection_env("postgresql://etl:s%40cret@db.example:6543/dw")["MIGRATOR_PG_PASSWORD"] == "s@cret"


def test_rows_stream_in_batches_into_one_copy(pg, warehouse_url):
    consumed = []

    def batches():
        for start in range(0, 25_000, 10_000):
            consumed.append(start)
            yield [[str(i), f"name {i}"] for i in range(start, min(start + 10_000, 25_000))]

    table = SourceObject("dbo", "Big", "table", columns=[Column("id", "int"), Column("name", "varchar(20)")])
    catalog = Catalog("x", objects=[table])
    report = load_source_tables(warehouse_url, catalog, "streamtest_raw",
                                rows_for=lambda t: (["id", "name"], batches()))
    assert report.tables[0].rows == 25_000
    assert consumed == [0, 10_000, 20_000]
    pg.execute("select count(*), sum(id), max(name) from streamtest_raw.dbo__big")
    assert pg.fetchone() == (25_000, sum(range(25_000)), "name 9999")
    pg.execute("drop schema streamtest_raw cascade")


def test_columns_that_collide_once_folded_load_under_the_settled_names(pg, warehouse_url):
    table = SourceObject("dbo", "Odd", "table", columns=[Column("Order Date", "date"), Column("order_date", "date")])
    data = TableData("dbo.odd", ["ORDER DATE", "order_date"], [["2024-01-02", "2024-03-04"]])
    report = load_source_tables(warehouse_url, Catalog("x", objects=[table], data=[data]), "collide_raw")
    assert report.tables[0].rows == 1 and report.tables[0].error is None
    # `order_date` is already folded and keeps its name; `Order Date` gives way
    pg.execute("select order_date, order_date_2 from collide_raw.dbo__odd")
    assert [tuple(str(v) for v in row) for row in pg.fetchall()] == [("2024-03-04", "2024-01-02")]
    pg.execute("drop schema collide_raw cascade")


def _oids(pg, schema: str) -> dict[str, int]:
    pg.execute("select c.relname, c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace "
               "where n.nspname = %s and c.relkind = 'r'", (schema,))
    return dict(pg.fetchall())


def test_unchanged_tables_are_not_reloaded_and_a_failed_reload_keeps_the_previous_copy(pg, warehouse_url):
    catalog = _catalog()
    first = load_source_tables(warehouse_url, catalog, "reload_raw", fingerprints={"dbo.people": "p1", "dbo.broken": "b1"})
    oids = _oids(pg, "reload_raw")
    again = load_source_tables(warehouse_url, catalog, "reload_raw", previous=first,
                               fingerprints={"dbo.people": "p1", "dbo.broken": "b1"})
    assert again == first  # the same report, findings included
    assert _oids(pg, "reload_raw") == oids  # neither table was dropped and loaded again
    assert tables_present(warehouse_url, again)

    # people's rows changed, but this load fails (a column the table lacks): the old copy stays
    catalog.data[0] = TableData("dbo.people", ["PersonID", "NoSuchColumn"], [["3", "x"]])
    failed = load_source_tables(warehouse_url, catalog, "reload_raw", previous=again,
                                fingerprints={"dbo.people": "p2", "dbo.broken": "b1"})
    assert failed.tables[0].error and failed.tables[0].incomplete.startswith("it did not load")
    assert any("(the previous copy is kept)" in f.message for f in failed.findings)
    pg.execute("select personid from reload_raw.dbo__people order by 1")
    assert pg.fetchall() == [(1,), (2,)]

    # its rows changed and load: reloaded (a new relation); the unchanged table is left alone;
    # a table gone from the source is dropped
    catalog.data[0] = TableData("dbo.people", ["PersonID", "Full Name"], [["3", "Ann"]])
    reloaded = load_source_tables(warehouse_url, catalog, "reload_raw", previous=failed,
                                  fingerprints={"dbo.people": "p3", "dbo.broken": "b1"})
    assert [(t.source, t.rows, t.error) for t in reloaded.tables] == [("dbo.People", 1, None), ("dbo.Broken", 0, None)]
    now = _oids(pg, "reload_raw")
    assert now["dbo__people"] != oids["dbo__people"] and now["dbo__broken"] == oids["dbo__broken"]
    catalog.objects.pop()
    load_source_tables(warehouse_url, catalog, "reload_raw", previous=reloaded, fingerprints={"dbo.people": "p3"})
    assert set(_oids(pg, "reload_raw")) == {"dbo__people"}
    assert tables_present(warehouse_url, reloaded) is False and tables_present(warehouse_url, failed) is False
    pg.execute("drop schema reload_raw cascade")
    assert tables_present(warehouse_url, first) is False
