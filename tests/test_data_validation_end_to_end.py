"""Data validation end to end: expected rows beside a script source, compared with the built
models by the tester, the evidence in evaluation.json and evaluation.md."""

from __future__ import annotations

import contextlib
import io
import json
import shutil

import pytest

from migrator_pipeline.cli import main
from migrator_pipeline.project_files import BUNDLED_EXAMPLE, ProjectFiles

pytestmark = pytest.mark.slow

# dbo.vw_CustomerDirectory as SQL Server returns it, worked out from 03_data.sql and 05_views.sql:
# ISNULL(FirstName + ' ', '') + LastName (customer 25 has no first name, so no leading space),
# ISNULL(CompanyName, N'(private customer)'), a NULL Email as an empty field, IsActive = 1 ->
# 'Active', YEAR(CreatedDate).
CUSTOMER_DIRECTORY = """\
CustomerID,FullName,CompanyName,Email,City,RegionName,Country,CustomerStatus,CustomerSinceYear
1,James O'Brien,O'Brien Catering,james@obriencatering.com,Boston,North East,United States,Active,2022
2,Mary Smith,(private customer),mary.smith@example.com,New York,North East,United States,Active,2022
3,Robert Williams,Williams Deli,orders@williamsdeli.com,Hartford,North East,United States,Active,2022
4,Patricia Davis,(private customer),,Atlanta,South East,United States,Active,2022
5,Michael Garcia,Garcia Foods LLC,mgarcia@garciafoods.com,Miami,South East,United States,Active,2022
6,Linda Martinez,(private customer),linda.m@example.com,Orlando,South East,United States,Inactive,2022
7,William Anderson,Anderson Office Supply,bill@andersonoffice.com,Chicago,Midwest,United States,Active,2022
8,Elizabeth Taylor,(private customer),etaylor@example.com,Minneapolis,Midwest,United States,Active,2022
9,David Thomas,Lakeside Café,hello@lakesidecafe.com,Milwaukee,Midwest,United States,Active,2022
10,Jennifer Moore,(private customer),,Seattle,West Coast,United States,Active,2022
11,Richard Jackson,Jackson & Sons Grocers,rj@jacksongrocers.com,Portland,West Coast,United States,Active,2022
12,Susan White,(private customer),susan.white@example.com,San Francisco,West Coast,United States,Active,2022
13,Joseph Harris,Harris Hotels,purchasing@harrishotels.com,San Diego,West Coast,United States,Active,2022
14,Oliver Hughes,(private customer),oliver.hughes@example.co.uk,London,United Kingdom,United Kingdom,Active,2022
15,Charlotte Evans,Evans Tea Rooms,info@evanstearooms.co.uk,Bath,United Kingdom,United Kingdom,Active,2022
16,George Wright,(private customer),,Manchester,United Kingdom,United Kingdom,Active,2022
17,Lukas Schneider,Schneider Bäckerei,lukas@schneider-baeckerei.de,München,Germany,Germany,Active,2023
18,Anna Fischer,(private customer),anna.fischer@example.de,Berlin,Germany,Germany,Active,2023
19,Jonas Weber,Weber Büromarkt,einkauf@weber-buero.de,Hamburg,Germany,Germany,Active,2023
20,Camille Bernard,(private customer),camille.b@example.fr,Lyon,France,France,Active,2023
21,Hugo Dubois,Café de la Gare,contact@cafedelagare.fr,Paris,France,France,Active,2023
22,Léa Moreau,(private customer),,Marseille,France,France,Inactive,2023
23,Nora Johansen,Fjord Kaffebar,post@fjordkaffebar.no,Bergen,Nordics,Norway,Active,2023
24,Erik Lindqvist,(private customer),erik.lindqvist@example.se,Stockholm,Nordics,Norway,Active,2023
25,Zoë's Organic Market,Zoë's Organic Market,orders@zoesorganic.com,Denver,Midwest,United States,Active,2023
26,Daniel Kim,(private customer),daniel.kim@example.com,Los Angeles,West Coast,United States,Active,2023
27,Grace O'Malley,O'Malley's Pub,grace@omalleys.ie,Liverpool,United Kingdom,United Kingdom,Active,2023
28,Ahmed Hassan,(private customer),ahmed.hassan@example.com,Philadelphia,North East,United States,Active,2023
29,Sofia Rossi,Rossi Trattoria,sofia@rossitrattoria.com,Chicago,Midwest,United States,Active,2024
30,Mateo López,(private customer),,Houston,South East,United States,Active,2024
"""

