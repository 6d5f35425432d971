import subprocess
import sys

from orchestration.cli import main
from tests.helpers import VALID, write_template_rows


def test_run_without_a_key_stops_with_a_clear_error(tmp_path, monkeypatch):
    env = {"PATH": "/usr/bin:/bin", "PLACEMENTS_HOME": str(tmp_path / "data"), "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "orchestration.cli", "run"], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2
    assert "PLACEMENTS_PSEUDONYMISATION_KEY" in result.stderr
    assert not (tmp_path / "data" / "warehouse" / "warehouse.duckdb").exists()


def test_validate_exit_codes_and_report(home, tmp_path, capsys):
    good = write_template_rows(tmp_path / "good.xlsx", [VALID])
    bad = write_template_rows(tmp_path / "bad.xlsx", [{**VALID, "placement_type": "??"}])
    assert main(["validate", str(good), "--la", "933", "--report-dir", str(tmp_path / "r")]) == 0
    assert main(["validate", str(bad), "--la", "933", "--report-dir", str(tmp_path / "r")]) == 1
    out = capsys.readouterr().out
    assert "ACCEPTED" in out and "REJECTED" in out and "R003" in out
    assert len(list((tmp_path / "r").glob("*.html"))) == 2 and len(list((tmp_path / "r").glob("*.csv"))) == 2
    assert not (home / "warehouse" / "warehouse.duckdb").exists()  # validate never touches the warehouse


def test_template_command_writes_a_workbook(tmp_path):
    assert main(["template", str(tmp_path / "t.xlsx")]) == 0
    assert (tmp_path / "t.xlsx").stat().st_size > 5000


def test_the_command_ends_with_helper_processes_left_open():
    # a night whose dbt build fails leaves the chart renderers started during the build: the command must
    # still end (found by make soak: it waited for the renderer's idle process for ever), as must one
    # whose assessors' pool is still open
    script = ("import orchestration.cli as cli\n"
              "from publish.charts import _RENDERER, start_renderer\n"
              "from warehouse import load\n"
              "def main():\n"
              "    start_renderer()\n"
              "    pool = load._pool()\n"
              "    pool.submit(int).result()\n"
              "    for r in _RENDERER: r.warmed.result()  # started and idle, as after a build\n"
              "    return 1\n"
              "cli.main = main\n"
              "cli.entry()\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
