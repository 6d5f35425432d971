import hashlib
import hmac

import duckdb
import pytest

from ingest.standard.identity import identifier
from warehouse.security import pseudonymise
from warehouse.security.pseudonymise import MissingKey, load_key, pseudonym


def test_pseudonym_is_hmac_sha256_of_la_and_child():
    key = b"k" * 32
    expected = hmac.new(key, b"933\x1fABC123", hashlib.sha256).hexdigest()
    assert pseudonym(key, "933", "ABC123") == expected
    assert pseudonym(key, "933", identifier(" abc123 ")) == expected  # ids arrive normalised by conform
    assert pseudonym(key, "840", "ABC123") != expected
    assert pseudonym(b"x" * 32, "933", "ABC123") != expected
    assert pseudonym(key, "933", None) is None


def test_missing_or_short_key_stops_with_a_clear_error(monkeypatch):
    monkeypatch.delenv("PLACEMENTS_PSEUDONYMISATION_KEY", raising=False)
    monkeypatch.delenv("PLACEMENTS_PSEUDONYMISATION_KEY_FILE", raising=False)
    with pytest.raises(MissingKey, match="PLACEMENTS_PSEUDONYMISATION_KEY"):
        load_key()
    monkeypatch.setenv("PLACEMENTS_PSEUDONYMISATION_KEY", "short")
    with pytest.raises(MissingKey, match="too short"):
        load_key()


def test_key_file_is_read(tmp_path, monkeypatch):
    monkeypatch.delenv("PLACEMENTS_PSEUDONYMISATION_KEY", raising=False)
    (tmp_path / "key").write_text("a-long-enough-key-from-a-file\n")
    monkeypatch.setenv("PLACEMENTS_PSEUDONYMISATION_KEY_FILE", str(tmp_path / "key"))
    assert load_key() == b"a-long-enough-key-from-a-file"


def test_duckdb_function_matches_python_and_sql_never_holds_the_key(monkeypatch):
    monkeypatch.setenv("PLACEMENTS_PSEUDONYMISATION_KEY", "the-key-under-test-0123456789")
    pseudonymise._cached_key.cache_clear()
    con = duckdb.connect()
    pseudonymise.register_functions(con)
    got = con.execute("SELECT pseudonymise_child('933', 'ABC123'), pseudonymisation_key_version()").fetchone()
    assert got[0] == pseudonym(b"the-key-under-test-0123456789", "933", "ABC123")
    assert len(got[1]) == 8 and got[1] not in "the-key-under-test-0123456789"
    pseudonymise._cached_key.cache_clear()
