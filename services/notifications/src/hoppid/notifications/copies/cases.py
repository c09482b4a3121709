"""The office's open cases, kept from intake's events for the advisors' daily digest
(collection ``cases``: id, office, reference and status; no personal data)."""

from __future__ import annotations

from hoppid.contracts import intake as intake_events
from hoppid.notifications.copies.store import CASES, Copies


async def opened(store: Copies, event: intake_events.CaseOpened) -> None:
    document = {
        "_id": event.case_id,
        "office_id": event.office_id,
        "reference": event.reference,
        "status": "new",
    }
    await store.save_if_newer(CASES, document, event.opened_at)


async def status_changed(store: Copies, event: intake_events.CaseStatusChanged) -> None:
    document = {"_id": event.case_id, "office_id": event.office_id, "status": event.to_status}
    await store.save_if_newer(CASES, document, event.changed_at)
