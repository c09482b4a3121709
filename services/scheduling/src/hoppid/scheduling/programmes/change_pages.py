"""An office admin changes a programme (the seats, the times of sessions still to come) or
cancels it whole, on the staff pages: the same use cases as the JSON API
(``programmes.changes``). A refused form is a 422 naming its field with what was typed; a
programme that is cancelled (or cancelled meanwhile) is a 409 saying so; another office's
programme is not found; an advisor is refused (403). The cancel form asks for a confirmation
first and says who will be told."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from hoppid.scheduling.model import RuleViolation
from hoppid.scheduling.programmes import change_form, changes
from hoppid.scheduling.web.common import Document, not_found, office_admin
from hoppid.shared.access import Staff
from hoppid.shared.problems import Conflict, NotFound

if TYPE_CHECKING:
    from hoppid.scheduling.web.routes import Site

CHANGED = "/pages/staff/programmes?done=programme_changed"
CANCELLED = "/pages/staff/programmes?done=programme_cancelled"


def router(site: Site) -> APIRouter:
    pages = site.pages
    # included in the staff pages router (prefix /pages/staff): staff_pages.router
    router = APIRouter(prefix="/programmes/{programme_id}", include_in_schema=False)

    async def programme_of(
        request: Request, programme_id: str
    ) -> tuple[Staff, str, Document | None]:
        """The admin (else the refusal page, as ``office_admin`` answers), their office and
        the programme if it is that office's."""
        staff, office_id = await office_admin(site, request)
        found = await site.programmes.store.programme(programme_id)
        if found is None or found["office_id"] != office_id:
            return staff, office_id, None
        return staff, office_id, found

    async def conflict(programme_id: str, programme: Document) -> str:
        """Why a change was refused with a conflict: cancelled (perhaps meanwhile), or busy."""
        fresh = await site.programmes.store.programme(programme_id) or programme
        return "programme_busy" if fresh.get("cancelled_at") is None else "programme_cancelled"

    def show_change(
        request: Request,
        staff: Staff,
        programme: Document,
        values: change_form.Values,
        errors: change_form.Errors,
        status: int | None = None,
        problem: str | None = None,
    ) -> HTMLResponse:
        context = {
            "programme": programme,
            "started": change_form.started(programme, site.ctx.now()),
            "values": values,
            "errors": errors,
            "problem": problem,
        }
        code = status or (422 if errors else 200)
        return pages.render(request, "staff_programme_change.html", code, staff=staff, **context)

    def show_cancel(
        request: Request,
        staff: Staff,
        programme: Document,
        errors: change_form.Errors,
        status: int | None = None,
        problem: str | None = None,
    ) -> HTMLResponse:
        context = {"programme": programme, "errors": errors, "problem": problem}
        code = status or (422 if errors else 200)
        return pages.render(request, "staff_programme_cancel.html", code, staff=staff, **context)

    @router.get("/change", response_model=None)
    async def change_page(request: Request, programme_id: str) -> Response:
        staff, _, programme = await programme_of(request, programme_id)
        if programme is None:
            return not_found(site, request, staff)
        values = change_form.values_of_programme(programme, site.ctx.now())
        if programme.get("cancelled_at") is not None:
            return show_change(request, staff, programme, values, {}, 409, "programme_cancelled")
        return show_change(request, staff, programme, values, {})

    @router.post("/change", response_model=None)
    async def change(request: Request, programme_id: str) -> Response:
        form = await pages.form(request)
        staff, office_id, programme = await programme_of(request, programme_id)
        if programme is None:
            return not_found(site, request, staff)
        values = change_form.values_of(form)
        shown = change_form.values_of_programme(programme, site.ctx.now())
        parsed = change_form.parse(values, shown)
        if isinstance(parsed, dict):
            return show_change(request, staff, programme, values, parsed)
        wanted, where = parsed
        try:
            await changes.change_programme(site.programmes, staff, office_id, programme_id, wanted)
        except RuleViolation as problem:
            errors = change_form.rule_error(problem, where)
            return show_change(request, staff, programme, values, errors)
        except Conflict:
            why = await conflict(programme_id, programme)
            return show_change(request, staff, programme, values, {}, 409, why)
        except NotFound:
            return not_found(site, request, staff)
        return pages.redirect(CHANGED)

    @router.get("/cancel", response_model=None)
    async def cancel_page(request: Request, programme_id: str) -> Response:
        staff, _, programme = await programme_of(request, programme_id)
        if programme is None:
            return not_found(site, request, staff)
        if programme.get("cancelled_at") is not None:
            return show_cancel(request, staff, programme, {}, 409, "programme_cancelled")
        return show_cancel(request, staff, programme, {})

    @router.post("/cancel", response_model=None)
    async def cancel(request: Request, programme_id: str) -> Response:
        form = await pages.form(request)
        staff, office_id, programme = await programme_of(request, programme_id)
        if programme is None:
            return not_found(site, request, staff)
        if programme.get("cancelled_at") is not None:  # posted twice, or by a colleague
            return show_cancel(request, staff, programme, {}, 409, "programme_cancelled")
        if form.get("confirm") != "true":
            return show_cancel(request, staff, programme, {"confirm": "error_cancel_confirm"})
        try:
            await changes.cancel_programme(site.programmes, staff, office_id, programme_id)
        except Conflict:
            why = await conflict(programme_id, programme)
            return show_cancel(request, staff, programme, {}, 409, why)
        except NotFound:
            return not_found(site, request, staff)
        return pages.redirect(CANCELLED)

    return router
