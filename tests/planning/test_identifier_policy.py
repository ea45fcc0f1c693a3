"""The identifier policies: `lower` (the default, unchanged) and `snake_case`, by example."""

from __future__ import annotations

import pytest

from migrator_pipeline.catalog.model import Catalog, Column, SourceObject
from migrator_pipeline.planning.naming import identifier_spellings, snake_case_spellings
from migrator_pipeline.planning.planner import plan_migration
from migrator_pipeline.tsql.identifiers import fold_columns, fold_identifier, raw_columns, snake_identifier, spelling_names


@pytest.mark.parametrize(("name", "snake"), [
    ("OrderLineID", "order_line_id"), ("isActive", "is_active"), ("HTTPStatus", "http_status"),
    ("SalesYTD", "sales_ytd"), ("AddressLine1", "address_line1"), ("order_id", "order_id"),
    ("ID", "id"), ("Order Date", "order_date"), ("[vSalesPerson]", "v_sales_person"), ("rowguid", "rowguid"),
    ("2ndPlace", "_2nd_place"),
])
def test_snake_identifier(name, snake):
    assert snake_identifier(name) == snake


def _catalog(*objects: SourceObject) -> Catalog:
    return Catalog("x", list(objects))


def _table(name: str, *columns: str) -> SourceObject:
    return SourceObject("dbo", name, "table", columns=[Column(c, "int") for c in columns])


def test_every_spelling_of_a_name_gets_the_same_dbt_name():
    catalog = _catalog(_table("OrderLines", "OrderID"), _table("Orders", "Orderid"))
    spellings, notes = snake_case_spellings(catalog)
    assert spellings["orderid"] == "order_id"  # as often declared: the spelling with most words
    assert notes == ["OrderID / Orderid -> order_id: one name in SQL Server, spelt differently; "
                     "the most declared spelling names it"]
    catalog.objects.append(_table("Returns", "Orderid"))
    assert "orderid" not in snake_case_spellings(catalog)[0]  # `Orderid` twice: `orderid`, as `lower` has it
    with spelling_names(spellings):
        # as a view may write it: SQL Server does not mind the case
        assert [fold_identifier(n) for n in ("ORDERID", "orderid", "[OrderID]", "OrderLines")] == [
            "order_id", "order_id", "order_id", "order_lines"]
        assert fold_identifier("SomeAlias") == "somealias"  # no declared name: the `lower` policy
    assert fold_identifier("OrderID") == "orderid"  # outside, the default again


def test_two_names_that_would_become_one_stay_apart():
    spellings, notes = snake_case_spellings(_catalog(_table("Shipments", "OrderRef", "Order_Ref", "ShipDate")))
    with spelling_names(spellings):
        assert fold_columns(["OrderRef", "Order_Ref", "ShipDate"]) == {
            "OrderRef": "orderref", "Order_Ref": "order_ref", "ShipDate": "ship_date"}
        assert raw_columns(["OrderRef", "ShipDate"]) == {"OrderRef": "orderref", "ShipDate": "shipdate"}
    assert notes == ["orderref -> orderref: order_ref names order_ref already"]


def _views(*names: str) -> Catalog:
    return _catalog(*(SourceObject("dbo", name, "view", body=f"CREATE VIEW dbo.[{name}] AS SELECT 1 AS One")
                      for name in names))


def test_two_models_that_would_take_one_name_stay_apart():
    plan = plan_migration(_views("vOrders", "v_orders"), "p", "snake_case")
    assert sorted(m.name for m in plan.models) == ["v_orders", "vorders"]
    # one schema, and names that fold alike under either policy: the schema prefix is not enough
    plan = plan_migration(_views("v orders", "v_orders"), "p")
    assert sorted(m.name for m in plan.models) == ["dbo__v_orders", "dbo__v_orders_2"]


def test_the_default_policy_plans_as_before_and_snake_case_renames_in_staging():
    catalog = _catalog(_table("OrderLines", "OrderLineID", "Qty"))
    lower, snake = plan_migration(catalog, "p"), plan_migration(catalog, "p", "snake_case")
    assert (lower.models[0].name, lower.identifier_policy, lower.spellings) == ("stg_dbo__orderlines", "lower", {})
    assert lower.models[0].sql == "select\n    orderlineid,\n    qty\nfrom {{ source('dbo', 'orderlines') }}"
    assert snake.models[0].name == "stg_dbo__order_lines"
    assert snake.models[0].sql == ("select\n    orderlineid as order_line_id,\n    qty\n"
                                   "from {{ source('dbo', 'orderlines') }}")
    assert snake.names["dbo.OrderLines"] == {"model": "stg_dbo__order_lines",
                                             "columns": {"OrderLineID": "order_line_id", "Qty": "qty"}}


def test_an_unknown_policy_is_refused():
    with pytest.raises(ValueError, match="unknown identifier policy 'camel': use one of lower, snake_case"):
        identifier_spellings(_catalog(), "camel")
