"""The Northwind oracle held to published figures and to SQL Server's typing rules.

The script-reading tests need the public script, given by MIGRATOR_NORTHWIND_SQL; without it they
are skipped. The arithmetic rules are checked on their own, with no script.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from northwind_oracle import (
    VIEW_NAMES,
    Northwind,
    extended_price,
    is_money_tie,
    money_from_real,
    read_northwind,
    real,
    real_op,
)

SCRIPT_ENV = "MIGRATOR_NORTHWIND_SQL"


@pytest.fixture(scope="module")
def northwind() -> Northwind:
    script = os.environ.get(SCRIPT_ENV)
    if not script or not Path(script).is_file():
        pytest.skip(f"{SCRIPT_ENV} does not name the public Northwind script (microsoft/sql-server-samples, "
                    "samples/databases/northwind-pubs/instnwnd.sql)")
    return read_northwind(Path(script))


# --- the rules, no script needed --------------------------------------------------------


def test_real_is_single_precision():
    # float and real (Transact-SQL): real is float(24), 4 bytes
    assert real(Decimal("0.15")) == 0.15000000596046448
    assert real_op(real(1), "-", real(Decimal("0.15"))) == 0.8500000238418579
    assert real(Decimal("0.1")) != 0.1


def test_money_times_real_is_computed_in_real_then_converted_to_money():
    # 14.00 * 12 * (1 - 0) / 100 in real is 1.68 to single precision, 1.6800 as money, 168.0000 * 100
    assert extended_price(Decimal("14.0000"), 12, real(0)) == Decimal("168.0000")
    # 42.40 * 35 * (1 - 0.15): 1484 * 0.85000002 = 1261.4000..., / 100 -> 12.614 in real -> 12.6140
    assert extended_price(Decimal("42.4000"), 35, real(Decimal("0.15"))) == Decimal("1261.4000")


def test_an_exact_tie_is_recognised():
    assert is_money_tie(2.65625)
    assert not is_money_tie(real(Decimal("2.65625")) + 2**-20)
    assert not is_money_tie(1.5)


def test_a_real_converted_to_money_keeps_four_decimals_of_its_binary_value():
    assert money_from_real(real(Decimal("1.674"))) == Decimal("1.6740")  # 1.67399990558624267578125
    assert money_from_real(0.03125) == Decimal("0.0313")  # an exact tie rounds away from zero
    assert money_from_real(-0.03125) == Decimal("-0.0313")


# --- the oracle over the public script --------------------------------------------------


def test_published_order_subtotals(northwind):
    subtotals = northwind.subtotals()
    assert subtotals[10248] == Decimal("440.00")
    assert subtotals[10249] == Decimal("1863.40")


def test_the_script_reads_whole(northwind):
    counts = {name: len(table.rows) for name, table in northwind.tables.items()}
    assert counts == {"Categories": 8, "Customers": 91, "Employees": 9, "Order Details": 2155, "Orders": 830,
                      "Products": 77, "Shippers": 3, "Suppliers": 29}
    assert northwind.orders[10248]["ShipAddress"] == "59 rue de l'Abbaye"  # '' is a quote


def test_every_view_has_rows_and_the_columns_it_names(northwind):
    views = northwind.views()
    assert tuple(views) == VIEW_NAMES
    sizes = {name: len(result.rows) for name, result in views.items()}
    assert sizes == {
        "dbo.Customer and Suppliers by City": 120, "dbo.Alphabetical list of products": 69,
        "dbo.Current Product List": 69, "dbo.Orders Qry": 830, "dbo.Products Above Average Price": 25,
        "dbo.Products by Category": 69, "dbo.Quarterly Orders": 86, "dbo.Invoices": 2155,
        "dbo.Order Details Extended": 2155, "dbo.Order Subtotals": 830, "dbo.Product Sales for 1997": 77,
        "dbo.Category Sales for 1997": 8, "dbo.Sales by Category": 77, "dbo.Sales Totals by Amount": 66,
        "dbo.Summary of Sales by Quarter": 809, "dbo.Summary of Sales by Year": 809}
    for result in views.values():
        assert all(len(row) == len(result.columns) for row in result.rows), result.name


def test_the_lines_that_rest_on_the_undocumented_tie_rounding_are_known(northwind):
    # CONVERT(money, real) of an exact x.xxxx5: half away from zero is followed; these three
    # lines are where that choice shows (only 10954/31 would differ under half-to-even).
    ties = [(d["OrderID"], d["ProductID"]) for d in northwind.money_ties()]
    assert ties == [(10549, 31), (10838, 18), (10954, 31)]
    assert northwind.subtotals()[10954] == Decimal("1659.54")


def test_ten_most_expensive_products(northwind):
    rows = northwind.ten_most_expensive_products().rows
    assert rows[0] == ("Côte de Blaye", Decimal("263.50"))
    assert rows[-1] == ("Rössle Sauerkraut", Decimal("45.60"))
    assert len(rows) == 10
