"""The office's advisors for signed-in staff of that office: each with their weekly hours and
absences."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response

from hoppid.scheduling.web.common import office_staff

if TYPE_CHECKING:
    from hoppid.scheduling.web.routes import Site


def router(site: Site) -> APIRouter:
    pages = site.pages
    ctx = site.ctx
    router = APIRouter(prefix="/pages/staff", include_in_schema=False)

    @router.get("/advisors", response_model=None)
    async def advisors(request: Request) -> Response:
        staff, office_id = await office_staff(site, request)
        office = await ctx.store.office(office_id) or {"name": office_id}
        found = sorted(await ctx.store.advisors(office_id), key=lambda a: a["name"])
        return pages.render(
            request, "staff_advisors.html", staff=staff, office=office, advisors=found
        )

    return router
