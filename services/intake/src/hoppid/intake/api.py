"""intake's HTTP routes, thin: parse -> handler -> response. Four audiences, four routers."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse

from hoppid.intake import accounts, forms, handlers, web
from hoppid.intake.audit import api as audit_api
from hoppid.intake.audit import case_export, trail
from hoppid.intake.context import Context
from hoppid.intake.exports import EXPORT_HEADERS, case_out, export_body
from hoppid.intake.grants import api as grants_api
from hoppid.intake.grants.use_cases import Grants
from hoppid.intake.link_limits import LinkLimits
from hoppid.intake.model import CONSENT_TEXT_VERSION, CONSENT_TEXTS
from hoppid.intake.settings import IntakeSettings
from hoppid.shared.access import ALL_OFFICES, KeyRing, Staff
from hoppid.shared.guards import RateLimit
from hoppid.shared.staff_sessions import StaffSessions
from hoppid.shared.web.bounds import MOST_OFFSET, Day

NEXT_STEPS = {
    "nb": "Takk! Du får en e-post med lenke til saken din. Kontoret tar kontakt innen tre "
    "arbeidsdager og tilbyr deg tider for et gratis veiledningsmøte.",
    "nn": "Takk! Du får ein e-post med lenkje til saka di. Kontoret tek kontakt innan tre "
    "arbeidsdagar og tilbyr deg tider for eit gratis rettleiingsmøte.",
    "en": "Thank you! You will get an email with a link to your case. The office will contact "
    "you within three working days and offer you times for a free guidance meeting.",
}
# the one answer to a request for a new link, known address or not (no account enumeration)
SEARCH_LIMIT = 50  # cases a search answers at most, newest first (as the search page shows)
LINK_ANSWER = {
    "nb": "Takk. Hvis vi har en sak registrert på denne e-postadressen, sender vi en ny lenke "
    "dit i løpet av noen minutter. Kommer den ikke, se i søppelpostmappen eller kontakt kontoret.",
    "nn": "Takk. Om vi har ei sak registrert på denne e-postadressa, sender vi ei ny lenkje dit "
    "i løpet av nokre minutt. Kjem ho ikkje, sjå i søppelpostmappa eller kontakt kontoret.",
    "en": "Thank you. If we have a case registered to this email address, we will send a new "
    "link there within a few minutes. If it does not arrive, look in your spam folder or "
    "contact the office.",
}


def install(app: FastAPI, ctx: Context, settings: IntakeSettings) -> None:
    """Routes and error mapping of intake."""
    # errors (FieldProblem 422, NotFound 404, Conflict 409, PermissionError 403) are mapped to
    # problems by the shared skeleton; keys are checked by the platform's key ring
    ring = KeyRing(
        ctx.store.db,
        settings.admin_key.get_secret_value(),
        settings.failure_limit(),
        StaffSessions.of(ctx.store.db.client, settings),  # shared: sign-out ends it everywhere
    )
    staff = ring.dependency()
    # the form's pages share it; the client is the one behind the trusted proxies
    limit = RateLimit(settings.submissions_per_hour, client_address=settings.client_address())
    link_limits = LinkLimits(settings)  # the new-link page's too
    app.include_router(_public_router(ctx, limit))
    app.include_router(_new_link_router(ctx, link_limits))
    app.include_router(_staff_router(ctx, staff))
    app.include_router(_admin_router(ctx, staff))
    app.include_router(_platform_keys_router(ctx, staff))
    app.include_router(_person_router(ctx))
    app.include_router(audit_api.router(ctx, staff))
    app.include_router(case_export.api_router(ctx, staff))
    app.include_router(accounts.api_router(ctx.store.db, ring.sessions, staff))
    app.include_router(grants_api.router(Grants.of(ctx.store.db, ctx.now), staff))
    web.install(app, ctx, settings, ring, limit, link_limits)


# --- who is calling ----------------------------------------------------------------------------


def _office_staff(staff: Staff) -> Staff:
    if staff.office_id == "*":
        raise PermissionError("case work needs a key of an office")
    return staff


# --- public: the inquiry form's API ------------------------------------------------------------


def _public_router(ctx: Context, limit: RateLimit) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["public"])

    @router.get("/offices", summary="The offices and the municipalities they serve")
    async def offices() -> list[dict[str, Any]]:
        return [_public_office(o) for o in await ctx.store.offices()]

    @router.get("/consent", summary="The consent text to show, with its version")
    async def consent(language: forms.Language = "nb") -> dict[str, str]:
        return {
            "version": CONSENT_TEXT_VERSION,
            "language": language,
            "text": CONSENT_TEXTS[language],
        }

    @router.post(
        "/inquiries",
        summary="Send an inquiry (no login)",
        status_code=201,
        dependencies=[Depends(limit)],
    )
    async def inquire(
        form: forms.InquiryForm,
        response: Response,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> dict[str, Any]:
        case, created = await handlers.submit_inquiry(ctx, form, idempotency_key)
        if not created:
            response.status_code = 200
        office = await ctx.store.recent_office(case["office_id"]) or {}
        return {
            "reference": case["reference"],
            "office": {
                "id": office.get("_id"),
                "name": office.get("name"),
                "contact_email": office.get("contact_email"),
            },
            "next_steps": NEXT_STEPS[case["language"]],
        }

    return router


def _new_link_router(ctx: Context, limits: LinkLimits) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["public"])

    @router.post(
        "/links",
        status_code=202,
        summary="Ask for a new link by email (no login); the same answer for every address",
    )
    async def new_link(request: Request, form: forms.LinkRequest) -> dict[str, str]:
        limits.check(request, str(form.email))
        await handlers.request_link(ctx, str(form.email))
        return {"status": "accepted", "message": LINK_ANSWER[form.language]}

    return router


def _public_office(office: dict[str, Any]) -> dict[str, Any]:
    keys = ("name", "municipalities", "languages", "contact_email", "opening_hours")
    return {"id": office["_id"], **{k: office.get(k) for k in keys}}


# --- office staff: cases ---------------------------------------------------------------------


def _staff_router(ctx: Context, staff_dep: Callable[..., Any]) -> APIRouter:
    router = APIRouter(prefix="/v1/cases", tags=["office staff"])
    Caller = Annotated[Staff, Depends(staff_dep)]

    @router.get("", summary="The office's cases, newest first, with filters")
    async def list_cases(
        caller: Caller,
        status: Annotated[str | None, Query(pattern=r"^[a-z_]+$")] = None,
        need: forms.Need | None = None,
        advisor: str | None = None,
        since: Day | None = None,
        until: Day | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=MOST_OFFSET)] = 0,
    ) -> list[dict[str, Any]]:
        filters: dict[str, Any] = {"status": status, "need": need, "advisor": advisor}
        filters.update(since=since, until=until)
        found = await handlers.find_cases(ctx, _office_staff(caller), filters, limit, offset)
        return [_case_out(c) for c in found]

    # before /{case_id}, which would take "search" for an id
    @router.get("/search", summary="The office's cases by reference, email, phone or name")
    async def search_cases(
        caller: Caller, q: Annotated[str, Query(max_length=1000)]
    ) -> list[dict[str, Any]]:
        found = await handlers.search_cases(ctx, _office_staff(caller), q, SEARCH_LIMIT)
        await trail.searched(ctx, caller, q, found, "api")
        return [_case_out(c) for c in found]

    @router.get("/{case_id}", summary="One case of the office")
    async def get_case(caller: Caller, case_id: str) -> dict[str, Any]:
        case = await handlers.open_case(ctx, _office_staff(caller), case_id)
        await trail.case_read(ctx, caller, case, "api", contact_details=False)
        return _case_out(case)

    def post(path: str, form_type: Any, handler: Any, summary: str) -> None:
        async def endpoint(caller: Caller, case_id: str, form: form_type) -> dict[str, Any]:
            return _case_out(await handler(ctx, _office_staff(caller), case_id, form))

        router.post(path, summary=summary)(endpoint)

    post("/{case_id}/advisor", forms.AssignAdvisor, handlers.assign_advisor, "Assign an advisor")
    post("/{case_id}/status", forms.ChangeStatus, handlers.change_status, "Move along the pipeline")
    post("/{case_id}/notes", forms.AddNote, handlers.add_note, "Add a note")
    post(
        "/{case_id}/applications",
        forms.RecordApplication,
        handlers.record_application,
        "Record an application the office helps with",
    )
    post(
        "/{case_id}/company",
        forms.RegisterCompany,
        handlers.register_company,
        "Record the company registered",
    )
    post(
        "/{case_id}/introductions",
        forms.MakeIntroduction,
        handlers.make_introduction,
        "Record a network introduction",
    )

    @router.put("/{case_id}/notes/{note_id}", summary="Change a note one wrote")
    async def edit_note(
        caller: Caller, case_id: str, note_id: str, form: forms.EditNote
    ) -> dict[str, Any]:
        case = await handlers.edit_note(ctx, _office_staff(caller), case_id, note_id, form)
        return _case_out(case)

    @router.post(
        "/{case_id}/applications/{application_id}/decision", summary="Record the funder's decision"
    )
    async def decide(
        caller: Caller, case_id: str, application_id: str, form: forms.DecideApplication
    ) -> dict[str, Any]:
        case = await handlers.decide_application(
            ctx, _office_staff(caller), case_id, application_id, form
        )
        return _case_out(case)

    return router


_case_out = case_out


# --- office administration ---------------------------------------------------------------------


def _admin_router(ctx: Context, staff_dep: Callable[..., Any]) -> APIRouter:
    router = APIRouter(prefix="/v1/offices", tags=["office administration"])
    Caller = Annotated[Staff, Depends(staff_dep)]

    @router.post("", status_code=201, summary="Add an office (platform admin)")
    async def add_office(caller: Caller, form: forms.NewOffice) -> dict[str, Any]:
        office_form = forms.OfficeForm(**form.model_dump(exclude={"id"}))
        office = await handlers.save_office(ctx, caller, form.id, office_form, new=True)
        return _public_office(office)

    @router.put("/{office_id}", summary="Change an office (its admin)")
    async def change_office(
        caller: Caller, office_id: str, form: forms.OfficeForm
    ) -> dict[str, Any]:
        return _public_office(await handlers.save_office(ctx, caller, office_id, form, new=False))

    @router.post("/{office_id}/keys", status_code=201, summary="Issue an API key (shown once)")
    async def issue(caller: Caller, office_id: str, form: forms.IssueKey) -> dict[str, Any]:
        return await handlers.issue_key(ctx, caller, office_id, form.role, form.label)

    @router.delete("/{office_id}/keys/{key_id}", status_code=204, summary="Revoke an API key")
    async def revoke(caller: Caller, office_id: str, key_id: str) -> Response:
        await handlers.revoke_key(ctx, caller, office_id, key_id)
        return Response(status_code=204)

    return router


def _platform_keys_router(ctx: Context, staff_dep: Callable[..., Any]) -> APIRouter:
    router = APIRouter(prefix="/v1/keys", tags=["office administration"])
    Caller = Annotated[Staff, Depends(staff_dep)]

    @router.post("", status_code=201, summary="Issue a county or partner key (platform admin)")
    async def issue(caller: Caller, form: forms.IssuePlatformKey) -> dict[str, Any]:
        return await handlers.issue_key(ctx, caller, ALL_OFFICES, form.role, form.label)

    @router.delete("/{key_id}", status_code=204, summary="Revoke a county or partner key")
    async def revoke(caller: Caller, key_id: str) -> Response:
        await handlers.revoke_key(ctx, caller, ALL_OFFICES, key_id)
        return Response(status_code=204)

    return router


# --- the entrepreneur's own link -------------------------------------------------------------


def _person_router(ctx: Context) -> APIRouter:
    router = APIRouter(prefix="/v1/me/{token}", tags=["the entrepreneur's link"])

    async def person_id(token: str) -> str:
        found = await handlers.person_of_link(ctx, token)
        if found is None:
            raise HTTPException(401, "this link is not valid (expired or revoked)")
        return found

    Person = Annotated[str, Depends(person_id)]

    @router.get("", summary="My case(s) and their status")
    async def overview(person: Person) -> dict[str, Any]:
        data = await handlers.my_data(ctx, person)
        return {
            "name": data["person"]["name"],
            "cases": [
                {
                    "reference": c["reference"],
                    "status": c["status"],
                    "needs": c["needs"],
                    "office_id": c["office_id"],
                    "created_at": c["created_at"],
                }
                for c in data["cases"]
            ],
        }

    @router.get("/export", summary="All data intake holds about me, as JSON")
    async def export(person: Person) -> JSONResponse:
        data = await handlers.my_data(ctx, person)
        await trail.person_act(ctx, person, "export", trail.the_person(person), "link")
        return JSONResponse(export_body(data), headers=EXPORT_HEADERS)

    @router.patch("", summary="Correct my data")
    async def correct(person: Person, form: forms.Correction) -> dict[str, Any]:
        updated = await handlers.correct_my_data(ctx, person, form)
        return {
            "name": updated["name"],
            "phone": updated.get("phone"),
            "language": updated["language"],
        }

    @router.post(
        "/consent/withdraw",
        summary="Withdraw a consent",
        description="Withdrawing `processing` is an erasure request: the answer's `effect` is "
        "`erased` (as `POST /erasure`), else `recorded`.",
    )
    async def withdraw(person: Person, form: forms.WithdrawConsent) -> dict[str, str]:
        after = await handlers.withdraw_consent(ctx, person, form)
        return {"withdrawn": form.consent, "effect": "recorded" if after else "erased"}

    @router.post("/erasure", status_code=202, summary="Erase my data everywhere")
    async def erase(person: Person) -> dict[str, str]:
        await handlers.request_erasure(ctx, person)
        return {"status": "erased in intake; the other services follow"}

    return router
