import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference"
TEST_KEY = "test-only-key-not-for-real-data-0123456789"
TEST_STORAGE_KEY = "test-only-storage-key-not-for-real-data-9876543210"


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """An empty PLACEMENTS_HOME with a test pseudonymisation key."""
    monkeypatch.setenv("PLACEMENTS_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("PLACEMENTS_PSEUDONYMISATION_KEY", TEST_KEY)
    monkeypatch.delenv("PLACEMENTS_PSEUDONYMISATION_KEY_FILE", raising=False)
    monkeypatch.setenv("PLACEMENTS_STORAGE_KEY", TEST_STORAGE_KEY)
    monkeypatch.delenv("PLACEMENTS_STORAGE_KEY_FILE", raising=False)
    return tmp_path / "data"


def shared_reference() -> Path:
    if not SHARED.exists():  # the task's shared/ sits beside the repo, in CI too
        pytest.fail(f"reference material not found at {SHARED}")
    return SHARED


os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest():
    """The dbt manifest the Dagster definitions load, parsed once if the project changed (as the CLI does)."""
    from orchestration.environment import ensure_dbt_manifest

    return ensure_dbt_manifest()


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server for this test worker (tests/services.py), stopped at the end."""
    from tests.services import postgres_server

    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def s3():
    """An S3 endpoint (moto's server mode on 127.0.0.1) for this test worker."""
    from tests.services import s3_server

    with s3_server() as server:
        yield server


@pytest.fixture(scope="session")
def azurite():
    """An Azure Blob endpoint (Azurite) for this test worker."""
    from tests.services import azurite_server

    with azurite_server() as server:
        yield server


def fresh_database(server) -> str:
    """A new, empty database on the test server; its URL without the password (PGPASSWORD carries it)."""
    import uuid

    import psycopg2

    name = f"hub_{uuid.uuid4().hex[:10]}"
    con = psycopg2.connect(server.url())
    con.autocommit = True
    with con.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
    con.close()
    return f"postgresql://{server.admin}@{server.host}:{server.port}/{name}"


def use_hub_database(server, monkeypatch) -> str:
    """Point this test's warehouse at a fresh PostgreSQL database, prepared by `placements hub init`."""
    from ingest.settings import load_settings
    from warehouse.hub import init_hub

    url = fresh_database(server)
    monkeypatch.setenv("PLACEMENTS_WAREHOUSE_URL", url)
    monkeypatch.setenv("PGPASSWORD", server.password)
    init_hub(load_settings())
    return url


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse_profile(request, home, monkeypatch) -> str:
    """Run the test on the default DuckDB warehouse and again on a PostgreSQL one (the hub profile)."""
    if request.param == "postgres":
        use_hub_database(request.getfixturevalue("postgres"), monkeypatch)
    else:
        monkeypatch.delenv("PLACEMENTS_WAREHOUSE_URL", raising=False)
    return request.param
