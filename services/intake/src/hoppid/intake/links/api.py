"""A new link by email over JSON (no login): the same answer for every address."""

from fastapi import APIRouter, Request

from hoppid.intake.context import Context
from hoppid.intake.links import use_cases
from hoppid.intake.links.forms import LinkRequest
from hoppid.intake.links.limits import LinkLimits

# the one answer to a request for a new link, known address or not (no account enumeration)
LINK_ANSWER = {
    "nb": "Takk. Hvis vi har en sak registrert på denne e-postadressen, sender vi en ny lenke "
    "dit i løpet av noen minutter. Kommer den ikke, se i søppelpostmappen eller kontakt kontoret.",
    "nn": "Takk. Om vi har ei sak registrert på denne e-postadressa, sender vi ei ny lenkje dit "
    "i løpet av nokre minutt. Kjem ho ikkje, sjå i søppelpostmappa eller kontakt kontoret.",
    "en": "Thank you. If we have a case registered to this email address, we will send a new "
    "link there within a few minutes. If it does not arrive, look in your spam folder or "
    "contact the office.",
}


def router(ctx: Context, limits: LinkLimits) -> APIRouter:
    routes = APIRouter(prefix="/v1", tags=["public"])

    @routes.post(
        "/links",
        status_code=202,
        summary="Ask for a new link by email (no login); the same answer for every address",
    )
    async def new_link(request: Request, form: LinkRequest) -> dict[str, str]:
        limits.check(request, str(form.email))
        await use_cases.request_link(ctx, str(form.email))
        return {"status": "accepted", "message": LINK_ANSWER[form.language]}

    return routes
