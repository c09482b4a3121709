"""Office administration over JSON: offices (the platform admin adds, an office's admin changes)
and API keys (an office's, and the county's or a partner's issued by the platform admin)."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from hoppid.intake.context import Context
from hoppid.intake.offices import forms, use_cases
from hoppid.intake.offices.views import public_office
from hoppid.shared.access import ALL_OFFICES, Staff


def router(ctx: Context, staff_dep: Callable[..., Any]) -> APIRouter:
    routes = APIRouter(prefix="/v1/offices", tags=["office administration"])
    Caller = Annotated[Staff, Depends(staff_dep)]

    @routes.post("", status_code=201, summary="Add an office (platform admin)")
    async def add_office(caller: Caller, form: forms.NewOffice) -> dict[str, Any]:
        office_form = forms.OfficeForm(**form.model_dump(exclude={"id"}))
        office = await use_cases.save_office(ctx, caller, form.id, office_form, new=True)
        return public_office(office)

    @routes.put("/{office_id}", summary="Change an office (its admin)")
    async def change_office(
        caller: Caller, office_id: str, form: forms.OfficeForm
    ) -> dict[str, Any]:
        return public_office(await use_cases.save_office(ctx, caller, office_id, form, new=False))

    @routes.post("/{office_id}/keys", status_code=201, summary="Issue an API key (shown once)")
    async def issue(caller: Caller, office_id: str, form: forms.IssueKey) -> dict[str, Any]:
        return await use_cases.issue_key(ctx, caller, office_id, form.role, form.label)

    @routes.delete("/{office_id}/keys/{key_id}", status_code=204, summary="Revoke an API key")
    async def revoke(caller: Caller, office_id: str, key_id: str) -> Response:
        await use_cases.revoke_key(ctx, caller, office_id, key_id)
        return Response(status_code=204)

    return routes


def platform_keys_router(ctx: Context, staff_dep: Callable[..., Any]) -> APIRouter:
    routes = APIRouter(prefix="/v1/keys", tags=["office administration"])
    Caller = Annotated[Staff, Depends(staff_dep)]

    @routes.post("", status_code=201, summary="Issue a county or partner key (platform admin)")
    async def issue(caller: Caller, form: forms.IssuePlatformKey) -> dict[str, Any]:
        return await use_cases.issue_key(ctx, caller, ALL_OFFICES, form.role, form.label)

    @routes.delete("/{key_id}", status_code=204, summary="Revoke a county or partner key")
    async def revoke(caller: Caller, key_id: str) -> Response:
        await use_cases.revoke_key(ctx, caller, ALL_OFFICES, key_id)
        return Response(status_code=204)

    return routes
