"""dbt's view of the contract, generated from ingest/standard/*.yaml so that it is never written by hand.

    python -m warehouse.transform.generate          # rewrite the generated files
    python -m warehouse.transform.generate --check  # exit 1 if a committed file differs (run by `make test`)

Generates:
- `models/staging/stg_placements.sql`: the staging model's column list. What a column may expose is the
  contract's sensitivity: identifiers become keyed pseudonyms or presence flags, officer names and free
  text stop here, everything else passes as conform stored it.
- `models/staging/_stg_placements.yml`: its column descriptions (from the contract) and tests (controlled
  values, required-everywhere fields not null, the LA in the reference list).
- `macros/contract_values.sql`: the fields and the vocabularies as macros. SQL names a controlled value only through
  `contract_value('vocabulary', 'Value')`, which fails the compile when the contract lacks the value, so
  renaming a value in the contract cannot silently zero a count.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from ingest.settings import PROJECT_ROOT
from ingest.standard.contract import Column, Contract, load_contract

DBT_DIR = PROJECT_ROOT / "dbt_project"
HEADER = "GENERATED from ingest/standard/canonical.yaml by `python -m warehouse.transform.generate`: do not edit."
KEY_VERSION = ("child_key_version", "Fingerprint of the key that made the pseudonyms, for key rotation.")


def _required_everywhere(contract: Contract, column: Column) -> bool:
    fields = [v.get(column.name) for v in contract.versions]
    return all(f is not None and f.required == "yes" for f in fields)


def staging_columns(contract: Contract) -> list[tuple[str, str, str, list]]:
    """(staging column, SQL expression, description, rules) in the raw zone's column order. A rule is
    "not_null", {"vocabulary": name[, "is_list": True]} (both checked by one conforms_to_contract test) or a
    dbt test of the column's own (relationships)."""
    out: list[tuple[str, str, str, list]] = []
    for c in contract.raw_columns:
        exposure = c.staging_exposure
        tests: list = []
        if exposure == "drop":
            continue
        if exposure == "pseudonymise":
            out.append((c.as_, f"{{{{ pseudonymise('la_code', '{c.name}') }}}}",
                        f"Keyed pseudonym (HMAC-SHA256 of LA code and value under the region's secret key) of: "
                        f"{c.description}", ["not_null"]))
            if c.name == "child_id":
                out.append((KEY_VERSION[0], "{{ pseudonymisation_key_version() }}", KEY_VERSION[1], ["not_null"]))
            continue
        if exposure == "presence":
            out.append((c.as_, f"{c.name} is not null", f"Whether a value was given for: {c.description}", []))
            continue
        if c.vocabulary:
            tests.append({"vocabulary": c.vocabulary, **({"is_list": True} if c.type == "category_list" else {})})
        if c.section and _required_everywhere(contract, c):
            tests.append("not_null")
        if c.name in {"submission_id", "la_code", "received_at", "source_row", "standard_version"}:
            tests.append("not_null")
        if c.name == "la_code":
            tests.append({"relationships": {"arguments": {"to": "ref('ref_local_authorities')", "field": "la_code"}}})
        out.append((c.name, c.name, c.description, tests))
    return out


def staging_sql(contract: Contract) -> str:
    columns = staging_columns(contract)
    lines = [
        f"-- {HEADER}",
        "-- One row per accepted source row of every submission, pseudonymised: raw identifiers, officer names",
        "-- and free text do not pass this model (the contract's `sensitivity` and `staging` decide).",
        "-- Incremental: a night pseudonymises only the submissions it received (an accepted submission's",
        "-- rows never change; erasure and key rotation edit this table in place).",
        "{{ config(materialized='incremental', on_schema_change='fail') }}",
        "",
        "select",
    ]
    for i, (name, expr, _, _) in enumerate(columns):
        comma = "," if i < len(columns) - 1 else ""
        lines.append(f"    {expr}{comma}" if name == expr else f"    {expr} as {name}{comma}")
    lines += [
        "from {{ source('raw', 'placements') }}",
        "{% if is_incremental() %}",
        "    where submission_id not in (select distinct t.submission_id from {{ this }} as t)",
        "{% endif %}",
    ]
    return "\n".join(lines) + "\n"


def _contract_rules(rules: list) -> dict:
    out: dict = {}
    for rule in rules:
        if rule == "not_null":
            out["not_null"] = True
        elif "vocabulary" in rule:
            out.update(rule)
    return out


def staging_yml(contract: Contract) -> str:
    columns = staging_columns(contract)
    checked = {name: _contract_rules(rules) for name, _, _, rules in columns if _contract_rules(rules)}
    doc = {"version": 2, "models": [{
        "name": "stg_placements",
        "description": "Accepted rows of every submission, conformed by the intake and pseudonymised. Raw child "
                       "ids, officer names and free text do not pass this model.",
        "data_tests": [{"conforms_to_contract": {"arguments": {"columns": checked}}}],
        "columns": [{"name": name, "description": " ".join(description.split()),
                     **({"data_tests": own} if (own := [r for r in rules if isinstance(r, dict) and
                                                        "relationships" in r]) else {})}
                    for name, _, description, rules in columns],
    }]}
    return f"# {HEADER}\n" + yaml.safe_dump(doc, sort_keys=False, width=120, allow_unicode=True)


def contract_values_macro(contract: Contract) -> str:
    vocabularies = ",\n".join(f"        {name!r}: {list(values)!r}" for name, values in contract.vocabularies.items())
    return f"""{{# {HEADER} #}}

{{# The controlled values of every vocabulary of the contract. #}}
{{% macro contract_vocabularies() %}}
    {{{{ return({{
{vocabularies}
    }}) }}}}
{{% endmacro %}}

{{# The fields of the standard, in the contract's order (the raw zone's columns after lineage). #}}
{{% macro contract_fields() %}}
    {{{{ return({list(contract.field_names)!r}) }}}}
{{% endmacro %}}

{{# A controlled value as a SQL literal; compiling fails when the contract has no such value. #}}
{{% macro contract_value(vocabulary, value) -%}}
    {{%- set values = contract_vocabularies().get(vocabulary) -%}}
    {{%- if values is none -%}}
        {{{{ exceptions.raise_compiler_error("contract_value: no vocabulary '" ~ vocabulary ~ "' in the contract") }}}}
    {{%- elif value not in values -%}}
        {{{{ exceptions.raise_compiler_error("contract_value: '" ~ value ~ "' is not a value of " ~ vocabulary) }}}}
    {{%- endif -%}}
    '{{{{ value | replace("'", "''") }}}}'
{{%- endmacro %}}
"""


def generated_files(contract: Contract) -> dict[Path, str]:
    return {
        DBT_DIR / "models" / "staging" / "stg_placements.sql": staging_sql(contract),
        DBT_DIR / "models" / "staging" / "_stg_placements.yml": staging_yml(contract),
        DBT_DIR / "macros" / "contract_values.sql": contract_values_macro(contract),
    }


def stale_files(contract: Contract) -> list[Path]:
    return [p for p, text in generated_files(contract).items() if not p.exists() or p.read_text("utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a generated file is not current")
    args = parser.parse_args(argv)
    contract = load_contract()
    if args.check:
        stale = stale_files(contract)
        for path in stale:
            print(f"{path.relative_to(PROJECT_ROOT)} is not generated from the current contract: "
                  "run `python -m warehouse.transform.generate`", file=sys.stderr)
        return 1 if stale else 0
    for path, text in generated_files(contract).items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
