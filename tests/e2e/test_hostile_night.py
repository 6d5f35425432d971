"""A night with hostile and odd entries beside good files: each odd one is refused with its reason, the good
files load, nothing outside landing is read, and landing ends empty."""

import datetime as dt
import os

import pytest

from ingest.intake.landing import landed_files
from synthetic import hostile
from synthetic.generator import generate_region
from tests.helpers import open_wh
from warehouse.load import run_intake

pytestmark = pytest.mark.e2e


def test_odd_entries_are_refused_and_the_rest_of_the_night_loads(home, tmp_path):
    from ingest.settings import load_settings

    landing = home / "landing"
    region = generate_region(landing, seed=9, las=("840",), first_year=2025, quarters=2, referrals_per_quarter=5,
                             messy=False, today=dt.date(2026, 1, 1))
    outside = tmp_path / "outside.csv"
    outside.write_text("Child ID\nSECRET-OUTSIDE-LANDING\n")
    (landing / "391").mkdir()
    hostile.decompression_bomb(landing / "391" / "bomb.xlsx", unpacked_mb=300)
    hostile.wide_csv(landing / "391" / "wide.csv")
    hostile.many_records_jsonld(landing / "391" / "many.jsonld")
    hostile.symlink_to(landing / "391" / "link.csv", outside)  # a link to a file outside landing
    hostile.symlink_to(landing / "elsewhere", tmp_path)  # a link to a folder
    hostile.fifo(landing / "391" / "pipe.csv")  # would block a reader forever
    (landing / "391" / "line\nbreak.csv").write_text("not,a,return\n")  # a newline in a name
    (landing / "391" / "up\\..\\..\\evil.csv").write_text("still,not,a,return\n")  # a Windows path as a name
    (landing / "391" / ".upload.csv.part").write_text("partial")  # hidden: an upload in progress, left alone
    (landing / "391" / "empty folder").mkdir()

    result = run_intake(load_settings())

    outcome = {f.file_name: (f.outcome, f.reason) for f in result.files}
    assert result.count("accepted") == len(region.files)
    with open_wh(home) as con:
        refused = dict(con.execute("SELECT file_name, reason FROM raw.submissions WHERE status = 'rejected'"
                                   ).fetchall())
    assert set(refused) == {n for n, (o, _) in outcome.items() if o == "rejected"}
    for name in ("bomb.xlsx", "wide.csv", "many.jsonld"):
        assert outcome[name][0] == "rejected" and "limit" in outcome[name][1], name
    for name in ("link.csv", "pipe.csv", "elsewhere"):
        assert outcome[name][0] == "rejected" and "not a file" in outcome[name][1], name
    assert outcome["line\nbreak.csv"][0] == "rejected"
    assert outcome["up\\..\\..\\evil.csv"][0] == "rejected"
    assert landed_files(landing) == []
    assert [p.name for p in landing.rglob("*") if p.is_file()] == [".upload.csv.part"]
    assert outside.read_text() == "Child ID\nSECRET-OUTSIDE-LANDING\n"  # untouched, and never read:
    quarantined = list((home / "quarantine").rglob("*"))
    assert not any(b"SECRET-OUTSIDE-LANDING" in p.read_bytes() for p in quarantined if p.is_file()
                   and not p.is_symlink())
    assert all("\n" not in p.name and "\\" not in p.name and not p.name.startswith(".") for p in quarantined)
    links = [p for p in quarantined if p.is_symlink()]
    assert len(links) == 2 and os.readlink(next(p for p in links if p.name.endswith("link.csv"))) == str(outside)
