"""An unreachable database or bucket, or refused credentials: one line saying what, where and how to fix
it, exit code 2, no secret printed, and every landing file left where it was."""

import os
import subprocess
import sys

import pytest

from tests.helpers import VALID, write_template_rows
from tests.services import free_port

pytestmark = pytest.mark.e2e


def _run(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "orchestration.cli", "run"], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def landed(home):
    folder = home / "landing" / "840"
    folder.mkdir(parents=True)
    return write_template_rows(folder / "q2.xlsx", [VALID])


def _refused(done: subprocess.CompletedProcess, landed, *words: str) -> str:
    line = done.stderr.strip()
    assert done.returncode == 2, done.stderr[-2000:]
    assert len(line.splitlines()) == 1 and "Fix:" in line, line
    assert all(w in line for w in words), line
    assert landed.exists()  # nothing moved
    return line


def test_unreachable_database(landed):
    port = free_port()  # nothing listens there
    line = _refused(_run({"PLACEMENTS_WAREHOUSE_URL": f"postgresql://placements@127.0.0.1:{port}/placements"}),
                    landed, f"127.0.0.1:{port}", "PLACEMENTS_WAREHOUSE_URL")
    assert "cannot be used" in line


def test_wrong_database_password_is_refused_and_never_printed(landed, postgres):
    secret = "wrong-password-not-to-be-printed"
    done = _run({"PLACEMENTS_WAREHOUSE_URL": f"postgresql://{postgres.admin}@127.0.0.1:{postgres.port}/placements",
                 "PGPASSWORD": secret})
    line = _refused(done, landed, "password")
    assert secret not in done.stderr + done.stdout and postgres.password not in line


def test_missing_bucket(landed, s3):
    _refused(_run({**s3.environment(), "PLACEMENTS_LANDING_URL": "s3://no-such-bucket/region"}), landed,
             "s3://no-such-bucket/region", "bucket")


def test_unreachable_object_store(landed, s3):
    port = free_port()
    env = {**s3.environment(), "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{port}", "AWS_MAX_ATTEMPTS": "1",
           "PLACEMENTS_LANDING_URL": "s3://placements/region"}
    _refused(_run(env), landed, "s3://placements/region", "AWS_ENDPOINT_URL_S3")


def test_database_not_prepared_by_hub_init(landed, postgres):
    from tests.conftest import fresh_database

    done = _run({"PLACEMENTS_WAREHOUSE_URL": fresh_database(postgres), "PGPASSWORD": postgres.password})
    _refused(done, landed, "placements hub init")


def test_hub_init_is_idempotent_and_grants_published_only(home, postgres, monkeypatch, capsys):
    from orchestration.cli import main
    from tests.conftest import fresh_database

    url = fresh_database(postgres)
    monkeypatch.setenv("PLACEMENTS_WAREHOUSE_URL", url)
    monkeypatch.setenv("PGPASSWORD", postgres.password)
    assert main(["hub", "init"]) == 0 and main(["hub", "init"]) == 0
    assert "placements_analyst may read schema published only" in capsys.readouterr().out
    import psycopg2

    with psycopg2.connect(url) as con, con.cursor() as cur:
        cur.execute("SELECT s, has_schema_privilege('placements_analyst', s, 'USAGE') FROM unnest(ARRAY["
                    "'published', 'raw', 'audit', 'staging', 'intermediate', 'marts', 'reference', 'forecast']) AS s")
        assert dict(cur.fetchall()) == {"published": True, "raw": False, "audit": False, "staging": False,
                                        "intermediate": False, "marts": False, "reference": False, "forecast": False}
        cur.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw'")
        assert cur.fetchone()[0] == 3  # submissions, file_events, placements
