"""What makes two rows the same child, the same referral, the same place and the same provider.

Defined once, here, and applied once, by conform: the raw zone stores these normalised values, and the
gate (R011), dbt (`child_key`, `referral_key`) and erasure (`placements forget`) all read them, so
` abc1 ` and `ABC1` are one child everywhere.
"""

from __future__ import annotations

import datetime as dt
import re

_SPACE = re.compile(r"\s+")
UNREGISTERED = "Unregistered"
# A well-formed provider URN: Ofsted's social care URNs (SC and 6 digits), its newer numeric ones and the
# standard's own example (ABCD10293002). Rule W005 uses the same pattern (a unit test holds them equal).
OFSTED_URN = re.compile(r"[A-Z]{0,4}[0-9]{5,10}")


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)  # None or NaN


def identifier(value: str | None) -> str | None:
    """A case-management identifier: outer spaces trimmed, upper case. Blank is None."""
    if _missing(value):
        return None
    text = str(value).strip().upper()
    return text or None


def outward_code(value: str | None) -> str | None:
    """A postcode outward code as written anywhere: upper case, no spaces ('ta 3' -> 'TA3')."""
    if _missing(value):
        return None
    return _SPACE.sub("", str(value)).upper() or None


def provider_urn(value: str | None) -> str | None:
    """An Ofsted URN upper case without spaces, or the word Unregistered in one spelling."""
    code = outward_code(value)
    if code is None:
        return None
    return UNREGISTERED if code == UNREGISTERED.upper() else code


def provider_registration(urn: str | None) -> str | None:
    """Registered for a well-formed Ofsted URN, Unregistered for unregistered provision, None when the
    provider is unknown: blank, or a URN that is not one (rule W005 warns; the row still loads)."""
    if _missing(urn):
        return None
    if urn == UNREGISTERED:
        return UNREGISTERED
    return "Registered" if OFSTED_URN.fullmatch(urn) else None


def referral_identity(placement_id: str | None, child_id: str | None, referral_date: dt.date | None) -> str | None:
    """One referral: its placement id when the LA gave one, else the child and the referral date.
    Inputs are already normalised; None when neither identity is complete."""
    if isinstance(placement_id, str) and placement_id:
        return f"placement:{placement_id}"
    if isinstance(child_id, str) and child_id and isinstance(referral_date, dt.date):
        return f"child:{child_id}|{referral_date.isoformat()}"
    return None
