"""The blank template opens in LibreOffice Calc (installed by `make office`) and keeps its sheets."""

import shutil
import subprocess

import pytest

from ingest.standard.contract import load_contract
from ingest.standard.template import write_template

pytestmark = pytest.mark.e2e


def test_libreoffice_opens_the_generated_template(tmp_path):
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail("LibreOffice is not installed: `make test` installs it (make office).")
    write_template(load_contract(), tmp_path / "blank.xlsx")
    result = subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/profile",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
         "--outdir", str(tmp_path), str(tmp_path / "blank.xlsx")],
        capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert "repair" not in (result.stdout + result.stderr).lower()
    sheet = (tmp_path / "blank-Data Collection.csv").read_text(encoding="utf-8")
    assert sheet.splitlines()[1].startswith("child_ID,when_placement_is_needed_by")
    assert (tmp_path / "blank-Lists.csv").read_text(encoding="utf-8").startswith("urgency,")