# dbo.vw_ProductCatalog, deliberately WRONG in two ways: product 7 (no UnitCost, so SQL Server
# says 'Unknown') is given as 'Low', and product 24 appears twice.
WRONG_PRODUCT_CATALOG = """\
ProductID,ProductName,CategoryName,ParentCategory,SupplierName,UnitPrice,UnitCost,MarginBand,IsDiscontinued
1,Colombian Dark Roast 1kg,Coffee,Beverages,Bean & Leaf Importers,24.90,14.20,Medium,N
2,Ethiopian Yirgacheffe 500g,Coffee,Beverages,Nordic Roasters AS,18.50,10.75,Medium,N
3,Espresso Blend 1kg,Coffee,Beverages,Nordic Roasters AS,22.00,12.40,Medium,N
4,Decaf House Blend 500g,Coffee,Beverages,Bean & Leaf Importers,13.75,7.90,Medium,Y
5,Earl Grey 100 bags,Tea,Beverages,Highland Teas Ltd,6.95,3.10,High,N
6,Sencha Green Tea 250g,Tea,Beverages,Highland Teas Ltd,11.40,5.80,Medium,N
7,Rooibos Vanilla 50 bags,Tea,Beverages,Highland Teas Ltd,4.80,,Low,N
8,Orange Juice 1L,Juices,Beverages,Citrus Valley Farms,3.20,1.45,High,N
9,Apple & Ginger Juice 1L,Juices,Beverages,Sunny Orchards,3.60,1.70,High,N
10,Cold-Pressed Green Juice 500ml,Juices,Beverages,Sunny Orchards,5.90,3.05,Medium,N
11,Sea Salt Crisps 150g,Snacks,Food,Crunch Co.,2.40,0.95,High,N
12,Dark Chocolate Almonds 200g,Snacks,Food,Old Mill Snacks,5.75,2.60,High,Y
13,Trail Mix 400g,Snacks,Food,Crunch Co.,6.20,3.30,Medium,N
14,Butter Croissant 4-pack,Bakery,Food,Boulangerie Dupont,4.50,2.10,High,N
15,Sourdough Loaf 800g,Bakery,Food,Boulangerie Dupont,5.25,2.35,High,N
16,Pain au Chocolat 4-pack,Bakery,Food,Boulangerie Dupont,5.10,2.45,High,N
17,All-Purpose Cleaner 750ml,Cleaning,Household,CleanHome GmbH,3.95,1.60,High,N
18,Dishwasher Tablets 40x,Cleaning,Household,CleanHome GmbH,9.80,5.10,Medium,N
19,Glass Cleaner 500ml,Cleaning,Household,CleanHome GmbH,2.95,,Unknown,N
20,Paper Towels 6 rolls,Paper Goods,Household,Pacific Paper Mills,7.40,4.05,Medium,N
21,Toilet Tissue 12 rolls,Paper Goods,Household,Pacific Paper Mills,8.90,5.20,Medium,N
22,Napkins 200 pack,Paper Goods,Household,Pacific Paper Mills,3.30,1.55,High,N
23,Chai Spice Tea 250g,Tea,Beverages,Highland Teas Ltd,9.60,4.40,High,N
24,Iced Coffee Concentrate 1L,Coffee,Beverages,Bean & Leaf Importers,8.75,4.10,High,N
24,Iced Coffee Concentrate 1L,Coffee,Beverages,Bean & Leaf Importers,8.75,4.10,High,N
"""


@pytest.fixture(scope="module")
def migrated(migrator_home, warehouse_url, tmp_path_factory):
    source = tmp_path_factory.mktemp("data_validation") / "sales_dw"
    shutil.copytree(BUNDLED_EXAMPLE, source)
    expected = source / "expected"
    expected.mkdir()
    (expected / "dbo.vw_CustomerDirectory.csv").write_text(CUSTOMER_DIRECTORY, encoding="utf-8")
    (expected / "dbo.vw_ProductCatalog.csv").write_text(WRONG_PRODUCT_CATALOG, encoding="utf-8")
    (expected / "dbo.NoSuchView.csv").write_text("a\n1\n", encoding="utf-8")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["migrate", str(source), "--project", "datacheck"]) == 0
    files = ProjectFiles("datacheck")
    files.path("printed.txt").write_text(printed.getvalue(), encoding="utf-8")  # the CLI's summary
    return files, {o["source"]: o for o in json.loads(files.path("evaluation.json").read_text())["objects"]}


def test_the_right_expected_rows_match(migrated):
    _, objects = migrated
    directory = objects["dbo.vw_CustomerDirectory"]
    assert (directory["status"], directory["data"], directory["reason"]) == ("passed", "matched", None)
    assert {k: directory["data_match"][k] for k in ("compared", "matched", "expected_rows", "actual_rows",
                                                     "missing", "unexpected")} == {
        "compared": True, "matched": True, "expected_rows": 30, "actual_rows": 30, "missing": 0, "unexpected": 0}


