from migrator_pipeline.catalog.dependencies import dependency_order
from migrator_pipeline.catalog.model import Catalog, SourceObject


def test_waves_put_what_an_object_needs_first_and_set_cycles_apart():
    catalog = Catalog("x", objects=[
        SourceObject("dbo", "vTop", "view", reads=["dbo.vsales"]),
        SourceObject("dbo", "Sales", "table"),
        SourceObject("dbo", "vSales", "view", reads=["dbo.sales", "dbo.missing"]),
        SourceObject("dw", "usp_Load", "procedure", reads=["dbo.vsales"], writes=["dw.fact"]),
        SourceObject("dw", "Fact", "table"),
        SourceObject("dbo", "a", "procedure", calls=["dbo.b"]),
        SourceObject("dbo", "b", "procedure", calls=["dbo.a"]),
        SourceObject("dbo", "c", "view", reads=["dbo.a"]),
    ])
    waves, blocked = dependency_order(catalog)
    assert waves == [["dbo.Sales", "dw.Fact"], ["dbo.vSales"], ["dbo.vTop", "dw.usp_Load"]]
    assert blocked == ["dbo.a", "dbo.b", "dbo.c"]
