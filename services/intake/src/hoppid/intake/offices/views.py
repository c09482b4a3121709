"""An office as the JSON API shows it to anyone (the inquiry form's list, the admin's answer)."""

from typing import Any


def public_office(office: dict[str, Any]) -> dict[str, Any]:
    keys = ("name", "municipalities", "languages", "contact_email", "opening_hours")
    return {"id": office["_id"], **{k: office.get(k) for k in keys}}
