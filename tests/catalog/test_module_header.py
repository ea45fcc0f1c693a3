"""A module's header is parsed once per body and held by its SourceObject, not serialised."""

from migrator_pipeline.catalog.model import Catalog, SourceObject

PROCEDURE = """CREATE PROCEDURE dbo.Load (@since date = '2020-01-01', @n int = -1,
    @note nvarchar(20) = N'a, b', @total int OUTPUT, @rows int = 0 OUT)
WITH RECOMPILE
AS
SELECT @since"""


def test_the_header_holds_parameter_defaults_as_written():
    header = SourceObject("dbo", "Load", "procedure", PROCEDURE).header
    assert header.parameters == [["@since", "date"], ["@n", "int"], ["@note", "nvarchar(20)"],
                                 ["@total", "int"], ["@rows", "int"]]
    assert header.parameter_defaults == {"since": "'2020-01-01'", "n": "-1", "note": "N'a, b'",
                                         "total": None, "rows": "0"}
    assert PROCEDURE[header.body_start :].strip() == "SELECT @since"


def test_a_function_header_stops_at_returns():
    body = "CREATE FUNCTION dbo.f(@x int = 2) RETURNS int AS BEGIN RETURN @x END"
    header = SourceObject("dbo", "f", "function", body).header
    assert (header.parameter_defaults, header.function_kind) == ({"x": "2"}, "scalar")


def test_a_trigger_header_names_its_table():
    body = "CREATE TRIGGER dbo.t ON [Sales].[Orders] AFTER INSERT AS SELECT 1"
    assert SourceObject("dbo", "t", "trigger", body).header.trigger_table == "Sales.Orders"


def test_no_header_without_a_create_statement():
    assert SourceObject("dbo", "x", "view", "SELECT 1").header is None


def test_the_header_is_parsed_once_per_body():
    module = SourceObject("dbo", "v", "view", "CREATE VIEW dbo.v AS SELECT 1 AS a")
    first = module.header
    assert module.header is first
    module.body = "CREATE VIEW dbo.v AS SELECT 2 AS a"
    assert module.header is not first and module.header.body_start == first.body_start


def test_the_saved_catalog_is_unchanged_and_round_trips():
    module = SourceObject("dbo", "Load", "procedure", PROCEDURE)
    assert module.header is not None
    catalog = Catalog("x", [module])
    saved = catalog.to_dict()
    assert "header" not in str(saved) and set(saved["objects"][0]) == set(SourceObject.__dataclass_fields__)
    loaded = Catalog.from_dict(saved)
    assert loaded == catalog and loaded.objects[0].header == module.header