def test_the_wrong_expected_rows_fail_the_view_with_the_rows_that_differ(migrated):
    _, objects = migrated
    catalog = objects["dbo.vw_ProductCatalog"]
    assert (catalog["status"], catalog["data"]) == ("failed", "differs")
    assert catalog["reason"] == "data differs from SQL Server: 2 missing, 1 unexpected rows"
    evidence = catalog["data_match"]
    assert (evidence["expected_rows"], evidence["actual_rows"]) == (25, 24)
    assert [(r["ProductID"], r["MarginBand"]) for r in evidence["missing_rows"]] == [("7", "Low"), ("24", "High")]
    assert evidence["unexpected_rows"] == [{
        "ProductID": "7", "ProductName": "Rooibos Vanilla 50 bags", "CategoryName": "Tea",
        "ParentCategory": "Beverages", "SupplierName": "Highland Teas Ltd", "UnitPrice": "4.8000",
        "UnitCost": None, "MarginBand": "Unknown", "IsDiscontinued": "N"}]


def test_objects_without_expected_rows_are_not_compared_and_the_report_shows_it_all(migrated):
    files, objects = migrated
    assert objects["dbo.vw_MonthlySales"]["data"] == "not compared"
    assert objects["dbo.vw_MonthlySales"]["data_match"]["compared"] is False
    summary = json.loads(files.path("evaluation.json").read_text())["summary"]
    assert (summary["data_compared"], summary["data_matched"]) == (2, 1)
    markdown = files.path("evaluation.md").read_text()
    assert "| dbo.vw_CustomerDirectory | datacheck.vw_customerdirectory | expected/dbo.vw_CustomerDirectory.csv " \
           "| 30 | 30 | matched |" in markdown
    assert "| missing | 7 | Rooibos Vanilla 50 bags | Tea | Beverages | Highland Teas Ltd | 4.80 | NULL | Low | N |" \
        in markdown
    assert "| unexpected | 7 | Rooibos Vanilla 50 bags | Tea | Beverages | Highland Teas Ltd | 4.8000 | NULL " \
           "| Unknown | N |" in markdown
    assert "- warning: expected rows for dbo.NoSuchView, which is not in the source, skipped " \
           "(`expected/dbo.NoSuchView.csv`)" in markdown


def test_every_count_of_passed_objects_says_how_many_rest_on_rows(migrated):
    from dagster import AssetKey, AssetRecordsFilter, DagsterInstance

    files, objects = migrated
    summary = json.loads(files.path("evaluation.json").read_text())["summary"]
    levels = summary["passed_by_evidence"]
    assert objects["dbo.vw_CustomerDirectory"]["evidence"] == "rows_matched"
    assert objects["dbo.vw_MonthlySales"]["evidence"] == "built_and_tested"
    assert objects["dbo.vw_ProductCatalog"]["evidence"] == "none"
    assert levels["rows_matched"] == 1
    assert sum(levels.values()) == summary["by_status"]["passed"]
    phrase = (f"{summary['by_status']['passed']} passed (1 verified by rows, "
              f"{levels['built_and_tested']} built and tested only")
    assert f"objects: {phrase}" in files.path("printed.txt").read_text()  # the CLI's summary line
    assert f"objects passed: 1 verified by rows, {levels['built_and_tested']} built and tested only" in \
        files.path("evaluation.md").read_text()
    records = DagsterInstance.get().fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey("evaluation"), asset_partitions=["datacheck"]), limit=1).records
    metadata = records[0].asset_materialization.metadata
    assert metadata["passed_verified_by_rows"].value == 1
    assert metadata["passed_built_and_tested_only"].value == levels["built_and_tested"]
    assert metadata["passed_summary"].value.startswith(phrase)


def test_the_yaml_holds_the_built_types_and_the_capture_kit_uses_them(migrated, capsys):
    import yaml

    files, _ = migrated
    types = json.loads(files.path("column_types.json").read_text())
    built = types["datacheck.vw_customerdirectory"]
    assert built["customersinceyear"] == "integer" and built["fullname"].startswith(("character varying", "text"))
    models = [m for path in (files.dbt_dir / "models").glob("*/_*__models.yml")
              for m in yaml.safe_load(path.read_text())["models"]]
    directory = next(m for m in models if m["name"] == "vw_customerdirectory")
    assert {c["name"]: c["data_type"] for c in directory["columns"]} == built
    assert main(["capture-kit", "--project", "datacheck"]) == 0
    assert "type unknown" not in capsys.readouterr().out  # every view column typed by its build
    script = (files.root / "capture_kit" / "capture.sql").read_text()
    assert "-> expected/dbo.vw_CustomerDirectory.csv" in script
    assert "ISNULL(CONVERT(nvarchar(max), [CustomerSinceYear]), N'')" in script
