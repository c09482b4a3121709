"""``/pages/staff/audit``: the office's audit log for its office admin (the platform admin
chooses the office), newest first, 50 to a page, filtered by case reference and by action.
Filters and the page live in the address, like the case list's. An advisor, the county or a
partner gets the 403 page; a filter that is none, a 422 with the field's message."""

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hoppid.intake.audit import trail
from hoppid.intake.audit.api import reference_of
from hoppid.intake.context import Context
from hoppid.intake.web.common import Errors, error_page, staff_form_page
from hoppid.shared.problems import FieldProblem
from hoppid.shared.web import Pages
from hoppid.shared.web.bounds import MOST_OFFSET

SHOWN = 50
MOST_PAGE = MOST_OFFSET // SHOWN + 1


def page_number(typed: str | None) -> int | None:
    """The page asked for (1 when not given); None when it is no page."""
    if not typed:
        return 1
    if not (typed.isascii() and typed.isdigit() and len(typed) <= len(str(MOST_PAGE))):
        return None  # "²" is a digit to isdigit, and int() refuses thousands of digits
    return int(typed) if 1 <= int(typed) <= MOST_PAGE else None


def router(pages: Pages, ctx: Context) -> APIRouter:
    routes = APIRouter(prefix="/pages/staff", include_in_schema=False)

    @routes.get("/audit", response_model=None)
    async def audit(request: Request) -> Response:
        staff = await pages.signed_in(request)
        if staff.role not in ("office_admin", "platform_admin"):
            return error_page(pages, request, 403, "audit_admin_only")
        given = {k: v.strip() for k, v in request.query_params.items() if v.strip()}
        offices = [o["_id"] for o in await ctx.store.offices()]
        asked = staff.office_id if staff.role == "office_admin" else given.get("office", "")
        office = asked if asked in offices else offices[0] if offices else ""
        errors: Errors = {}
        action = given.get("action")
        if action is not None and action not in trail.ACTIONS:
            errors["action"] = "error_audit_action"
        number = page_number(given.get("page"))
        if number is None:
            errors["page"] = "error_audit_page"
        reference = None
        try:
            reference = reference_of(ctx, given.get("reference"))
        except FieldProblem:
            errors["reference"] = "error_audit_reference"
        found: list[dict[str, Any]] = []
        if not errors and number is not None:
            found = await trail.entries(
                ctx,
                office,
                reference=reference,
                action=action,
                limit=SHOWN + 1,  # one more: is there an older page
                offset=(number - 1) * SHOWN,
            )
        filters = {k: given.get(k, "") for k in ("reference", "action")}
        return staff_form_page(
            pages,
            request,
            "staff_audit.html",
            staff,
            errors,
            office=office,
            offices=offices if staff.role == "platform_admin" else [],
            filters=filters,
            actions=trail.ACTIONS,
            entries=found[:SHOWN],
            number=number or 1,
            older=len(found) > SHOWN,
            query=lambda n: _query(office, filters, n, staff.role == "platform_admin"),
        )

    return routes


def _query(office: str, filters: dict[str, str], number: int, choose_office: bool) -> str:
    """The address of another page of the same filters."""
    chosen = {"office": office} if choose_office else {}
    chosen.update({k: v for k, v in filters.items() if v})
    chosen["page"] = str(number)
    return "?" + urlencode(chosen)
