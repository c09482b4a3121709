"""The office staff's case work over JSON: the office's cases, the search, one case, and the
changes to it (advisor, pipeline, notes, applications, company, introductions)."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from hoppid.intake.audit import trail
from hoppid.intake.cases import forms, use_cases
from hoppid.intake.context import Context
from hoppid.intake.exports import case_out
from hoppid.intake.forms import Need
from hoppid.shared.access import Staff
from hoppid.shared.web.bounds import MOST_OFFSET, Day

SEARCH_LIMIT = 50  # cases a search answers at most, newest first (as the search page shows)


def office_staff(staff: Staff) -> Staff:
    if staff.office_id == "*":
        raise PermissionError("case work needs a key of an office")
    return staff


def router(ctx: Context, staff_dep: Callable[..., Any]) -> APIRouter:
    routes = APIRouter(prefix="/v1/cases", tags=["office staff"])
    Caller = Annotated[Staff, Depends(staff_dep)]

    @routes.get("", summary="The office's cases, newest first, with filters")
    async def list_cases(
        caller: Caller,
        status: Annotated[str | None, Query(pattern=r"^[a-z_]+$")] = None,
        need: Need | None = None,
        advisor: str | None = None,
        since: Day | None = None,
        until: Day | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=MOST_OFFSET)] = 0,
    ) -> list[dict[str, Any]]:
        filters: dict[str, Any] = {"status": status, "need": need, "advisor": advisor}
        filters.update(since=since, until=until)
        found = await use_cases.find_cases(ctx, office_staff(caller), filters, limit, offset)
        return [case_out(c) for c in found]

    # before /{case_id}, which would take "search" for an id
    @routes.get("/search", summary="The office's cases by reference, email, phone or name")
    async def search_cases(
        caller: Caller, q: Annotated[str, Query(max_length=1000)]
    ) -> list[dict[str, Any]]:
        found = await use_cases.search_cases(ctx, office_staff(caller), q, SEARCH_LIMIT)
        await trail.searched(ctx, caller, q, found, "api")
        return [case_out(c) for c in found]

    @routes.get("/{case_id}", summary="One case of the office")
    async def get_case(caller: Caller, case_id: str) -> dict[str, Any]:
        case = await use_cases.open_case(ctx, office_staff(caller), case_id)
        await trail.case_read(ctx, caller, case, "api", contact_details=False)
        return case_out(case)

    def post(path: str, form_type: Any, handler: Any, summary: str) -> None:
        async def endpoint(caller: Caller, case_id: str, form: form_type) -> dict[str, Any]:
            return case_out(await handler(ctx, office_staff(caller), case_id, form))

        routes.post(path, summary=summary)(endpoint)

    post("/{case_id}/advisor", forms.AssignAdvisor, use_cases.assign_advisor, "Assign an advisor")
    post(
        "/{case_id}/status", forms.ChangeStatus, use_cases.change_status, "Move along the pipeline"
    )
    post("/{case_id}/notes", forms.AddNote, use_cases.add_note, "Add a note")
    post(
        "/{case_id}/applications",
        forms.RecordApplication,
        use_cases.record_application,
        "Record an application the office helps with",
    )
    post(
        "/{case_id}/company",
        forms.RegisterCompany,
        use_cases.register_company,
        "Record the company registered",
    )
    post(
        "/{case_id}/introductions",
        forms.MakeIntroduction,
        use_cases.make_introduction,
        "Record a network introduction",
    )

    @routes.put("/{case_id}/notes/{note_id}", summary="Change a note one wrote")
    async def edit_note(
        caller: Caller, case_id: str, note_id: str, form: forms.EditNote
    ) -> dict[str, Any]:
        case = await use_cases.edit_note(ctx, office_staff(caller), case_id, note_id, form)
        return case_out(case)

    @routes.post(
        "/{case_id}/applications/{application_id}/decision", summary="Record the funder's decision"
    )
    async def decide(
        caller: Caller, case_id: str, application_id: str, form: forms.DecideApplication
    ) -> dict[str, Any]:
        case = await use_cases.decide_application(
            ctx, office_staff(caller), case_id, application_id, form
        )
        return case_out(case)

    return routes
