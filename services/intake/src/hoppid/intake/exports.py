"""How intake's documents leave it over HTTP (the JSON API and the pages' download alike)."""

from typing import Any

from fastapi.encoders import jsonable_encoder

from hoppid.shared.outbox import OUTBOX_FIELDS

EXPORT_HEADERS = {"Content-Disposition": 'attachment; filename="hoppid-my-data.json"'}


def case_out(document: dict[str, Any]) -> dict[str, Any]:
    """A stored document as the API shows it: ``id`` for ``_id``, bookkeeping left out."""
    hidden = {"applied_events", "search_keys", *OUTBOX_FIELDS}  # search_keys: hashes for search
    return {("id" if k == "_id" else k): v for k, v in document.items() if k not in hidden}


def export_body(data: dict[str, Any]) -> Any:
    """The person's data export (from ``people.use_cases.my_data``) as plain JSON values."""
    return jsonable_encoder(
        {"person": case_out(data["person"]), "cases": [case_out(c) for c in data["cases"]]}
    )
