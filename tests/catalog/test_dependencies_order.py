from migrator_pipeline.catalog.dependencies import dependency_order, dependency_sequence
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


def test_the_sequence_takes_the_smallest_ready_name_first_and_leaves_cycles_over():
    # `b` is ready before `c` but after `a`; once `a` is done, `z` (needing only `a`) is ready,
    # yet `b` comes first: the smallest ready name wins, not the wave it became ready in
    needs = {"z": {"a"}, "c": set(), "b": set(), "a": set(), "x": {"y"}, "y": {"x"}, "w": {"x"}}
    assert dependency_sequence(needs) == (["a", "b", "c", "z"], ["x", "y", "w"])
