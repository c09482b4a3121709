"""The person's programmes, by their signed link: enrol in a course, camp or programme of their
office (or join its waitlist), and leave it. The same use cases as the JSON API
(``programmes.use_cases``), acting with the office's rights."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from hoppid.scheduling.access import as_office
from hoppid.scheduling.programmes import use_cases as programme_use
from hoppid.scheduling.programmes.forms import EnrolForm
from hoppid.scheduling.programmes.views import my_status, public
from hoppid.scheduling.web.common import me_of, notice, person_offices
from hoppid.shared.problems import Conflict, NotFound

if TYPE_CHECKING:
    from hoppid.scheduling.web.routes import Site


async def _case_of(site: Site, me: str, office_id: str) -> str | None:
    """The person's newest case at the office (an enrolment belongs to it)."""
    offers = [
        o for o in await site.ctx.meeting_store.offers_of_person(me) if o["office_id"] == office_id
    ]
    return offers[-1]["case_id"] if offers else None


def router(site: Site) -> APIRouter:
    pages = site.pages
    router = APIRouter(prefix="/pages/me/{token}", include_in_schema=False)

    async def show_programmes(
        request: Request, token: str, me: str, status: int = 200, **extra: Any
    ) -> HTMLResponse:
        now = site.ctx.now()
        offices = await person_offices(site, me)
        mine = [my_status(p, me) for p in await site.programmes.store.of_person(me)]
        taken = {p["id"] for p in mine}
        open_ = [
            public(p)
            for p in await site.programmes.store.open_to_people()
            if p["first_start"] > now and p["office_id"] in offices and p["_id"] not in taken
        ]
        context = {"token": token, "open": open_, "mine": mine, "problem": None, **extra}
        context["notice"] = notice(request, ("enrolled", "left"))
        return pages.render(request, "me_programmes.html", status=status, **context)

    @router.get("/programmes", response_class=HTMLResponse)
    async def programmes(request: Request, token: str) -> HTMLResponse:
        me = await me_of(site, request, token)
        return await show_programmes(request, token, me)

    @router.post("/programmes/{programme_id}/enrol", response_model=None)
    async def enrol(request: Request, token: str, programme_id: str) -> Response:
        await pages.form(request)
        me = await me_of(site, request, token)
        try:
            programme = await programme_use.open_to_person(site.programmes, programme_id)
            office = programme["office_id"]
            if office not in await person_offices(site, me):
                raise NotFound(programme_id)  # only programmes of the person's own office
            form = EnrolForm(person_id=me, case_id=await _case_of(site, me, office))
            staff = as_office(office)
            await programme_use.enrol(
                site.programmes, staff, office, programme_id, form, "entrepreneur"
            )
        except NotFound:
            return await show_programmes(request, token, me, 404, problem="programme_gone")
        except Conflict:
            return await show_programmes(request, token, me, 409, problem="programme_conflict")
        return pages.redirect(f"/pages/me/{token}/programmes?done=enrolled")

    @router.post("/programmes/{programme_id}/cancel", response_model=None)
    async def leave(request: Request, token: str, programme_id: str) -> Response:
        await pages.form(request)
        me = await me_of(site, request, token)
        try:
            programme = await programme_use.open_to_person(site.programmes, programme_id)
            entries = programme["seats"] + programme["waiting"]
            mine = [e for e in entries if e["person_id"] == me]
            if not mine:
                raise NotFound(programme_id)
            office = programme["office_id"]
            staff = as_office(office)
            await programme_use.cancel(
                site.programmes, staff, office, programme_id, mine[0]["id"], "entrepreneur"
            )
        except (NotFound, Conflict):
            return await show_programmes(request, token, me, 409, problem="programme_conflict")
        return pages.redirect(f"/pages/me/{token}/programmes?done=left")

    return router
