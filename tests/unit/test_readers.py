import pytest

from ingest.intake.conform import header_scorer
from ingest.intake.readers import UnreadableFile, read_file
from ingest.standard.contract import load_contract

SCORE = header_scorer(load_contract())


@pytest.mark.parametrize("encoding,delimiter", [("utf-8", ","), ("utf-8-sig", ";"), ("cp1252", ",")])
def test_csv_encodings_and_delimiters(tmp_path, encoding, delimiter):
    path = tmp_path / "r.csv"
    text = delimiter.join(["Child ID", "Placement Type", "Placement Location"]) + "\n"
    text += delimiter.join(["A1", "Foster", "Café"]) + "\n\n"
    path.write_bytes(text.encode(encoding))
    table = read_file(path, SCORE)
    assert table.headers == ["Child ID", "Placement Type", "Placement Location"]
    assert table.rows[0] == (2, ["A1", "Foster", "Café"])


@pytest.mark.parametrize("name,content", [("x.xlsx", b"not a zip"), ("x.csv", b"\x00\x01\x02"),
                                          ("x.pdf", b"%PDF"), ("x.csv", b"")])
def test_unreadable_files_raise_a_plain_english_reason(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFile) as err:
        read_file(path, SCORE)
    assert len(str(err.value)) > 10
