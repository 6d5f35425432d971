"""dbt's partial-parsing state, shared from the project with each data root. dbt keeps it in a build's
target folder (partial_parse.msgpack) and, when nothing it depends on has changed, re-reads only the
project files that did; without it dbt parses the whole project (about 2 s more on this machine). A data
root's target folder starts empty, so its first build would parse from scratch: it starts from the state
the project's own parse left (orchestration/environment.py: the manifest Dagster loads). dbt checks that
state itself (dbt's version, the profile, vars, each file's hash) and parses afresh where it does not
match, so a stale or foreign state costs time, never a wrong manifest."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ingest.settings import PROJECT_ROOT

PROJECT_PARSE = PROJECT_ROOT / "dbt_project" / "target" / "parse"  # the project's own `dbt parse` target
STATE = "partial_parse.msgpack"


def seed_parse_state(target_path: Path) -> None:
    """A target folder without a parsing state gets a copy of the project's (whole, by rename: two builds
    starting at once never read half a file)."""
    target_path = Path(target_path)
    source = PROJECT_PARSE / STATE
    if (target_path / STATE).exists() or not source.exists():
        return
    target_path.mkdir(parents=True, exist_ok=True)
    partial = target_path / f".{STATE}.{os.getpid()}"
    try:
        shutil.copyfile(source, partial)
        os.replace(partial, target_path / STATE)
    except OSError:  # only time is lost: dbt parses the project itself
        partial.unlink(missing_ok=True)
