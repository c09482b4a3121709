"""The case page's work forms: the case's advisor, notes, grant applications and their
decisions, introductions to the office's network, and the company once registered. Each calls
the same use case as the API (``use_cases.py``), re-renders the case page with the field's
error (422, or 409 when the case changed or the company is registered already, 403 for another's
note), and on success redirects to the case with a notice (post/redirect/get)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from hoppid.intake.accounts import office_advisors
from hoppid.intake.cases import forms, use_cases
from hoppid.intake.cases.case_page import CasePage
from hoppid.intake.context import Context
from hoppid.intake.grants.forms import CatalogueApplication
from hoppid.intake.web.common import Errors, error_page, problem_errors, text, validation_errors
from hoppid.shared.access import Staff
from hoppid.shared.problems import Conflict, FieldProblem, NotFound
from hoppid.shared.web import Pages

Act = Callable[[Staff, Any], Awaitable[Any]]


class AdvisorChoice(forms.AssignAdvisor):
    """The page's advisor form: with the advisor the page showed (a hidden field, empty for
    none), so an assignment made by someone else since the page was read is a 409, not
    silently replaced."""

    seen_advisor_id: str | None = None


# a form about one thing of the case (``done``) that may not exist: the page's part naming them
UNKNOWN = {
    "decision": ("applications", "error_application_unknown"),
    "note_edit": ("notes", "error_note_unknown"),
}


def router(pages: Pages, ctx: Context, municipalities: dict[str, str]) -> APIRouter:
    routes = APIRouter(prefix="/pages/staff/cases/{case_id}", include_in_schema=False)
    page = CasePage(pages, ctx, municipalities)

    async def submit(
        request: Request,
        case_id: str,
        model: type[BaseModel],
        act: Act,
        done: str,
        suffix: str = "",
    ) -> Response:
        """Validate the posted fields of ``model`` and call ``act``; a form repeated on the
        page (one per application) names its fields ``<field>-<suffix>`` to keep ids unique."""
        form = await pages.form(request)
        staff = await page.office_staff(request)
        if not isinstance(staff, Staff):
            return staff
        posted = {name: f"{name}-{suffix}" if suffix else name for name in model.model_fields}
        values = {shown: text(form, shown) for shown in posted.values()}
        given = {name: values[shown] for name, shown in posted.items() if values[shown]}

        def on_page(errors: Errors) -> Errors:
            return {posted.get(field, field): key for field, key in errors.items()}

        try:
            await act(staff, model.model_validate(given))
        except ValidationError as error:
            errors = on_page(validation_errors(error))
            return await page.render(request, staff, case_id, 422, errors=errors, values=values)
        except FieldProblem as problem:
            errors = on_page(problem_errors(problem))
            return await page.render(request, staff, case_id, 422, errors=errors, values=values)
        except Conflict:
            errors = await conflict(staff, case_id, done, posted)
            return await page.render(request, staff, case_id, 409, errors=errors, values=values)
        except NotFound:
            if done not in UNKNOWN:
                return error_page(pages, request, 404, "not_found")
            # the case's page (its own 404 if the case is gone), saying the application or the
            # note is not
            errors = dict([UNKNOWN[done]])
            return await page.render(request, staff, case_id, 404, errors=errors, values=values)
        except PermissionError:  # another's note: the case page, saying whose it is
            errors = {"notes": "error_note_not_yours"}
            return await page.render(request, staff, case_id, 403, errors=errors, values=values)
        return pages.redirect(f"/pages/staff/cases/{case_id}?done={done}")

    async def conflict(staff: Staff, case_id: str, done: str, posted: dict[str, str]) -> Errors:
        """Why the handler refused: the company is registered already, the person is erased (a
        case takes no new personal data), or someone changed the case meanwhile."""
        where = next(iter(posted.values()))
        if done == "advisor":  # the handler expects the advisor the case had when it read it
            return {where: "error_advisor_changed"}
        if done == "note_edit":  # the notes changed between the read and the write
            return {where: "error_note_changed"}
        if done == "company":
            where = "company"
            case = await ctx.store.case(staff.office_id, case_id) or {}
            if case.get("company"):
                return {where: "error_company_registered"}
            person = await ctx.store.person(case.get("person_id", "")) or {}
            if person.get("erased_at"):
                return {where: "error_person_erased"}
        return {where: "error_case_changed"}

    @routes.post("/advisor", response_model=None)
    async def assign_advisor(request: Request, case_id: str) -> Response:
        async def act(staff: Staff, form: AdvisorChoice) -> None:
            # the API takes any id (scheduling owns the advisors); the page offers, and so
            # accepts, only the office's advisor accounts
            if form.advisor_id not in await office_advisors(ctx.store.db, staff.office_id):
                raise FieldProblem("advisor_id", "not one of the office's advisors")
            case = await use_cases.open_case(ctx, staff, case_id)
            if case.get("advisor_id") != form.seen_advisor_id:
                raise Conflict("the case's advisor changed since the page showed it")
            # and the handler's own check covers a change between this read and its write
            choice = forms.AssignAdvisor(advisor_id=form.advisor_id)
            await use_cases.assign_advisor(ctx, staff, case_id, choice)

        return await submit(request, case_id, AdvisorChoice, act, "advisor")

    @routes.post("/notes", response_model=None)
    async def add_note(request: Request, case_id: str) -> Response:
        async def act(staff: Staff, form: forms.AddNote) -> None:
            await use_cases.add_note(ctx, staff, case_id, form)

        return await submit(request, case_id, forms.AddNote, act, "note")

    @routes.post("/notes/{note_id}", response_model=None)
    async def edit_note(request: Request, case_id: str, note_id: str) -> Response:
        async def act(staff: Staff, form: forms.EditNote) -> None:
            await use_cases.edit_note(ctx, staff, case_id, note_id, form)

        return await submit(request, case_id, forms.EditNote, act, "note_edit", suffix=note_id)

    @routes.post("/applications", response_model=None)
    async def record_application(request: Request, case_id: str) -> Response:
        # the page offers the office's active grant programmes, never free text
        async def act(staff: Staff, form: CatalogueApplication) -> None:
            await use_cases.record_application(ctx, staff, case_id, form.recorded())

        return await submit(request, case_id, CatalogueApplication, act, "application")

    @routes.post("/applications/{application_id}/decision", response_model=None)
    async def decide_application(request: Request, case_id: str, application_id: str) -> Response:
        async def act(staff: Staff, form: forms.DecideApplication) -> None:
            await use_cases.decide_application(ctx, staff, case_id, application_id, form)

        return await submit(
            request, case_id, forms.DecideApplication, act, "decision", suffix=application_id
        )

    @routes.post("/introductions", response_model=None)
    async def make_introduction(request: Request, case_id: str) -> Response:
        async def act(staff: Staff, form: forms.MakeIntroduction) -> None:
            await use_cases.make_introduction(ctx, staff, case_id, form)

        return await submit(request, case_id, forms.MakeIntroduction, act, "introduction")

    @routes.post("/company", response_model=None)
    async def register_company(request: Request, case_id: str) -> Response:
        async def act(staff: Staff, form: forms.RegisterCompany) -> None:
            await use_cases.register_company(ctx, staff, case_id, form)

        return await submit(request, case_id, forms.RegisterCompany, act, "company")

    return routes
