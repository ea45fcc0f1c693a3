def test_embedded_server_serves_both_databases(pg, warehouse_url):
    pg.execute("select current_database(), version()")
    database, version = pg.fetchone()
    assert database == "warehouse"
    assert "PostgreSQL 16" in version
    assert "host=" in warehouse_url
