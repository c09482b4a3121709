"""HTTP routes of advisors, thin: office admins add and change them (hours, absences,
languages, topics); the office's staff list them and renew an advisor's calendar feed link."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI

from hoppid.scheduling.advisors import forms, use_cases
from hoppid.scheduling.context import Context, office_for
from hoppid.scheduling.responses import out
from hoppid.shared.access import Staff
from hoppid.shared.problems import NotFound


def install(app: FastAPI, ctx: Context, staff_dep: Callable[..., Any]) -> None:
    app.include_router(_router(ctx, staff_dep))


def _router(ctx: Context, staff_dep: Callable[..., Any]) -> APIRouter:
    router = APIRouter(prefix="/v1/offices/{office_id}/advisors", tags=["advisors"])
    Caller = Annotated[Staff, Depends(staff_dep)]

    @router.post("", status_code=201, summary="Add an advisor (the feed link is shown once)")
    async def add(caller: Caller, office_id: str, form: forms.AdvisorForm) -> dict[str, Any]:
        return out(await use_cases.add_advisor(ctx, caller, office_id, form))

    @router.get("", summary="The office's advisors")
    async def advisors(caller: Caller, office_id: str) -> list[dict[str, Any]]:
        await office_for(ctx, caller, office_id)
        return [out(a) for a in await ctx.advisor_store.advisors(office_id)]

    @router.get("/{advisor_id}", summary="One advisor")
    async def advisor(caller: Caller, office_id: str, advisor_id: str) -> dict[str, Any]:
        await office_for(ctx, caller, office_id)
        found = await ctx.advisor_store.advisor(office_id, advisor_id)
        if found is None:
            raise NotFound(advisor_id)
        return out(found)

    @router.put("/{advisor_id}", summary="Change an advisor: hours, absences, languages, topics")
    async def change(
        caller: Caller, office_id: str, advisor_id: str, form: forms.AdvisorForm
    ) -> dict[str, Any]:
        return out(await use_cases.change_advisor(ctx, caller, office_id, advisor_id, form))

    @router.post("/{advisor_id}/feed", summary="A new private calendar feed link (old one ends)")
    async def feed(caller: Caller, office_id: str, advisor_id: str) -> dict[str, Any]:
        return await use_cases.renew_feed(ctx, caller, office_id, advisor_id)

    return router
