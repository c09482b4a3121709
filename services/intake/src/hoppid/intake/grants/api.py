"""The catalogue's JSON routes under ``/v1/offices/{office_id}/grant-programmes``: staff of
the office read it; its admin adds and changes entries (``active: false`` deactivates one).
Refusals are problem+json like every route: 403, 404, 422 naming the field."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from hoppid.intake.grants import use_cases
from hoppid.intake.grants.forms import ProgrammeForm
from hoppid.intake.grants.use_cases import Grants
from hoppid.shared.access import Staff

ProgrammeId = Annotated[str, Path(min_length=1, max_length=100)]


def programme_out(entry: dict[str, Any]) -> dict[str, Any]:
    keys = ("office_id", "name", "name_en", "granted_by", "max_amount_nok", "active")
    shown = {k: entry.get(k) for k in keys}
    return {"id": entry["_id"], **shown, "changed_at": entry.get("changed_at")}


def router(grants: Grants, staff_dep: Callable[..., Any]) -> APIRouter:
    routes = APIRouter(prefix="/v1/offices/{office_id}/grant-programmes", tags=["grant programmes"])
    Caller = Annotated[Staff, Depends(staff_dep)]

    @routes.get("", summary="The office's grant programmes, by name (the first read seeds one)")
    async def listed(caller: Caller, office_id: str) -> list[dict[str, Any]]:
        return [programme_out(e) for e in await use_cases.programmes(grants, caller, office_id)]

    @routes.post("", status_code=201, summary="Add a grant programme (the office's admin)")
    async def add(caller: Caller, office_id: str, form: ProgrammeForm) -> dict[str, Any]:
        return programme_out(await use_cases.add_programme(grants, caller, office_id, form))

    @routes.get("/{programme_id}", summary="One grant programme of the office")
    async def one(caller: Caller, office_id: str, programme_id: ProgrammeId) -> dict[str, Any]:
        return programme_out(await use_cases.programme(grants, caller, office_id, programme_id))

    @routes.put(
        "/{programme_id}",
        summary="Change a grant programme (the office's admin); `active: false` deactivates it",
    )
    async def change(
        caller: Caller, office_id: str, programme_id: ProgrammeId, form: ProgrammeForm
    ) -> dict[str, Any]:
        changed = await use_cases.change_programme(grants, caller, office_id, programme_id, form)
        return programme_out(changed)

    return routes
