"""The inquiry form's JSON API (no login): the offices to choose from, the consent text to show,
and the inquiry itself."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Response

from hoppid.intake.context import Context
from hoppid.intake.forms import Language
from hoppid.intake.inquiries import use_cases
from hoppid.intake.inquiries.forms import InquiryForm
from hoppid.intake.model import CONSENT_TEXT_VERSION, CONSENT_TEXTS
from hoppid.intake.offices.views import public_office
from hoppid.shared.guards import RateLimit

NEXT_STEPS = {
    "nb": "Takk! Du får en e-post med lenke til saken din. Kontoret tar kontakt innen tre "
    "arbeidsdager og tilbyr deg tider for et gratis veiledningsmøte.",
    "nn": "Takk! Du får ein e-post med lenkje til saka di. Kontoret tek kontakt innan tre "
    "arbeidsdagar og tilbyr deg tider for eit gratis rettleiingsmøte.",
    "en": "Thank you! You will get an email with a link to your case. The office will contact "
    "you within three working days and offer you times for a free guidance meeting.",
}


def router(ctx: Context, limit: RateLimit) -> APIRouter:
    routes = APIRouter(prefix="/v1", tags=["public"])

    @routes.get("/offices", summary="The offices and the municipalities they serve")
    async def offices() -> list[dict[str, Any]]:
        return [public_office(o) for o in await ctx.store.offices()]

    @routes.get("/consent", summary="The consent text to show, with its version")
    async def consent(language: Language = "nb") -> dict[str, str]:
        return {
            "version": CONSENT_TEXT_VERSION,
            "language": language,
            "text": CONSENT_TEXTS[language],
        }

    @routes.post(
        "/inquiries",
        summary="Send an inquiry (no login)",
        status_code=201,
        dependencies=[Depends(limit)],
    )
    async def inquire(
        form: InquiryForm,
        response: Response,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> dict[str, Any]:
        case, created = await use_cases.submit_inquiry(ctx, form, idempotency_key)
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

    return routes
