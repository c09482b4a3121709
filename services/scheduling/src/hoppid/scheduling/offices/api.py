"""HTTP routes of offices, thin: the offices the caller works at, their scheduling settings
(office admins) and the office's private calendar feed link."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI

from hoppid.scheduling.access import works_at
from hoppid.scheduling.context import Context, office_for
from hoppid.scheduling.offices import forms, use_cases
from hoppid.scheduling.responses import out
from hoppid.shared.access import Staff


def install(app: FastAPI, ctx: Context, staff_dep: Callable[..., Any]) -> None:
    app.include_router(_router(ctx, staff_dep))


def _router(ctx: Context, staff_dep: Callable[..., Any]) -> APIRouter:
    router = APIRouter(prefix="/v1/offices", tags=["offices"])
    Caller = Annotated[Staff, Depends(staff_dep)]

    @router.get("", summary="The offices the caller works at")
    async def offices(caller: Caller) -> list[dict[str, Any]]:
        return [out(o) for o in await ctx.office_store.offices() if works_at(caller, o["_id"])]

    @router.get("/{office_id}", summary="One office with its scheduling settings")
    async def office(caller: Caller, office_id: str) -> dict[str, Any]:
        found = await office_for(ctx, caller, office_id, fresh=True)  # as stored now
        settings = forms.OfficeSettings.model_validate(found.get("settings") or {})
        return {**out(found), "settings": settings.model_dump(mode="json")}

    @router.put("/{office_id}/settings", summary="Opening hours, closed days, meeting lengths")
    async def settings(
        caller: Caller, office_id: str, form: forms.OfficeSettings
    ) -> dict[str, Any]:
        return out(await use_cases.save_office_settings(ctx, caller, office_id, form))

    @router.post(
        "/{office_id}/feed",
        summary="A new private calendar feed of all the office's meetings (old one ends)",
    )
    async def office_feed(caller: Caller, office_id: str) -> dict[str, Any]:
        return await use_cases.renew_office_feed(ctx, caller, office_id)

    return router
