from migrator_pipeline.catalog.data_files import empty_as_null


def test_an_empty_csv_field_is_null_and_every_other_field_stays_as_written():
    assert empty_as_null(["1", "", " ", "NULL", '""']) == ["1", None, " ", "NULL", '""']
