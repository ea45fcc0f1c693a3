import os

import pytest

from migrator_pipeline.catalog.live_source import PASSWORD_VARIABLE
from migrator_pipeline.cli import UsageError, _variables, _without_secret


def test_a_live_source_is_kept_without_its_password(monkeypatch):
    monkeypatch.delenv(PASSWORD_VARIABLE, raising=False)
    location = "Driver={ODBC Driver 18 for SQL Server};Server=db1;Database=SalesDW;UID=etl;PWD=s3cret"
    kept = _without_secret(location)
    assert "s3cret" not in kept
    assert kept == "Driver={ODBC Driver 18 for SQL Server};Server=db1;Database=SalesDW;UID=etl"
    assert os.environ[PASSWORD_VARIABLE] == "s3cret"  # for this process's own steps only


def test_paths_are_not_touched():
    assert _without_secret("/data/estate") == "/data/estate"


def test_sqlcmd_variables():
    assert _variables(["DataPath=C:\\data", "Env="]) == {"DataPath": "C:\\data", "Env": ""}
    with pytest.raises(UsageError, match="--var expects NAME=VALUE, got 'oops'"):
        _variables(["oops"])
