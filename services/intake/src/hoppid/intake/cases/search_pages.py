"""The staff's search: a case of their office by its reference, the person's email, phone or
name (the root's search.py says how, without the personal data in the index). A query lives in
the address like the list's filters: ``GET /pages/staff/search?q=...``. The county and partners
have no case pages (403), and every look-up carries the staff's office."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hoppid.intake.audit import trail
from hoppid.intake.cases import use_cases
from hoppid.intake.cases.case_page import CasePage
from hoppid.intake.context import Context
from hoppid.intake.search import MAX_QUERY, QueryRefused
from hoppid.intake.web.common import Errors, staff_form_page
from hoppid.shared.access import Staff
from hoppid.shared.web import Pages

SHOWN = 50  # cases a search shows at most: more means the search should be narrower


def router(pages: Pages, ctx: Context, municipalities: dict[str, str]) -> APIRouter:
    routes = APIRouter(prefix="/pages/staff", include_in_schema=False)
    office_staff = CasePage(pages, ctx, municipalities).office_staff

    @routes.get("/search", response_model=None)
    async def search(request: Request) -> Response:
        staff = await office_staff(request)
        if not isinstance(staff, Staff):
            return staff
        query = request.query_params.get("q")
        errors: Errors = {}
        cases: list[dict[str, Any]] = []
        if query is not None:  # the page opened without a search shows the empty form
            try:
                cases = await use_cases.search_cases(ctx, staff, query, SHOWN)
                await trail.searched(ctx, staff, query, cases, "page")
            except QueryRefused as refused:
                errors = {"q": f"error_search_{refused.reason}"}
        return staff_form_page(
            pages,
            request,
            "staff_search.html",
            staff,
            errors,
            q=(query or "")[: MAX_QUERY * 2],  # kept as typed, within reason
            searched=query is not None and not errors,
            cases=cases,
            shown=SHOWN,
            municipalities=municipalities,
        )

    return routes
