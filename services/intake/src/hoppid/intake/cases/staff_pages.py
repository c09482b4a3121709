"""Office staff's pages: the office's case list with filters, and a case with its pipeline
(the case page itself: case_page.py; its other forms: case_work_pages.py).

Staff signed in with an advisor account (``Staff.advisor_id``) also get "my cases": the list
limited to the cases assigned to them, by status (``?mine=1``, their list's default: the
address every service's staff menu and sign-in lead to stays the same); ``?mine=0`` is the
whole office's list. API keys have no advisor record and see the office's.

A staff member sees only their office: every query carries it, so another office's case is a
404 page like a case that does not exist. Filters are not personal data and live in the query.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hoppid.intake.cases import forms, use_cases
from hoppid.intake.cases.case_page import CasePage
from hoppid.intake.context import Context
from hoppid.intake.forms import Need
from hoppid.intake.meetings import my_day as my_day_of
from hoppid.intake.model import NEEDS, STATUSES
from hoppid.intake.web.common import (
    Errors,
    error_page,
    problem_errors,
    staff_form_page,
    text,
    validation_errors,
)
from hoppid.shared.access import Staff
from hoppid.shared.problems import Conflict, FieldProblem, NotFound
from hoppid.shared.web import Pages
from hoppid.shared.web.bounds import Day

LIST_LIMIT = 200
Status = Literal["new", "contacted", "in_guidance", "company_registered", "paused", "closed"]


class CaseFilters(BaseModel):
    """The list's filters; ``until`` is the last day shown (the handler's is exclusive)."""

    model_config = ConfigDict(extra="ignore")

    status: Status | None = None
    need: Need | None = None
    municipality: str | None = Field(None, pattern=r"^\d{4}$")
    since: Day | None = None
    until: Day | None = None
    mine: bool = False  # only the signed-in advisor's cases (an advisor account's only)

    def for_handler(self, advisor_id: str | None) -> dict[str, Any]:
        until = self.until + timedelta(days=1) if self.until else None
        advisor = advisor_id if self.mine else None
        return {**self.model_dump(exclude={"mine"}), "until": until, "advisor": advisor}


def by_status(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One's own cases along the pipeline (new first), newest first within a status."""
    return sorted(cases, key=lambda case: STATUSES.index(case["status"]))


def router(pages: Pages, ctx: Context, municipalities: dict[str, str]) -> APIRouter:
    routes = APIRouter(prefix="/pages/staff", include_in_schema=False)

    page = CasePage(pages, ctx, municipalities)
    office_staff = page.office_staff

    @routes.get("", response_model=None)
    async def start() -> Response:
        return pages.redirect("/pages/staff/cases")

    @routes.get("/cases", response_model=None)
    async def case_list(request: Request) -> Response:
        staff = await office_staff(request)
        if not isinstance(staff, Staff):
            return staff
        given = {k: v for k, v in request.query_params.items() if v}
        if staff.advisor_id:  # an advisor starts on their own cases (the list's address stays)
            given.setdefault("mine", "1")
        else:
            given.pop("mine", None)  # not offered: a key has no cases of its own
        errors: Errors = {}
        cases: list[dict[str, Any]] = []
        mine = False
        try:
            filters = CaseFilters.model_validate(given)
            mine = filters.mine
            chosen = filters.for_handler(staff.advisor_id)
            cases = await use_cases.find_cases(ctx, staff, chosen, LIST_LIMIT, 0)
        except ValidationError as error:
            errors = {k: f"error_filter_{k}" for k in validation_errors(error)}
        # an advisor's own list starts with their day (meetings/my_day.py)
        asked = given.get("day")
        day = await my_day_of.on_start_page(ctx.store.db, staff, ctx.now(), asked) if mine else None
        if day is not None and day.error:
            errors["day"] = day.error
        office = await ctx.store.office(staff.office_id) or {}
        return staff_form_page(
            pages,
            request,
            "staff_cases.html",
            staff,
            errors,
            office=office,
            cases=by_status(cases) if mine else cases,
            mine=mine,
            my_day=day,
            limit=LIST_LIMIT,
            filters={k: given.get(k, "") for k in CaseFilters.model_fields},
            statuses=STATUSES,
            needs=NEEDS,
            office_municipalities=[
                (n, f"{municipalities.get(n, n)} ({n})") for n in office.get("municipalities", [])
            ],
            municipalities=municipalities,
            q="",  # the search form above the list (search_pages.py answers it)
        )

    case_page = page.render

    @routes.get("/cases/{case_id}", response_model=None)
    async def one_case(request: Request, case_id: str) -> Response:
        staff = await office_staff(request)
        if not isinstance(staff, Staff):
            return staff
        return await case_page(request, staff, case_id)

    @routes.post("/cases/{case_id}/status", response_model=None)
    async def change_status(request: Request, case_id: str) -> Response:
        form = await pages.form(request)
        staff = await office_staff(request)
        if not isinstance(staff, Staff):
            return staff
        values = {k: text(form, k) for k in ("status", "reason", "comment")}
        try:
            change = forms.ChangeStatus.model_validate({k: v for k, v in values.items() if v})
            await use_cases.change_status(ctx, staff, case_id, change)
        except ValidationError as error:
            errors = validation_errors(error)
            return await case_page(request, staff, case_id, 422, errors=errors, values=values)
        except FieldProblem as problem:
            errors = problem_errors(problem)
            return await case_page(request, staff, case_id, 422, errors=errors, values=values)
        except Conflict:
            errors = {"status": "error_case_changed"}
            return await case_page(request, staff, case_id, 409, errors=errors, values=values)
        except NotFound:
            return error_page(pages, request, 404, "not_found")
        return pages.redirect(f"/pages/staff/cases/{case_id}?done=status")

    return routes
