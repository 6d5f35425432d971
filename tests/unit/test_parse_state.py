"""A data root's dbt target starts from the project's partial-parsing state."""

from warehouse.transform import parse_state
from warehouse.transform.parse_state import STATE, seed_parse_state


def test_a_new_target_gets_the_projects_state_and_an_existing_one_keeps_its_own(tmp_path, monkeypatch):
    project = tmp_path / "project-parse"
    project.mkdir()
    (project / STATE).write_bytes(b"project state")
    monkeypatch.setattr(parse_state, "PROJECT_PARSE", project)

    fresh = tmp_path / "root-a" / "dbt" / "target"
    seed_parse_state(fresh)
    assert (fresh / STATE).read_bytes() == b"project state"
    assert sorted(p.name for p in fresh.iterdir()) == [STATE]  # no half-copied file left beside it

    used = tmp_path / "root-b"
    used.mkdir()
    (used / STATE).write_bytes(b"its own, newer")
    seed_parse_state(used)
    assert (used / STATE).read_bytes() == b"its own, newer"


def test_without_a_project_state_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(parse_state, "PROJECT_PARSE", tmp_path / "never-parsed")
    seed_parse_state(tmp_path / "target")
    assert not (tmp_path / "target").exists()
