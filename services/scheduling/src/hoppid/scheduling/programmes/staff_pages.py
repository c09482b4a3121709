"""The office's programmes for signed-in staff of that office: enrolments, waitlist and session
attendance, and a new programme (office admins; their change and cancellation: change_pages);
the same use cases as the JSON API (``programmes.use_cases``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from hoppid.scheduling.access import administers
from hoppid.scheduling.model import RuleViolation
from hoppid.scheduling.programmes import change_pages, page_form
from hoppid.scheduling.programmes import use_cases as programme_use
from hoppid.scheduling.programmes.forms import AttendanceForm, Attended
from hoppid.scheduling.web.common import Document, not_found, notice, office_admin, office_staff
from hoppid.shared.access import Staff
from hoppid.shared.problems import Conflict, NotFound

if TYPE_CHECKING:
    from hoppid.scheduling.web.routes import Site


def _programme_view(programme: Document, now: Any) -> Document:
    sessions = [
        {**s, "started": s["start"] <= now, "attended": programme["attendance"].get(s["id"], {})}
        for s in programme["sessions"]
    ]
    return {**programme, "sessions": sessions}


def router(site: Site) -> APIRouter:
    pages = site.pages
    router = APIRouter(prefix="/pages/staff", include_in_schema=False)

    async def show_programmes(
        request: Request, staff: Staff, office_id: str, status: int = 200, **extra: Any
    ) -> HTMLResponse:
        now = site.ctx.now()
        found = [_programme_view(p, now) for p in await site.programmes.store.of_office(office_id)]
        context = {
            "programmes": found,
            "problem": None,
            "notice": notice(
                request, ("attendance", "created", "programme_changed", "programme_cancelled")
            ),
            "may_change": administers(staff, office_id),
        }
        context.update(extra)
        return pages.render(request, "staff_programmes.html", status, staff=staff, **context)

    @router.get("/programmes", response_model=None)
    async def programmes(request: Request) -> Response:
        return await show_programmes(request, *await office_staff(site, request))

    @router.post("/programmes/{programme_id}/sessions/{session_id}", response_model=None)
    async def attendance(request: Request, programme_id: str, session_id: str) -> Response:
        form = await pages.form(request)
        staff, office_id = await office_staff(site, request)
        came = [Attended(enrolment_id=str(v)) for v in form.getlist("attended")]
        if not came:
            return await show_programmes(request, staff, office_id, 422, problem="none_attended")
        try:
            await programme_use.attend(
                site.programmes,
                staff,
                office_id,
                programme_id,
                session_id,
                AttendanceForm(attended=came),
            )
        except NotFound:
            return not_found(site, request, staff)
        except (RuleViolation, Conflict):
            return await show_programmes(
                request, staff, office_id, 422, problem="attendance_refused"
            )
        return pages.redirect("/pages/staff/programmes?done=attendance")

    def show_form(
        request: Request, staff: Staff, values: page_form.Values, errors: page_form.Errors
    ) -> HTMLResponse:
        status = 422 if errors else 200
        return pages.render(
            request, "staff_programme_form.html", status, staff=staff, values=values, errors=errors
        )

    @router.get("/programmes/new", response_model=None)
    async def new(request: Request) -> Response:
        staff, _ = await office_admin(site, request)
        return show_form(request, staff, page_form.new_values(), {})

    @router.post("/programmes", response_model=None)
    async def create(request: Request) -> Response:
        form = await pages.form(request)
        staff, office_id = await office_admin(site, request)
        values = page_form.values_of(form)
        parsed = page_form.parse(values)
        if isinstance(parsed, dict):
            return show_form(request, staff, values, parsed)
        programme, where = parsed
        try:
            await programme_use.create(site.programmes, staff, office_id, programme)
        except RuleViolation as problem:
            return show_form(request, staff, values, page_form.rule_error(problem, where))
        return pages.redirect("/pages/staff/programmes?done=created")

    router.include_router(change_pages.router(site))  # change and cancel (office admins)
    return router
