"""PostgreSQL's pseudonyms are Python's: pgcrypto hmac() over the same message, with the key carried as a
session setting (PGOPTIONS) even when it holds spaces and backslashes, and never in the statement."""

import re
from pathlib import Path

import psycopg2

from ingest.settings import PROJECT_ROOT

MACROS = Path(PROJECT_ROOT / "dbt_project" / "macros" / "pseudonymise.sql").read_text(encoding="utf-8")


def _postgres_expression(la: str, value: str) -> str:
    """The postgres__pseudonymise macro's SQL, with the two columns substituted."""
    body = re.search(r"macro postgres__pseudonymise\(la_column, value_column\) -%\}(.*?)\{%- endmacro", MACROS, re.S)
    return body.group(1).replace("{{ la_column }}", la).replace("{{ value_column }}", value)


def test_pgcrypto_pseudonyms_equal_pythons_with_an_awkward_key(postgres, monkeypatch):
    from warehouse.security.pseudonymise import key_version, pseudonym
    from warehouse.storage.engines import key_options

    key = "a key with spaces \\ and a backslash, long enough"
    monkeypatch.setenv("PLACEMENTS_PSEUDONYMISATION_KEY", key)
    monkeypatch.delenv("PLACEMENTS_PSEUDONYMISATION_KEY_FILE", raising=False)
    con = psycopg2.connect(postgres.url(), options=key_options())
    try:
        with con.cursor() as cur:
            cur.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")
            cur.execute(f"SELECT {_postgres_expression('la', 'child')}, "
                        "current_setting('placements.pseudonymisation_key_version') "
                        "FROM (VALUES ('840', 'ABC1'), ('933', 'é 7'), (NULL, 'X')) AS t (la, child)")
            rows = cur.fetchall()
    finally:
        con.close()
    assert [r[0] for r in rows] == [pseudonym(key.encode(), "840", "ABC1"), pseudonym(key.encode(), "933", "é 7"),
                                    None]
    assert rows[0][1] == key_version(key.encode())
