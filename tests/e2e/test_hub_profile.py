"""The regional hub profile gives the same answers: one generated region (the demo's LAs, every version of
the standard, messy files included) run on the default profile (DuckDB file, local landing) and on the hub
profile (landing in an S3 bucket on moto's server, warehouse on a real PostgreSQL server). Every published
table is compared row for row, exactly; the bucket ends as landing does locally; the analyst role reads
`published` and nothing else; the key appears nowhere, not even in the server's statement statistics."""

import datetime as dt
import shutil

import duckdb
import psycopg2
import pytest

from ingest.settings import PROJECT_ROOT
from synthetic.generator import generate_region
from tests.conftest import TEST_KEY, fresh_database
from tests.helpers import run_nightly, use_data_root

pytestmark = pytest.mark.e2e
BUCKET = "placements-hub"
RUN_TIME_COLUMNS = {"received_at"}  # when each run received the files: the only column allowed to differ


@pytest.fixture(scope="module")
def profiles(tmp_path_factory, postgres, s3):
    import s3fs

    source = tmp_path_factory.mktemp("returns")
    generated = generate_region(source, seed=11, quarters=4, referrals_per_quarter=10, today=dt.date(2026, 1, 1))
    returns = sorted(p for p in source.rglob("*") if p.is_file())
    local_home = tmp_path_factory.mktemp("duckdb") / "data"
    hub_home = tmp_path_factory.mktemp("hub") / "data"
    with pytest.MonkeyPatch.context() as mp:
        use_data_root(mp, local_home)
        mp.delenv("PLACEMENTS_WAREHOUSE_URL", raising=False)
        mp.delenv("PLACEMENTS_LANDING_URL", raising=False)
        for path in returns:  # the same bytes on both profiles: the same submission ids
            target = local_home / "landing" / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        local = run_nightly()
    with pytest.MonkeyPatch.context() as mp:
        use_data_root(mp, hub_home)
        for name, value in s3.environment().items():
            mp.setenv(name, value)
        url = fresh_database(postgres)
        mp.setenv("PLACEMENTS_WAREHOUSE_URL", url)
        mp.setenv("PGPASSWORD", postgres.password)
        mp.setenv("PLACEMENTS_LANDING_URL", f"s3://{BUCKET}/region")
        fs = s3fs.S3FileSystem(skip_instance_cache=True)
        fs.mkdir(BUCKET)
        for path in returns:
            fs.put_file(str(path), f"{BUCKET}/region/landing/{path.relative_to(source).as_posix()}")
        from ingest.settings import load_settings
        from warehouse.hub import init_hub

        init_hub(load_settings())
        hub = run_nightly()
        listing = {key: fs.cat_file(key) for key in fs.find(f"{BUCKET}/region")}
        yield {"local": local, "hub": hub, "local_home": local_home, "hub_home": hub_home, "url": url,
               "listing": listing, "returns": returns, "source": source, "generated": generated,
               "postgres": postgres}


def _tables(path):
    with duckdb.connect(str(path), read_only=True) as con:
        return {t: con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? "
                               "ORDER BY column_index", [t]).fetchall()
                for (t,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()}


def _rows(path, table, columns):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY ALL").fetchall()


def test_both_profiles_run_and_publish(profiles):
    assert profiles["local"].success and profiles["hub"].success


def test_every_published_table_is_the_same_row_for_row(profiles):
    local_file = profiles["local_home"] / "published" / "placements.duckdb"
    hub_file = profiles["hub_home"] / "published" / "placements.duckdb"
    local, hub = _tables(local_file), _tables(hub_file)
    assert sorted(local) == sorted(hub) and len(local) >= 10
    assert local == hub  # the same columns with the same types
    compared = 0
    for table, columns in local.items():
        names = [c for c, _ in columns if c not in RUN_TIME_COLUMNS]
        local_rows, hub_rows = _rows(local_file, table, names), _rows(hub_file, table, names)
        assert local_rows == hub_rows, f"{table} differs"
        compared += len(local_rows)
    assert compared > 1000
    with duckdb.connect(str(hub_file), read_only=True) as con:  # descriptions travel from PostgreSQL too
        undocumented = con.execute("SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal "
                                   "AND (comment IS NULL OR comment = '')").fetchall()
        assert undocumented == []
        assert all(c for (c,) in con.execute("SELECT comment FROM duckdb_tables() WHERE NOT internal").fetchall())
    for export in ("mart_sufficiency.csv", "mart_cost_like_for_like.csv"):
        assert (profiles["local_home"] / "published" / "exports" / export).read_bytes() == \
            (profiles["hub_home"] / "published" / "exports" / export).read_bytes()


