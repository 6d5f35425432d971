"""The landing sensor on a bucket (S3) or container (Azure Blob): the same completeness rule as on a
folder (a `.done` marker, or the same size and ETag at two looks), run keys from the content, and objects
outside an LA prefix refused as today."""

import datetime as dt

import dagster as dg
import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["s3", "az"])
def bucket(request, home, monkeypatch):
    """An empty bucket (S3 on moto) or container (Azure Blob on Azurite) with landing set to it."""
    import uuid

    import fsspec

    server = request.getfixturevalue("s3" if request.param == "s3" else "azurite")
    for name, value in server.environment().items():
        monkeypatch.setenv(name, value)
    name = f"sensor-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("PLACEMENTS_LANDING_URL", f"{request.param}://{name}/hub")
    fs = fsspec.filesystem(request.param, skip_instance_cache=True)
    fs.mkdir(name)
    return fs, f"{name}/hub/landing"


def test_sensor_on_a_bucket_waits_for_complete_objects_and_keys_runs_by_content(bucket):
    from orchestration.defs.automation import landing_sensor
    from orchestration.defs.resources import PlacementsSettings

    fs, landing = bucket
    fs.pipe_file(f"{landing}/840/q1.csv", b"Child ID\nA1\n")
    resources = {"placements": PlacementsSettings()}
    with dg.DagsterInstance.ephemeral() as instance:
        looked = dg.build_sensor_context(instance=instance, resources=resources, cursor=None)
        assert isinstance(landing_sensor(looked), dg.SkipReason)  # seen once
        context = dg.build_sensor_context(instance=instance, resources=resources, cursor=looked.cursor)
        second = landing_sensor(context)
        assert isinstance(second, dg.RunRequest)
        fs.pipe_file(f"{landing}/840/q1.csv", b"Child ID\nA2\n")  # rewritten: a new ETag, waits one look
        changed = dg.build_sensor_context(instance=instance, resources=resources, cursor=context.cursor)
        assert isinstance(landing_sensor(changed), dg.SkipReason)
        again = landing_sensor(dg.build_sensor_context(instance=instance, resources=resources, cursor=changed.cursor))
        assert isinstance(again, dg.RunRequest) and again.run_key != second.run_key
        fs.pipe_file(f"{landing}/840/q2.csv", b"Child ID\nB1\n")
        fs.pipe_file(f"{landing}/840/q2.csv.done", b"")
        fresh = landing_sensor(dg.build_sensor_context(instance=instance, resources=resources, cursor=None))
        assert isinstance(fresh, dg.RunRequest)  # a .done marker: complete at the first look


def test_objects_are_staged_judged_and_moved_with_a_verified_copy(bucket, home, monkeypatch):
    from ingest.settings import load_settings
    from tests.helpers import VALID, write_template_rows
    from warehouse.load import run_intake

    fs, landing = bucket
    write_template_rows(home.parent / "q2.xlsx", [VALID])
    fs.put_file(str(home.parent / "q2.xlsx"), f"{landing}/840/q2.xlsx")
    fs.pipe_file(f"{landing}/840/q2.xlsx.done", b"")
    fs.pipe_file(f"{landing}/stray.csv", b"Child ID\nA1\n")  # no LA prefix: refused as today
    s3 = "s3" in fs.protocol  # S3 keeps a key like 840/../../x; Azure's client cannot create one
    if s3:
        fs.pipe_file(f"{landing}/840/../../escape.csv", b"Child ID\nA1\n")  # a name that climbs: never staged
    result = run_intake(load_settings())
    outcomes = sorted((f.la_code, f.outcome) for f in result.files)
    assert outcomes == [("", "rejected"), ("840", "accepted")]
    root = landing.rsplit("/", 1)[0]
    remaining = sorted(k.split("/hub/", 1)[1] for k in fs.find(f"{root}/landing"))
    assert remaining == (["landing/840/../../escape.csv"] if s3 else [])  # left where it was, for the operator
    archived = fs.find(f"{root}/archive/840")
    assert len(archived) == 1 and fs.cat_file(archived[0]) == next((home / "archive" / "840").iterdir()).read_bytes()
    assert fs.find(f"{root}/quarantine/_no_la_folder") and fs.find(f"{root}/reports/840")
    assert not [p for p in (home / "landing").rglob("*") if p.is_file()]

    from warehouse.erasure import apply_retention, forget_child

    before = fs.cat_file(archived[0])
    assert forget_child(load_settings(), "840", VALID["child_id"]).files == 1
    assert fs.cat_file(archived[0]) != before  # the bucket's sealed copy was rewritten without the child
    assert fs.cat_file(archived[0]) == next((home / "archive" / "840").iterdir()).read_bytes()
    monkeypatch.setenv("PLACEMENTS_RETENTION_DAYS", "0")
    apply_retention(load_settings(), today=dt.date.today() + dt.timedelta(days=2))
    assert fs.find(f"{root}/archive") == [] and fs.find(f"{root}/quarantine") == []
