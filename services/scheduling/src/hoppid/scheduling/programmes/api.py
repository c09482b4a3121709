"""HTTP routes of group programmes, thin: parse -> programmes handler -> response.

Staff of the office create programmes (office admins also change their sessions' times and
capacity, or cancel them whole), enrol people (for a case) or school classes, cancel
enrolments and record attendance. A person enrols themselves through their signed link
(``/v1/me/{token}/programmes``) and sees only the programmes and their own enrolments, never
who else is in them. Times are UTC; each also comes as Oslo wall-clock time (``*_oslo``).
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI

from hoppid.scheduling.access import as_office
from hoppid.scheduling.context import office_for
from hoppid.scheduling.programmes import changes
from hoppid.scheduling.programmes import use_cases as use
from hoppid.scheduling.programmes.forms import (
    AttendanceForm,
    EnrolForm,
    MyEnrolForm,
    ProgrammeChangeForm,
    ProgrammeForm,
)
from hoppid.scheduling.programmes.use_cases import Programmes
from hoppid.scheduling.programmes.views import my_status, public, staff_view
from hoppid.shared.access import Staff
from hoppid.shared.person_links import linked_person, person_dependency
from hoppid.shared.problems import NotFound

Document = dict[str, Any]


def install(
    app: FastAPI, programmes: Programmes, staff_dep: Callable[..., Any], link_secret: str
) -> None:
    app.include_router(_staff_router(programmes, staff_dep))
    if link_secret:
        app.include_router(_person_router(programmes, link_secret))


def _staff_router(programmes: Programmes, staff_dep: Callable[..., Any]) -> APIRouter:
    router = APIRouter(prefix="/v1/offices/{office_id}/programmes", tags=["group programmes"])
    Caller = Annotated[Staff, Depends(staff_dep)]

    @router.post("", status_code=201, summary="A course, programme, camp or school programme")
    async def create(caller: Caller, office_id: str, form: ProgrammeForm) -> Document:
        return staff_view(await use.create(programmes, caller, office_id, form))

    @router.get("", summary="The office's programmes")
    async def listing(caller: Caller, office_id: str) -> list[Document]:
        await office_for(programmes.ctx, caller, office_id)
        return [staff_view(p) for p in await programmes.store.of_office(office_id)]

    @router.get("/{programme_id}", summary="One programme with its enrolments and waitlist")
    async def one(caller: Caller, office_id: str, programme_id: str) -> Document:
        return staff_view(await use.open_programme(programmes, caller, office_id, programme_id))

    @router.patch("/{programme_id}", summary="Change sessions' times or capacity (office admin)")
    async def change(
        caller: Caller, office_id: str, programme_id: str, form: ProgrammeChangeForm
    ) -> Document:
        return await changes.change_programme(programmes, caller, office_id, programme_id, form)

    @router.post("/{programme_id}/cancel", summary="Cancel the whole programme (office admin)")
    async def cancel_programme(caller: Caller, office_id: str, programme_id: str) -> Document:
        return await changes.cancel_programme(programmes, caller, office_id, programme_id)

    @router.post("/{programme_id}/enrolments", status_code=201, summary="Enrol (or waitlist)")
    async def enrol(caller: Caller, office_id: str, programme_id: str, form: EnrolForm) -> Document:
        return await use.enrol(programmes, caller, office_id, programme_id, form)

    @router.post("/{programme_id}/enrolments/{enrolment_id}/cancel", summary="Cancel; promotes")
    async def cancel(
        caller: Caller, office_id: str, programme_id: str, enrolment_id: str
    ) -> Document:
        return await use.cancel(programmes, caller, office_id, programme_id, enrolment_id)

    @router.post("/{programme_id}/sessions/{session_id}/attendance", summary="Who attended")
    async def attendance(
        caller: Caller, office_id: str, programme_id: str, session_id: str, form: AttendanceForm
    ) -> Document:
        return await use.attend(programmes, caller, office_id, programme_id, session_id, form)

    return router


def _person_router(programmes: Programmes, link_secret: str) -> APIRouter:
    router = APIRouter(prefix="/v1/me/{token}/programmes", tags=["the entrepreneur's link"])

    async def person_of(token: str) -> str | None:
        ctx = programmes.ctx
        return await linked_person(link_secret, token, ctx.now(), ctx.vault, ctx.store.is_erased)

    Person = Annotated[str, Depends(person_dependency(person_of))]

    @router.get("", summary="Programmes open to me, and my enrolments")
    async def mine(me: Person) -> Document:
        now = programmes.ctx.now()
        # the programmes of the offices of their cases (of all, while scheduling knows none yet)
        offices = await programmes.ctx.meeting_store.offices_of_person(me)
        open_ = [
            p
            for p in await programmes.store.open_to_people()
            if p["first_start"] > now and (not offices or p["office_id"] in offices)
        ]
        return {
            "open": [public(p) for p in open_],
            "enrolments": [my_status(p, me) for p in await programmes.store.of_person(me)],
        }

    @router.post("/{programme_id}/enrol", status_code=201, summary="Enrol me (or waitlist me)")
    async def enrol(me: Person, programme_id: str, form: MyEnrolForm) -> Document:
        programme = await use.open_to_person(programmes, programme_id)
        staff = as_office(programme["office_id"])
        # enrol checks the programme is of an office of their cases, and the case theirs there
        enrolment = EnrolForm(person_id=me, case_id=form.case_id)
        office = programme["office_id"]
        return await use.enrol(
            programmes, staff, office, programme_id, enrolment, by="entrepreneur"
        )

    @router.post("/{programme_id}/cancel", summary="Cancel my enrolment (my seat goes on)")
    async def cancel(me: Person, programme_id: str) -> Document:
        programme = await use.open_to_person(programmes, programme_id)
        mine = [e for e in programme["seats"] + programme["waiting"] if e["person_id"] == me]
        if not mine:
            raise NotFound(programme_id)
        office = programme["office_id"]
        staff = as_office(office)
        return await use.cancel(
            programmes, staff, office, programme_id, mine[0]["id"], "entrepreneur"
        )

    return router
