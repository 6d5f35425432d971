"""The analyst file's copy from the warehouse (publish/analyst_file.py), on small DuckDB files: each table,
topped up or made afresh, ends with the warehouse's rows and descriptions."""

import duckdb

from publish.analyst_file import _copy_from_duckdb

DESCRIBED = ("SELECT table_name, column_name, comment FROM duckdb_columns() WHERE database_name = ? "
             "AND schema_name = ? ORDER BY table_name, column_index")
TABLES = "SELECT table_name, comment FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? ORDER BY 1"


def _warehouse(path) -> None:
    with duckdb.connect(str(path)) as wh:
        wh.execute("CREATE SCHEMA marts")
        for table in ("kept", "remade"):
            wh.execute(f"CREATE TABLE marts.{table} AS SELECT * FROM range(3) r(n)")
            wh.execute(f"COMMENT ON TABLE marts.{table} IS 'the {table} table'")
            wh.execute(f"COMMENT ON COLUMN marts.{table}.n IS 'a number of {table}'")


def test_a_table_made_afresh_beside_a_topped_up_one_gets_the_warehouse_descriptions(tmp_path):
    _warehouse(tmp_path / "wh.duckdb")
    with duckdb.connect(str(tmp_path / "analyst.duckdb")) as out:
        # last night's file: both tables described, one row short, one with a row the warehouse dropped
        for table, rows in (("kept", "range(2)"), ("remade", "range(4)")):
            out.execute(f"CREATE TABLE main.{table} AS SELECT * FROM {rows} r(n)")
            out.execute(f"COMMENT ON TABLE main.{table} IS 'the {table} table'")
            out.execute(f"COMMENT ON COLUMN main.{table}.n IS 'a number of {table}'")
        out.execute(f"ATTACH '{tmp_path / 'wh.duckdb'}' AS wh (READ_ONLY)")
        rows = _copy_from_duckdb(out, [("marts", "kept"), ("marts", "remade")], top_up={"kept"})
        out.execute(f"ATTACH '{tmp_path / 'wh.duckdb'}' AS wh (READ_ONLY)")
        assert rows == {"kept": 3, "remade": 3}
        for query in (DESCRIBED, TABLES):
            assert (out.execute(query, ["analyst", "main"]).fetchall()
                    == out.execute(query, ["wh", "marts"]).fetchall())
        assert out.execute("SELECT list(n ORDER BY n) FROM remade").fetchone()[0] == [0, 1, 2]
