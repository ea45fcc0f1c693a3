"""The text paths of `column_converter` (what storing a data file's or a string literal's
millions of values takes first) answer exactly what the general conversion answers, or leave
the value to it: one grid of texts per column type, both ways, the same result or the same error."""

import pytest

from migrator_pipeline.catalog.values import _CONVERTERS, ConversionError, Value, column_converter, type_family, type_parts

TEXTS = {
    "integer": ["0", "7", "007", "99", "100", "255", "256", "-1", "+5", " 5", "5 ", "32767", "32768", "999999999",
                "2147483647", "2147483648", "9" * 18, "9223372036854775807", "9223372036854775808", "9" * 19,
                "\uff11", "\u00b2", "1.0", "", "abc"],
    "guid": ["6F9619FF-8B86-D011-B42D-00C04FC964FF", "{6f9619ff-8b86-d011-b42d-00c04fc964ff}",
             " 6f9619ff-8b86-d011-b42d-00c04fc964ff ", "6F9619FF-8B86-D011-B42D", "", "x"],
    "float": ["0", "1.5", "-1.5e10", " 2 ", "", ".5", "5.", "1e400", "nan", "inf", "1,5", "x"],
    "bit": ["0", "1", "2", "-1", "true", " FALSE ", "", "1.0", "x", "007"],
    "string": ["", "a", "ab", "abc", "abcd", " ", "a ", "é"],
    "date": ["2023-12-31", "2023-12-31 23:59:59.997", "2023-12-31 23:59:59.999", "2023-12-31T23:59:59",
             "2023-02-30", "1752-12-31 00:00:00", "2023-12-31 24:00:00", "2023-12-31 23:59:59.1234567",
             "2023-12-31 23:59:59.12345678", "12/31/2023", ""],
}
TYPES = {
    "integer": ["tinyint", "smallint", "int", "bigint"],
    "guid": ["uniqueidentifier"],
    "float": ["float", "real"],
    "bit": ["bit"],
    "string": ["varchar(3)", "nchar(3)", "nvarchar(max)", "text"],
    "date": ["date", "datetime", "datetime2", "datetime2(3)", "smalldatetime"],
}
CASES = [(family, column_type) for family, types in TYPES.items() for column_type in types]


def _outcome(convert, value) -> tuple[str, str]:
    try:
        return "stored", convert(value)
    except ConversionError as error:
        return "refused", str(error)


@pytest.mark.parametrize("dateformat", [None, "mdy", "dmy"])
@pytest.mark.parametrize(("family", "column_type"), CASES)
def test_text_path_answers_what_the_general_path_answers(family: str, column_type: str, dateformat: str | None) -> None:
    name, args = type_parts(column_type)
    assert type_family(name) == family
    general = _CONVERTERS[family]
    text_type = "file" if dateformat is None else "varchar"
    differences = []
    for text in TEXTS[family]:
        expected = _outcome(lambda value: general(Value(text_type, value), name, args, dateformat or "mdy"), text)
        given = text if dateformat is None else Value("varchar", text)
        answer = _outcome(column_converter(column_type, dateformat), given)
        if answer != expected:
            differences.append((text, answer, expected))
    assert differences == []
