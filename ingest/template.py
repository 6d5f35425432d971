"""A blank submission template generated from the contract: the 2026 template's layout (sections in
row 1, headers in row 2, descriptions in row 3, data from row 4), with dropdowns from the vocabularies."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ingest.contract import Contract, VersionField

TEMPLATE_VERSION = "template-2026"
LAYOUT = "2026-06"
DATA_ROWS = 1000
SECTION_TITLES = {
    "availability": "Determinants of placement availability", "requirements": "Placement requirements",
    "recommendation": "Placement recommendation", "risks": "Risks", "placement": "Actual placement",
    "quality": "Quality assurance",
}
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")


def _description(f: VersionField, contract: Contract) -> str:
    text = f.canonical.description
    if f.canonical.vocabulary:
        text += "\nOptions: " + ", ".join(contract.canonical_values(f.canonical.vocabulary))
        if f.canonical.type == "category_list":
            text += "\nSeveral allowed, separated by commas."
    elif f.canonical.type == "boolean":
        text += "\nOptions: Yes, No"
    elif f.canonical.type == "date":
        text += "\nDate as DD/MM/YYYY."
    elif f.canonical.type == "money":
        text += "\nWeekly amount in pounds, e.g. 1234.50."
    if f.required == "yes":
        text += "\nRequired."
    elif f.required == "with_placement":
        text += "\nRequired once the child is placed; blank until then."
    return text


def write_template(contract: Contract, path: Path) -> Path:
    version = contract.version(TEMPLATE_VERSION)
    without = set(version.layouts.get(LAYOUT, {}).get("without", ()))
    fields = [f for f in version.fields if f.name not in without]
    wb = Workbook()
    ws = wb.active
    ws.title = "Data Collection"
    lists = wb.create_sheet("Lists")
    lists.sheet_state = "hidden"
    list_ranges: dict[str, str] = {}
    for i, (name, values) in enumerate(contract.vocabularies.items(), start=1):
        col = get_column_letter(i)
        lists.cell(1, i, name)
        for r, value in enumerate(values, start=2):
            lists.cell(r, i, value)
        list_ranges[name] = f"Lists!${col}$2:${col}${len(values) + 1}"
    lists.cell(1, len(list_ranges) + 1, "yes_no")
    lists.cell(2, len(list_ranges) + 1, "Yes")
    lists.cell(3, len(list_ranges) + 1, "No")
    yes_no_col = get_column_letter(len(list_ranges) + 1)
    list_ranges["yes_no"] = f"Lists!${yes_no_col}$2:${yes_no_col}$3"

    last_row = 3 + DATA_ROWS
    section_start: dict[str, int] = {}
    for c, f in enumerate(fields, start=1):
        letter = get_column_letter(c)
        section_start.setdefault(f.canonical.section, c)
        header = ws.cell(2, c, f.headers[0])
        header.font = Font(bold=True, color="FFFFFF")
        header.fill = HEADER_FILL
        ws.cell(3, c, _description(f, contract)).alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[letter].width = 24
        source = list_ranges.get(f.canonical.vocabulary or ("yes_no" if f.canonical.type == "boolean" else ""))
        if source:
            dv = DataValidation(type="list", formula1=f"={source}", allow_blank=True,
                                errorStyle="warning" if f.canonical.type == "category_list" else "stop",
                                error="Choose a value from the list.", errorTitle="Not in the list")
            dv.add(f"{letter}4:{letter}{last_row}")
            ws.add_data_validation(dv)
        if f.canonical.type == "date":
            for r in range(4, last_row + 1):
                ws.cell(r, c).number_format = "DD/MM/YYYY"
    for section, start in section_start.items():
        end = max(c for c, f in enumerate(fields, start=1) if f.canonical.section == section)
        ws.cell(1, start, SECTION_TITLES.get(section, section)).font = Font(bold=True)
        if end > start:
            ws.merge_cells(start_row=1, start_column=start, end_row=1, end_column=end)
    ws.row_dimensions[3].height = 120
    ws.freeze_panes = "B4"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
