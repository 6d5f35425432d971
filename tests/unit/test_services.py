"""The test servers are real: PostgreSQL answers SQL with pgcrypto and refuses a wrong password; the S3
endpoint stores and lists objects through fsspec as a bucket would."""

import psycopg2
import pytest


def test_postgres_is_a_real_server_with_password_auth(postgres):
    with psycopg2.connect(postgres.url()) as con, con.cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")
        cur.execute("SELECT encode(hmac('a', 'k', 'sha256'), 'hex'), current_setting('server_version_num')::int")
        digest, version = cur.fetchone()
    assert len(digest) == 64 and version >= 130000
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        psycopg2.connect(postgres.url(password="wrong")).close()


def test_s3_endpoint_stores_and_lists(s3, monkeypatch):
    import s3fs

    for name, value in s3.environment().items():
        monkeypatch.setenv(name, value)
    fs = s3fs.S3FileSystem(skip_instance_cache=True)
    fs.mkdir("services-check")
    fs.pipe("services-check/933/a.csv", b"x,y\n1,2\n")
    assert fs.ls("services-check/933", detail=False) == ["services-check/933/a.csv"]
    assert fs.cat("services-check/933/a.csv") == b"x,y\n1,2\n"
