"""HTTP routes of office seats (desks), thin: parse -> desks handler -> response."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query

from hoppid.scheduling.context import office_for
from hoppid.scheduling.desks import desk_changes
from hoppid.scheduling.desks import use_cases as use
from hoppid.scheduling.desks.forms import DeskForm, SeatForm
from hoppid.scheduling.desks.use_cases import Desks
from hoppid.shared.access import Staff
from hoppid.shared.outbox import OUTBOX_FIELDS
from hoppid.shared.web.bounds import Day

Document = dict[str, Any]


def install(app: FastAPI, desks: Desks, staff_dep: Callable[..., Any]) -> None:
    app.include_router(_router(desks, staff_dep))


def _out(document: Document) -> Document:
    hidden = {"_id", "claim", *OUTBOX_FIELDS}
    return {"id": document["_id"], **{k: v for k, v in document.items() if k not in hidden}}


def _router(desks: Desks, staff_dep: Callable[..., Any]) -> APIRouter:
    router = APIRouter(prefix="/v1/offices/{office_id}", tags=["office seats"])
    Caller = Annotated[Staff, Depends(staff_dep)]

    @router.post("/desks", status_code=201, summary="Add a desk (office admin)")
    async def add(caller: Caller, office_id: str, form: DeskForm) -> Document:
        return _out(await use.add_desk(desks, caller, office_id, form))

    @router.patch("/desks/{desk_id}", summary="Rename a desk (office admin)")
    async def change(caller: Caller, office_id: str, desk_id: str, form: DeskForm) -> Document:
        return _out(await desk_changes.change_desk(desks, caller, office_id, desk_id, form))

    @router.delete(
        "/desks/{desk_id}",
        summary="Remove a desk (office admin; 409 while it has seat bookings to come)",
    )
    async def remove(caller: Caller, office_id: str, desk_id: str) -> Document:
        return _out(await desk_changes.remove_desk(desks, caller, office_id, desk_id))

    @router.get("/desks", summary="The office's desks (removed ones with active false)")
    async def listing(caller: Caller, office_id: str) -> list[Document]:
        await office_for(desks.ctx, caller, office_id)
        return [_out(d) for d in await desks.store.desks(office_id)]

    @router.post("/seat-bookings", status_code=201, summary="Book a desk (409: none free)")
    async def book(caller: Caller, office_id: str, form: SeatForm) -> list[Document]:
        return [_out(b) for b in await use.book(desks, caller, office_id, form)]

    @router.get("/seat-bookings", summary="The seat bookings of one Oslo day")
    async def of_day(
        caller: Caller, office_id: str, day: Annotated[Day, Query()]
    ) -> list[Document]:
        await office_for(desks.ctx, caller, office_id)
        return [_out(b) for b in await desks.store.of_office(office_id, day.isoformat())]

    @router.post("/seat-bookings/release-no-shows", summary="Release bookings not checked in")
    async def release(caller: Caller, office_id: str) -> Document:
        return {"released": await use.staff_release(desks, caller, office_id)}

    @router.post("/seat-bookings/{booking_id}/check-in", summary="The person has arrived")
    async def check_in(caller: Caller, office_id: str, booking_id: str) -> Document:
        return _out(await use.check_in(desks, caller, office_id, booking_id))

    @router.post("/seat-bookings/{booking_id}/cancel", summary="Cancel; the desk is free again")
    async def cancel(caller: Caller, office_id: str, booking_id: str) -> Document:
        return _out(await use.cancel(desks, caller, office_id, booking_id))

    return router
