"""Findings of the gate and the rule catalogue (ingest/standard/rules.yaml) they refer to."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str  # error | warning
    scope: str  # file | row | across_rows
    title: str
    hint: str
    check: str | None = None
    fields: Any = None  # a list of canonical fields, or a selector: required, risks, categorical, with_placement
    args: dict[str, Any] = field(default_factory=dict)
    pairs: dict[str, str] = field(default_factory=dict)


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
        return rules()[self.code]


@cache
def rules() -> dict[str, Rule]:
    doc = yaml.safe_load(resources.files("ingest.standard").joinpath("rules.yaml").read_text("utf-8"))
    return {code: Rule(code=code, **spec) for code, spec in doc["rules"].items()}
