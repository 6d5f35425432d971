"""A blank submission template generated from the contract: the version file that names a
`blank_template` (the 2026 template) gives the layout, sheet, header and data rows; canonical.yaml gives
the section titles (group row above the headers), descriptions and dropdown values."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ingest.standard.contract import Contract, VersionContract, VersionField

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


def template_version(contract: Contract) -> VersionContract:
    """The version whose layout the blank template follows (the one file naming a blank_template)."""
    return next(v for v in contract.versions if v.spec.blank_template)


def write_template(contract: Contract, path: Path) -> Path:
    version = template_version(contract)
    blank = version.spec.blank_template
    fields = version.layout_fields(blank.layout)
    header_row, first_row = version.header_row, version.first_data_row
    group_row = header_row - 1  # section titles above the headers; descriptions between headers and data
    wb = Workbook()
    ws = wb.active
    ws.title = version.sheet
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

    last_row = first_row - 1 + blank.data_rows
    section_start: dict[str, int] = {}
    for c, f in enumerate(fields, start=1):
        letter = get_column_letter(c)
        section_start.setdefault(f.canonical.section, c)
        header = ws.cell(header_row, c, f.headers[0])
        header.font = Font(bold=True, color="FFFFFF")
        header.fill = HEADER_FILL
        description = ws.cell(header_row + 1, c, _description(f, contract))
        description.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[letter].width = 24
        source = list_ranges.get(f.canonical.vocabulary or ("yes_no" if f.canonical.type == "boolean" else ""))
        if source:
            dv = DataValidation(type="list", formula1=f"={source}", allow_blank=True,
                                errorStyle="warning" if f.canonical.type == "category_list" else "stop",
                                error="Choose a value from the list.", errorTitle="Not in the list")
            dv.add(f"{letter}{first_row}:{letter}{last_row}")
            ws.add_data_validation(dv)
        if f.canonical.type == "date":
            for r in range(first_row, last_row + 1):
                ws.cell(r, c).number_format = "DD/MM/YYYY"
    if group_row >= 1:
        for section, start in section_start.items():
            end = max(c for c, f in enumerate(fields, start=1) if f.canonical.section == section)
            ws.cell(group_row, start, contract.sections[section]).font = Font(bold=True)
            if end > start:
                ws.merge_cells(start_row=group_row, start_column=start, end_row=group_row, end_column=end)
    ws.row_dimensions[header_row + 1].height = 120
    ws.freeze_panes = f"B{first_row}"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
