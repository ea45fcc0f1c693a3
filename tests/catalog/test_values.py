"""SQL Server's conversions of script values, as a table of examples: value as written, column
type, what SQL Server stores (as COPY text) or the error it raises."""

import pytest

from migrator_pipeline.catalog.value_literals import read_value
from migrator_pipeline.catalog.values import DEFAULT, ConversionError, NotLiteral, Value, convert
from migrator_pipeline.tsql.lexer import tokenize


def stored(written: str, column_type: str, dateformat: str = "mdy") -> str | None:
    return convert(read_value(tokenize(written)), column_type, dateformat)


@pytest.mark.parametrize(("written", "column_type", "expected"), [
    # the forms SSMS's Generate Scripts writes
    ("CAST(N'2023-12-31T23:00:00.000' AS DateTime)", "datetime", "2023-12-31 23:00:00.000"),
    ("CAST(N'2023-12-31' AS Date)", "date", "2023-12-31"),
    ("CAST(N'2023-12-31T23:00:00.1234567' AS DateTime2)", "datetime2", "2023-12-31 23:00:00.1234567"),
    ("CAST(N'2023-12-31T23:00:00.1234567' AS DateTime2)", "datetime2(3)", "2023-12-31 23:00:00.123"),
    ("CAST(N'13:45:10.5000000' AS Time)", "time(7)", "13:45:10.5000000"),
    ("CAST(N'2023-12-31T23:00:00.000+01:00' AS DateTimeOffset)", "datetimeoffset(3)", "2023-12-31 23:00:00.000+01:00"),
    ("CAST(N'2023-12-31T23:00:00' AS SmallDateTime)", "smalldatetime", "2023-12-31 23:00:00"),
    ("CAST(100.00 AS Decimal(10, 2))", "decimal(10,2)", "100.00"),
    ("CAST(19.9900 AS Money)", "money", "19.9900"),
    ("CAST(1.5 AS Float)", "float", "1.5"),
    ("N'Ann'", "nvarchar(40)", "Ann"),
    ("N'O''Brien'", "nvarchar(40)", "O'Brien"),
    ("0x0AFF", "varbinary(max)", "\\x0AFF"),
    ("$19.99", "money", "19.9900"),
    ("-5", "int", "-5"),
    ("-$1.5", "money", "-1.5000"),
    ("$-1.5", "money", "-1.5000"),
    ("NULL", "int", None),
    ("N'a' + CHAR(13) + CHAR(10) + N'b'", "nvarchar(10)", "a\r\nb"),
    # implicit conversion to the column's type, as SQL Server does it
    ("3", "bit", "1"),
    ("-1", "bit", "1"),
    ("0", "bit", "0"),
    ("'TRUE'", "bit", "1"),
    ("'2023-12-31T23:00:00'", "datetime", "2023-12-31 23:00:00.000"),
    ("100", "decimal(10,2)", "100.00"),
    ("1.005", "decimal(10,2)", "1.01"),  # half away from zero
    ("-1.005", "decimal(10,2)", "-1.01"),
    ("'12'", "int", "12"),
    ("' 12 '", "int", "12"),
    ("''", "int", "0"),
    ("''", "datetime", "1900-01-01 00:00:00.000"),
    ("1.9", "int", "1"),  # a decimal into an integer truncates
    ("-1.9", "int", "-1"),
    ("$2.5", "int", "3"),  # money into an integer rounds
    ("1.23456", "money", "1.2346"),  # money keeps 4 places
    ("'$1,234.5'", "money", "1234.5000"),
    ("'2023-01-01 10:00:00.001'", "datetime", "2023-01-01 10:00:00.000"),  # 1/300 s ticks
    ("'2023-01-01 10:00:00.002'", "datetime", "2023-01-01 10:00:00.003"),
    ("'2023-01-01 10:00:00.005'", "datetime", "2023-01-01 10:00:00.007"),
    ("'2023-01-01 10:00:00.995'", "datetime", "2023-01-01 10:00:00.997"),
    ("'2023-12-31 23:59:59.999'", "datetime", "2024-01-01 00:00:00.000"),
    ("'2023-01-01 10:29:29.998'", "smalldatetime", "2023-01-01 10:29:00"),
    ("'2023-01-01 10:29:29.999'", "smalldatetime", "2023-01-01 10:30:00"),
    ("'10:30'", "datetime", "1900-01-01 10:30:00.000"),
    ("'12/05/2023'", "date", "2023-12-05"),
    ("'10:00:00:5'", "time(3)", "10:00:00.005"),  # after a colon: thousandths
    ("2", "datetime", "1900-01-03 00:00:00.000"),  # a number of days since 1900-01-01
    ("CAST(N'2023-12-31T23:00:00.000' AS DateTime)", "varchar(30)", "Dec 31 2023 11:00PM"),
    ("CAST(N'2023-01-05T09:07:00.000' AS DateTime)", "varchar(30)", "Jan  5 2023  9:07AM"),
    ("1.50", "varchar(10)", "1.50"),
    ("$19.9950", "varchar(10)", "20.00"),
    ("1e6", "varchar(20)", "1e+006"),
    ("0x0AFF", "int", "2815"),
    ("0x0A", "binary(3)", "\\x0A0000"),  # binary(n) pads with zero bytes
    ("'6f9619ff-8b86-d011-b42d-00c04fc964ff'", "uniqueidentifier", "6F9619FF-8B86-D011-B42D-00C04FC964FF"),
    ("'ab  '", "char(2)", "ab  "),  # trailing blanks never overflow a char
    ("CAST('abcdef' AS varchar(3))", "varchar(10)", "abc"),  # an explicit CAST cuts, silently
    ("CONVERT(datetime, '05/12/2023', 103)", "date", "2023-12-05"),
    ("N'<a/>'", "xml", "<a/>"),
    # older SSMS wrote a datetime as its own bytes: days since 1900-01-01, then 1/300 s ticks
    ("CAST(0x0000A5E200000000 AS DateTime)", "datetime", "2016-04-08 00:00:00.000"),
    ("CAST(0x0000A5E2018B81FF AS DateTime)", "datetime", "2016-04-08 23:59:59.997"),
    ("CAST(0xA5E20000 AS SmallDateTime)", "smalldatetime", "2016-04-08 00:00:00"),
])
def test_stored_as_sql_server_stores_it(written, column_type, expected):
    assert stored(written, column_type) == expected


