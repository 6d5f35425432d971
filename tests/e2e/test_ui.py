"""The operator's view: `make ui` serves the Dagster UI; headless Chromium finds the graph's assets."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ingest.settings import PROJECT_ROOT

pytestmark = pytest.mark.e2e
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Chromium is not installed: `make test` installs Debian's chromium (make browser).")
    return path


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    home = tmp_path_factory.mktemp("ui") / "data"
    port = _free_port()
    from dagster._core.nux import set_nux_seen

    os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT))
    set_nux_seen()  # the operator has dismissed the first-visit newsletter dialog
    env = {**os.environ, "PLACEMENTS_HOME": str(home), "DAGSTER_HOME": str(PROJECT_ROOT),
           "PLACEMENTS_DAGSTER_STORAGE": str(home / "dagster"),
           "PLACEMENTS_PSEUDONYMISATION_KEY": "ui-test-key-0123456789",
           "PLACEMENTS_STORAGE_KEY": "ui-test-storage-key-0123456789"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-webserver"), "-m", "orchestration.definitions",
         "-h", "127.0.0.1", "-p", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/server_info", timeout=2)
            break
        except OSError:
            if server.poll() is not None:
                pytest.fail(server.stdout.read().decode()[-3000:])
            time.sleep(1)
    else:
        server.terminate()
        pytest.fail("the Dagster UI did not start within 180 s")
    yield url, home
    server.terminate()
    server.wait(timeout=30)


def _browse(url: str, profile: Path, screenshot: Path | None = None) -> str:
    args = [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=30000",
            "--window-size=1600,1000"]
    if screenshot:
        subprocess.run([*args, f"--screenshot={screenshot}", url], capture_output=True, timeout=180)
    return subprocess.run([*args, "--dump-dom", url], capture_output=True, text=True, timeout=180).stdout


def test_asset_graph_page_shows_intake_dbt_and_publish(ui, tmp_path):
    url, home = ui
    dom = _browse(f"{url}/asset-groups", tmp_path / "profile", screenshot=home / "asset-graph.png")
    for group in ["intake", "dbt", "publish"]:  # the lineage of groups: intake -> dbt -> publish
        assert f">{group}<" in dom, f"group {group} not on the asset graph page"
    assert (home / "asset-graph.png").stat().st_size > 10_000


def test_intake_group_page_shows_raw_assets_feeding_dbt(ui, tmp_path):
    url, _ = ui
    dom = _browse(f"{url}/locations/orchestration.definitions/asset-groups/intake", tmp_path / "profile")
    for name in ["placements", "submissions", "stg_placements"]:
        assert f">{name}<" in dom, f"{name} not on the intake group's graph"
