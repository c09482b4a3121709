"""The staff's case page: who may open it and what it shows, for the route that reads it
(staff_pages.py) and the forms that change the case (case_work_pages.py), which re-render it
with errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from hoppid.intake.accounts import office_advisors
from hoppid.intake.audit import trail
from hoppid.intake.cases import use_cases
from hoppid.intake.context import Context
from hoppid.intake.grants.use_cases import Grants, active_programmes
from hoppid.intake.meetings import shown as meetings_shown
from hoppid.intake.model import STATUSES, TRANSITIONS
from hoppid.intake.staff_names.store import staff_names
from hoppid.intake.web.common import error_page
from hoppid.shared.access import ALL_OFFICES, Staff
from hoppid.shared.problems import NotFound
from hoppid.shared.web import Pages

# ?done=<what> after a form's post/redirect/get: the notice the page shows
NOTICES = {
    "status": "status_changed",
    "note": "note_added",
    "note_edit": "note_changed",
    "application": "application_recorded",
    "decision": "decision_recorded",
    "introduction": "introduction_recorded",
    "company": "company_recorded",
    "advisor": "advisor_assigned",
    "meeting_booked": "meeting_booked",  # back from scheduling's booking page
}


@dataclass(frozen=True)
class CasePage:
    pages: Pages
    ctx: Context
    municipalities: dict[str, str]

    async def office_staff(self, request: Request) -> Staff | Response:
        staff = await self.pages.signed_in(request)
        if staff.office_id == ALL_OFFICES:  # county and partners read figures, not cases
            return error_page(self.pages, request, 403, "staff_office_only")
        return staff

    async def render(
        self, request: Request, staff: Staff, case_id: str, status: int = 200, **extra: Any
    ) -> HTMLResponse:
        """The case of the staff's office (else the 404 page), with ``errors`` and ``values``
        of a form that was refused."""
        try:
            case = await use_cases.open_case(self.ctx, staff, case_id)
        except NotFound:
            return error_page(self.pages, request, 404, "not_found")
        person = await self.ctx.store.person(case["person_id"]) or {}
        shown = not person.get("erased_at")  # on the trail before the page shows them
        await trail.case_read(self.ctx, staff, case, "page", contact_details=shown)
        notes = sorted(case.get("notes", []), key=lambda n: n["at"], reverse=True)
        writers = {n["by"] for n in notes if n.get("by")}
        moves = [s for s in STATUSES if s in TRANSITIONS[case["status"]]]
        advisors = await office_advisors(self.ctx.store.db, staff.office_id)
        return self.pages.render(
            request,
            "staff_case.html",
            status=status,
            staff=staff,
            case=case,
            person=person,
            municipality=self.municipalities.get(case["municipality"], case["municipality"]),
            moves=[s for s in moves if s != "company_registered"],
            notice=NOTICES.get(request.query_params.get("done", "")) if status == 200 else None,
            notes=notes,
            authors=await staff_names(self.ctx).of_office(staff.office_id, writers),
            grant_programmes=await active_programmes(
                Grants.of(self.ctx.store.db, self.ctx.now), staff.office_id
            ),
            applications=[_shown(a) for a in case.get("applications", [])],
            introductions=sorted(case.get("introductions", []), key=lambda i: i["at"]),
            company=case.get("company"),
            meetings=await meetings_shown.of_case(self.ctx.store.db, staff.office_id, case["_id"]),
            advisors=advisors,  # advisor_id → name, the office's own: the case shows the name
            kroner=kroner,
            day_shown=day_shown,
            **{"errors": {}, "values": {}, **extra},
        )


def _shown(application: dict[str, Any]) -> dict[str, Any]:
    """An application as the page shows it: its stored days (ISO text) as Norwegian dates."""
    return {**application, "deadline_shown": day_shown(application.get("deadline"))}


def day_shown(iso_day: str | None) -> str:
    if not iso_day:
        return ""
    year, month, day = iso_day.split("-")
    return f"{day}.{month}.{year}"


def kroner(amount: int | None) -> str:
    """30000 → '30 000' (grouped with no-break spaces, as Norwegian writes amounts)."""
    return "" if amount is None else f"{amount:,}".replace(",", "\u00a0")
