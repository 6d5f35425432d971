"""Findings of the gate: one problem, where it is, and the rule of the catalogue it breaks."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.standard.contract import Rule, load_contract


@dataclass(frozen=True)
class Finding:
    """One problem found. `message` never contains a cell value: it names the column and the issue."""

    code: str
    severity: str
    message: str
    row: int | None = None
    column: str | None = None  # Excel column letter, or the JSON property
    field: str | None = None  # canonical field name
    label: str | None = None  # header as the LA sees it

    @property
    def rule(self) -> Rule:
        return load_contract().rule(self.code)