@pytest.mark.parametrize(("written", "column_type", "error"), [
    ("'1.5'", "int", "Conversion failed when converting the varchar value '1.5' to data type int."),
    ("'abc'", "bit", "Conversion failed when converting the varchar value 'abc' to data type bit."),
    ("300", "tinyint", "Arithmetic overflow error converting int to data type tinyint."),
    ("2147483648", "int", "Arithmetic overflow error converting numeric to data type int."),
    ("123456.7", "decimal(5,2)", "Arithmetic overflow error converting numeric to data type numeric."),
    ("''", "decimal(5,2)", "Error converting data type varchar to numeric."),
    ("N'abcd'", "nvarchar(3)", "String or binary data would be truncated"),
    ("0x0A0B0C", "varbinary(2)", "String or binary data would be truncated"),
    ("'x'", "varbinary(10)", "Implicit conversion from data type varchar to varbinary is not allowed."),
    ("'not a date'", "date", "Conversion failed when converting date and/or time from character string."),
    ("'2023-01-01 10:00:00.1234'", "datetime", "Conversion failed when converting date and/or time from character string."),
    ("'1700-01-01'", "datetime", "The conversion of a varchar data type to a datetime data type resulted in an out-of-range value."),
    ("'2023-02-30'", "date", "out-of-range value"),
    ("'2080-01-01'", "smalldatetime", "out-of-range value"),
    ("'nope'", "uniqueidentifier", "Conversion failed when converting from a character string to uniqueidentifier."),
    ("0x01", "timestamp", "Cannot insert an explicit value into a timestamp column."),
])
def test_what_sql_server_refuses(written, column_type, error):
    with pytest.raises(ConversionError, match=error.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        stored(written, column_type)


def test_dateformat_decides_how_a_string_is_read():
    assert stored("'05/12/2023'", "date", "dmy") == "2023-12-05"
    assert stored("'05/12/2023'", "date", "mdy") == "2023-05-12"
    assert stored("'2023-05-12'", "datetime", "dmy") == "2023-12-05 00:00:00.000"  # ydm for datetime under dmy
    assert stored("'2023-05-12T00:00:00'", "datetime", "dmy") == "2023-05-12 00:00:00.000"  # ISO 8601 never


def test_file_text_reads_binary_as_hex():
    assert convert("0x0AFF", "varbinary(10)", None) == "\\x0AFF"
    assert convert("0aff", "varbinary(10)", None) == "\\x0AFF"
    assert convert("3", "bit", None) == "1"


@pytest.mark.parametrize("written", ["a", "@x", "dbo.f(1)", "1 + 2", "(SELECT 1)"])
def test_what_is_not_a_constant(written):
    with pytest.raises(NotLiteral):
        read_value(tokenize(written))


def test_literal_types():
    assert read_value(tokenize("'a'")) == Value("varchar", "a")
    assert read_value(tokenize("N'a'")) == Value("nvarchar", "a")
    assert read_value(tokenize("12")) == Value("int", "12")
    assert read_value(tokenize("12.50")) == Value("numeric", "12.50")
    assert read_value(tokenize("1e2")) == Value("float", "1e2")
    assert read_value(tokenize("DEFAULT")) is DEFAULT
    assert read_value(tokenize("((0))")) == Value("int", "0")


import re  # noqa: E402

from hypothesis import assume, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

TYPES = ["int", "tinyint", "bit", "decimal(5,2)", "money", "smallmoney", "float", "real", "varchar(5)", "nchar(3)",
         "datetime", "smalldatetime", "date", "time(3)", "datetime2(2)", "datetimeoffset", "varbinary(4)",
         "binary(2)", "uniqueidentifier", "xml", "timestamp"]
TEXT = st.one_of(st.text(max_size=30), st.from_regex(r"-?\d{1,12}(\.\d{0,9})?(e-?\d{1,3})?", fullmatch=True),
                 st.from_regex(r"\d{4}-\d\d-\d\d( \d\d:\d\d:\d\d(\.\d{1,8})?)?", fullmatch=True))


@settings(max_examples=150, deadline=None)
@example("1e30", "decimal(5,2)", "number")  # once raised decimal.InvalidOperation instead of an overflow
@example("1e30", "money", "number")
@given(TEXT, st.sampled_from(TYPES), st.sampled_from(["literal", "national", "number", "file"]))
def test_any_value_is_stored_or_refused_never_a_crash(text, column_type, kind):
    if kind == "file":
        value = text
    elif kind == "number":
        assume(re.fullmatch(r"-?\d+(\.\d*)?(e-?\d+)?", text))  # the reader's numbers are well formed
        value = Value("numeric" if "e" not in text else "float", text)
    else:
        value = Value("nvarchar" if kind == "national" else "varchar", text)
    try:
        stored_text = convert(value, column_type, None if kind == "file" else "dmy")
    except ConversionError:
        return
    assert stored_text is None or isinstance(stored_text, str)


def test_a_refused_row_of_a_multi_row_insert_is_found_on_its_line(tmp_path):
    from migrator_pipeline.catalog.scripts import read_catalog

    (tmp_path / "t.sql").write_text(
        "CREATE TABLE dbo.T (a int, b varchar(3))\nGO\nINSERT dbo.T VALUES\n"
        "(-1, 'a'),\n(-2, 'b\nc'),\n-- a comment\n(-3, 'long')\n", encoding="utf-8")
    catalog = read_catalog(tmp_path)
    assert [(f.line, f.message) for f in catalog.findings] == [
        (8, "dbo.T row not stored (nor any of the 3 rows of its INSERT): String or binary data would be truncated "
            "(a value of 4 characters into varchar(3)).")]