def test_the_bucket_ends_as_local_landing_does(profiles):
    keys = sorted(profiles["listing"])
    landing = [k for k in keys if "/region/landing/" in k]
    assert landing == []  # every landed object was settled, then deleted
    local_names = {p.name for p in (profiles["local_home"] / "reports").rglob("*") if p.is_file()}
    bucket_reports = {k.rsplit("/", 1)[1] for k in keys if "/region/reports/" in k}
    assert bucket_reports == local_names  # the same feedback reports, for the LAs to read
    archived = [k for k in keys if "/region/archive/" in k]
    quarantined = [k for k in keys if "/region/quarantine/" in k]
    local_archive = sorted(p for p in (profiles["hub_home"] / "archive").rglob("*") if p.is_file())
    assert len(archived) == len(local_archive) > 0 and quarantined
    for path in local_archive:  # the bucket's sealed copies are the run's, byte for byte
        key = f"{BUCKET}/region/archive/{path.relative_to(profiles['hub_home'] / 'archive').as_posix()}"
        assert profiles["listing"][key] == path.read_bytes()


def test_published_schema_is_swapped_in_and_only_it_is_readable_by_analysts(profiles):
    server, url = profiles["postgres"], profiles["url"]
    database = url.rsplit("/", 1)[1]
    with psycopg2.connect(server.url(database=database)) as con, con.cursor() as cur:
        con.autocommit = True
        cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'published' ORDER BY 1")
        published = [t for (t,) in cur.fetchall()]
        cur.execute("SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'published_next'")
        assert cur.fetchone()[0] == 0  # built aside, then renamed
        cur.execute("DROP ROLE IF EXISTS analyst_alice")
        cur.execute("CREATE ROLE analyst_alice LOGIN PASSWORD 'test-only-analyst' IN ROLE placements_analyst")
    assert sorted(published) == sorted(_tables(profiles["hub_home"] / "published" / "placements.duckdb"))
    analyst = psycopg2.connect(server.url(user="analyst_alice", password="test-only-analyst", database=database))
    analyst.autocommit = True  # each refused statement on its own
    try:
        with analyst.cursor() as cur:
            cur.execute("SELECT count(*) FROM published.mart_sufficiency")
            assert cur.fetchone()[0] > 0
        for private in ("raw.placements", "raw.submissions", "marts.fct_referrals", "staging.stg_placements",
                        "intermediate.int_referrals_latest", "audit.pseudonymisation_keys"):
            with analyst.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute(f"SELECT 1 FROM {private} LIMIT 1")
    finally:
        analyst.close()


def test_the_key_appears_nowhere_not_even_in_statement_statistics(profiles):
    key = TEST_KEY.encode()
    home = profiles["hub_home"]
    scanned = 0
    for place in (home / "dbt", home / "published", home / "dagster", PROJECT_ROOT / "dbt_project" / "logs",
                  PROJECT_ROOT / "dbt_project" / "target"):
        for path in (p for p in place.rglob("*") if p.is_file()) if place.exists() else []:
            assert key not in path.read_bytes(), f"{path} holds the key"
            scanned += 1
    assert scanned > 20
    server = profiles["postgres"]
    with psycopg2.connect(server.url()) as con, con.cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        cur.execute("SELECT count(*), count(*) FILTER (WHERE query LIKE %s) FROM pg_stat_statements",
                    [f"%{TEST_KEY}%"])
        statements, with_key = cur.fetchone()
        cur.execute("SELECT count(*) FROM pg_stat_statements WHERE query LIKE '%hmac(%'")
        pseudonymising = cur.fetchone()[0]
    assert statements > 100 and pseudonymising > 0 and with_key == 0
    assert key not in (server.directory / "server.log").read_bytes()


def test_each_la_gets_its_feedback_page_on_both_profiles(profiles):
    """The feedback folders do not depend on where the warehouse is: the same LAs, the same history rows."""
    def pages(home):
        return {p.parent.name: p for p in (home / "feedback").glob("*/index.html")}

    local, hub = pages(profiles["local_home"]), pages(profiles["hub_home"])
    assert local and sorted(local) == sorted(hub)
    for la, page in local.items():
        assert page.read_text().count("<tr class=") == hub[la].read_text().count("<tr class=")
