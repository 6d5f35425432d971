"""The expectation gate: Great Expectations 1.x suites generated from the contract.

One `ExpectationGate` is created per run and reused for every file, so GX's import and context
start-up (seconds) is paid once, not per file. Suites are built once per version of the standard.
GX results carry cell values; only row numbers leave this module.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ingest.contract import Contract, VersionContract
from ingest.findings import Finding

COST_SENSE_MIN, COST_SENSE_MAX = 100, 100_000
ROW_KEY_FACTOR = 10_000_000  # row_key = file index * factor + row number: unique across a batch


@dataclass(frozen=True)
class Check:
    """One generated expectation and the finding it produces for each failing row."""

    code: str
    severity: str
    field: str
    column: str  # the frame column the expectation runs on
    kind: str  # not_null | in_set | min | between
    args: tuple[Any, ...] = ()


def checks_for(contract: Contract, version: VersionContract, present: set[str]) -> list[Check]:
    """The checks a version's contract implies, for the columns present in the file."""
    checks: list[Check] = []
    for vf in version.fields:
        name, kind = vf.name, vf.canonical.type
        if name not in present:
            continue
        if vf.required == "yes":
            checks.append(Check("R001", "error", name, name, "not_null"))
        if kind == "category":
            values = contract.canonical_values(vf.canonical.vocabulary or "")
            checks.append(Check("R003", "error", name, name, "in_set", (values,)))
        if kind == "category_list":
            checks.append(Check("R003", "error", name, f"{name}__outside_list", "in_set", ((False,),)))
        if vf.canonical.min is not None and kind in {"money", "integer"}:
            checks.append(Check("R004", "error", name, name, "min", (vf.canonical.min,)))
        if name == "total_weekly_cost":
            checks.append(Check("W001", "warning", name, name, "between", (COST_SENSE_MIN, COST_SENSE_MAX)))
    return checks


def prepared_frame(contract: Contract, frame: pd.DataFrame, checks: list[Check]) -> pd.DataFrame:
    """The frame GX sees: list fields get a helper column saying whether any item is off the list;
    money becomes float (GX compares numbers, not Decimals)."""
    out = frame.copy()
    for check in checks:
        if check.column.endswith("__outside_list"):
            allowed = set(contract.canonical_values(contract.field(check.field).vocabulary or ""))
            out[check.column] = frame[check.field].map(
                lambda items, allowed=allowed: None if items is None else any(i not in allowed for i in items)
            )
        elif contract.field(check.field).type == "money":
            out[check.field] = frame[check.field].map(lambda v: None if v is None else float(v))
    return out


class ExpectationGate:
    def __init__(self, contract: Contract):
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        os.environ.setdefault("TQDM_DISABLE", "1")
        import great_expectations as gx  # slow import: only when a gate is actually built

        self._gx = gx
        self._contract = contract
        self._context = gx.get_context(mode="ephemeral")
        self._context.variables.progress_bars = gx.data_context.types.base.ProgressBarsConfig(globally=False)
        source = self._context.data_sources.add_pandas("intake")
        self._batches = source.add_dataframe_asset("submission").add_batch_definition_whole_dataframe("rows")
        self._suites: dict[tuple[str, tuple[Check, ...]], Any] = {}

    def _suite(self, version: VersionContract, checks: list[Check]):
        key = (version.version, tuple(checks))
        if key not in self._suites:
            gx = self._gx
            suite = gx.ExpectationSuite(name=f"placements-{version.version}-{len(self._suites)}")
            for c in checks:
                if c.kind == "not_null":
                    e = gx.expectations.ExpectColumnValuesToNotBeNull(column=c.column)
                elif c.kind == "in_set":
                    e = gx.expectations.ExpectColumnValuesToBeInSet(column=c.column, value_set=list(c.args[0]))
                elif c.kind == "min":
                    e = gx.expectations.ExpectColumnValuesToBeBetween(column=c.column, min_value=c.args[0])
                else:
                    e = gx.expectations.ExpectColumnValuesToBeBetween(
                        column=c.column, min_value=c.args[0], max_value=c.args[1]
                    )
                e.meta = {"code": c.code, "field": c.field}
                suite.add_expectation(e)
            self._suites[key] = (self._context.suites.add(suite), checks)
        return self._suites[key]

    def validate(
        self, version: VersionContract, parts: list[tuple[pd.DataFrame, dict[str, str]]]
    ) -> list[tuple[list[Finding], dict[str, Any]]]:
        """Validate several files of one version in one GX run (GX's per-run overhead is paid once).
        `parts` are (conformed frame, column letters) per file; returns (findings, value-free summary)
        per file, in the same order."""
        present = set().union(*(set(letters) for _, letters in parts)) if parts else set()
        checks = checks_for(self._contract, version, present)
        out: list[tuple[list[Finding], dict[str, Any]]] = [([], {}) for _ in parts]
        frames = [f.assign(row_key=i * ROW_KEY_FACTOR + f["source_row"]) for i, (f, _) in enumerate(parts) if len(f)]
        if not frames or not checks:
            return out
        suite, checks = self._suite(version, checks)
        combined = prepared_frame(self._contract, pd.concat(frames, ignore_index=True), checks)
        batch = self._batches.get_batch(batch_parameters={"dataframe": combined})
        result = batch.validate(
            suite,
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": ["row_key"],
                "partial_unexpected_count": 0,
            },
        )
        labels = {f.name: f.label for f in version.fields}
        by_expectation = {(c.column, c.kind): c for c in checks}
        failed: list[set[str]] = [set() for _ in parts]
        for r in result.results:
            if r.success:
                continue
            config = r.expectation_config
            check = by_expectation[(config.kwargs["column"], _kind(config.type, config.kwargs))]
            for item in r.result.get("unexpected_index_list") or []:  # only the key is read: no values
                file_index, row = divmod(int(item["row_key"]), ROW_KEY_FACTOR)
                letters = parts[file_index][1]
                if check.field not in letters:
                    continue  # the column is absent from this file: not collected, not missing
                failed[file_index].add(f"{check.code}:{check.field}")
                out[file_index][0].append(
                    Finding(check.code, check.severity, _message(check, labels[check.field]), row=row,
                            column=letters.get(check.field), field=check.field, label=labels[check.field])
                )
        for i, (_, summary) in enumerate(out):
            summary.update(expectations=len(checks), failed_expectations=len(failed[i]), success=not failed[i])
        return out


def _kind(expectation_type: str, kwargs: dict[str, Any]) -> str:
    if expectation_type == "expect_column_values_to_not_be_null":
        return "not_null"
    if expectation_type == "expect_column_values_to_be_in_set":
        return "in_set"
    return "between" if kwargs.get("max_value") is not None else "min"


def _message(check: Check, label: str) -> str:
    return {
        "R001": f"{label}: required value missing.",
        "R003": f"{label}: value is not one of the options for this column.",
        "R004": f"{label}: must not be negative.",
        "W001": f"{label}: weekly cost outside £{COST_SENSE_MIN:,} to £{COST_SENSE_MAX:,}, check for a typo.",
    }[check.code]
