"""Staff's export of a case: the case and its person's contact details as JSON, for a reason
that goes on the audit trail (a person who asks the office for their data by phone, a
funder's request the person agreed to). ``POST /v1/cases/{case_id}/export`` with ``reason``,
and the case page's form (``POST /pages/staff/cases/{case_id}/export``, ``export_reason``);
without a reason, or with one holding contact details, a 422 naming the field.

A POST, not a GET: the reason stays out of addresses and their logs, and a link cannot start
an export."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from hoppid.intake.audit import trail
from hoppid.intake.cases import use_cases
from hoppid.intake.cases.case_page import CasePage
from hoppid.intake.context import Context
from hoppid.intake.exports import case_out
from hoppid.intake.web.common import error_page, text
from hoppid.shared.access import ALL_OFFICES, Staff
from hoppid.shared.problems import FieldProblem, NotFound
from hoppid.shared.web import Pages

HEADERS = {"Cache-Control": "no-store"}
CONTACT = ("name", "email", "phone", "language")


class CaseExportForm(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: str = Field(
        min_length=trail.REASON_MIN,
        max_length=trail.REASON_MAX,
        description="Why the case is exported; it goes on the audit log, so it may not hold a "
        "name, email or phone",
    )


def attachment(reference: str) -> dict[str, str]:
    return {**HEADERS, "Content-Disposition": f'attachment; filename="hoppid-{reference}.json"'}


async def export_case(
    ctx: Context, staff: Staff, case_id: str, reason: str | None, channel: trail.Channel
) -> dict[str, Any]:
    """The case of the staff's office and its person's contact details, once the export is on
    the trail (NotFound for another office's case, RuleViolation on ``reason``)."""
    if staff.office_id == ALL_OFFICES:
        raise PermissionError("case work needs a key of an office")
    case = await use_cases.open_case(ctx, staff, case_id)
    person = await ctx.store.person(case["person_id"]) or {}
    checked = trail.checked_reason(reason, person)
    erased = bool(person.get("erased_at"))
    details = {"contact_details": not erased}
    await trail.staff_act(ctx, staff, "export", channel, [case], reason=checked, details=details)
    contact = {"erased": True} if erased else {k: person.get(k) for k in CONTACT}
    body = jsonable_encoder({"case": case_out(case), "person": contact})
    return {"reference": case["reference"], "body": body}


def api_router(ctx: Context, staff_dep: Callable[..., Any]) -> APIRouter:
    routes = APIRouter(prefix="/v1/cases", tags=["office staff"])
    Caller = Annotated[Staff, Depends(staff_dep)]

    @routes.post(
        "/{case_id}/export",
        summary="Export a case with its person's contact details, for a reason (audited)",
    )
    async def export(caller: Caller, case_id: str, form: CaseExportForm) -> JSONResponse:
        done = await export_case(ctx, caller, case_id, form.reason, "api")
        return JSONResponse(done["body"], headers=attachment(done["reference"]))

    return routes


def pages_router(pages: Pages, ctx: Context, municipalities: dict[str, str]) -> APIRouter:
    routes = APIRouter(prefix="/pages/staff/cases", include_in_schema=False)
    page = CasePage(pages, ctx, municipalities)

    @routes.post("/{case_id}/export", response_model=None)
    async def export(request: Request, case_id: str) -> Response:
        form = await pages.form(request)
        staff = await page.office_staff(request)
        if not isinstance(staff, Staff):
            return staff
        reason = text(form, "export_reason")
        try:
            done = await export_case(ctx, staff, case_id, reason, "page")
        except NotFound:
            return error_page(pages, request, 404, "not_found")
        except FieldProblem:
            errors = {"export_reason": "error_export_reason"}
            values = {"export_reason": reason or ""}
            return await page.render(request, staff, case_id, 422, errors=errors, values=values)
        return JSONResponse(done["body"], headers=attachment(done["reference"]))

    return routes
