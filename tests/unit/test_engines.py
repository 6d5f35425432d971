"""Choosing the warehouse and the landing by configuration, and the few translations between them."""

import pytest

from ingest.settings import Settings
from warehouse.storage.engines import (
    DuckDbWarehouse,
    PostgresWarehouse,
    WarehouseUnreachable,
    pg_address,
    pg_sql,
    warehouse_for,
)
from warehouse.storage.inbox import LandingUnreachable, LocalInbox, ObjectInbox, _safe_parts, inbox_for


def test_configuration_chooses_the_engine_and_the_inbox(tmp_path):
    default = Settings(home=tmp_path)
    assert isinstance(warehouse_for(default), DuckDbWarehouse) and isinstance(inbox_for(default), LocalInbox)
    hub = Settings(home=tmp_path, warehouse_url="postgresql://placements@db:5433/wh", landing_url="s3://b/p")
    assert isinstance(warehouse_for(hub), PostgresWarehouse) and isinstance(inbox_for(hub), ObjectInbox)


def test_duckdb_placeholders_become_psycopg2_ones():
    assert pg_sql("DELETE FROM t WHERE a = ? AND b IN ?") == "DELETE FROM t WHERE a = %s AND b = ANY(%s)"
    assert pg_sql("SELECT '5%' || ?") == "SELECT '5%%' || %s"


def test_the_url_is_read_and_a_password_in_it_is_never_shown():
    address = pg_address("postgresql://hub%40x:s3cret@db.example:6432/placements")
    assert (address.user, address.host, address.port, address.database) == ("hub@x", "db.example", 6432, "placements")
    assert "s3cret" not in address.shown
    with pytest.raises(WarehouseUnreachable, match="PLACEMENTS_WAREHOUSE_URL must look like"):
        pg_address("mysql://db/x")


def test_object_names_that_could_leave_landing_are_not_staged():
    assert _safe_parts("840/q2.xlsx") == ["840", "q2.xlsx"]
    for bad in ("840/../../etc/passwd", "../x.csv", "840/.hidden.csv", ".x", "840/a\\b.csv"):
        assert _safe_parts(bad) is None, bad


def test_landing_url_must_be_object_storage(tmp_path):
    with pytest.raises(LandingUnreachable, match="s3://bucket/prefix"):
        ObjectInbox(Settings(home=tmp_path, landing_url="ftp://x/y"))
