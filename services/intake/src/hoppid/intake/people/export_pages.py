"""The person's export on the pages: ask for it (a form, so a link in a mail cannot start it),
see that it is being gathered, then read it as a page (each part: what it is, why it is kept)
and download it as JSON. The same use cases as ``/v1/me/{token}/exports``."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from hoppid.intake import person_export
from hoppid.intake.exports import EXPORT_HEADERS
from hoppid.intake.people import use_cases
from hoppid.intake.person_export import Exports
from hoppid.shared.problems import NotFound
from hoppid.shared.web import Pages

EXPORT_ID = re.compile(r"^[0-9a-f-]{36}$")

# the export page's own words (its parts say what they are in person_export.ABOUT)
WORDS = {
    "nb": {
        "title": "Alle opplysningene om deg",
        "gathering": "Vi samler opplysningene fra alle delene av tjenesten. Det tar vanligvis "
        "noen sekunder, høyst {seconds} sekunder.",
        "refresh": "Se om den er klar",
        "complete": "Her er alt vi har om deg, fra alle delene av tjenesten.",
        "incomplete": "Disse delene svarte ikke i tide, og mangler her: {missing}. Be om en "
        "ny kopi om litt, eller kontakt kontoret.",
        "kept": "Denne kopien slettes {until}.",
        "download": "Last ned som JSON",
        "what": "Hva det er",
        "why": "Hvorfor vi har det",
        "none": "Ingenting",
        "missing_part": "Mangler: denne delen svarte ikke i tide.",
        "back": "Tilbake til saken",
    },
    "nn": {
        "title": "Alle opplysningane om deg",
        "gathering": "Vi samlar opplysningane frå alle delane av tenesta. Det tek vanlegvis "
        "nokre sekund, høgst {seconds} sekund.",
        "refresh": "Sjå om ho er klar",
        "complete": "Her er alt vi har om deg, frå alle delane av tenesta.",
        "incomplete": "Desse delane svarte ikkje i tide, og manglar her: {missing}. Be om ein "
        "ny kopi om litt, eller kontakt kontoret.",
        "kept": "Denne kopien blir sletta {until}.",
        "download": "Last ned som JSON",
        "what": "Kva det er",
        "why": "Kvifor vi har det",
        "none": "Ingenting",
        "missing_part": "Manglar: denne delen svarte ikkje i tide.",
        "back": "Tilbake til saka",
    },
    "en": {
        "title": "All your data",
        "gathering": "We are gathering your data from every part of the service. It usually "
        "takes a few seconds, {seconds} seconds at most.",
        "refresh": "See if it is ready",
        "complete": "Here is everything we hold about you, from every part of the service.",
        "incomplete": "These parts did not answer in time and are missing here: {missing}. "
        "Ask for a new copy in a while, or contact the office.",
        "kept": "This copy is deleted {until}.",
        "download": "Download as JSON",
        "what": "What it is",
        "why": "Why we keep it",
        "none": "Nothing",
        "missing_part": "Missing: this part did not answer in time.",
        "back": "Back to my case",
    },
}
SERVICE_NAMES = {
    "nb": {
        "intake": "Henvendelser og saker",
        "scheduling": "Møter, kurs og kontorplasser",
        "notifications": "Meldinger",
        "reporting": "Tall og rapporter",
    },
    "nn": {
        "intake": "Førespurnader og saker",
        "scheduling": "Møte, kurs og kontorplassar",
        "notifications": "Meldingar",
        "reporting": "Tal og rapportar",
    },
    "en": {
        "intake": "Inquiries and cases",
        "scheduling": "Meetings, courses and desks",
        "notifications": "Messages",
        "reporting": "Figures and reports",
    },
}


def router(pages: Pages, exports: Exports) -> APIRouter:
    routes = APIRouter(prefix="/pages/me/{token}/exports", include_in_schema=False)

    def invalid(request: Request) -> HTMLResponse:
        return pages.render(request, "me_invalid.html", status=404)

    @routes.post("", response_model=None)
    async def ask(request: Request, token: str) -> Response:
        await pages.form(request)
        person_id = await use_cases.person_of_link(exports.ctx, token)
        if person_id is None:
            return invalid(request)
        try:
            export = await person_export.request(exports, person_id)
        except NotFound:
            return invalid(request)
        return pages.redirect(f"/pages/me/{token}/exports/{export['_id']}")

    @routes.get("/{export_id}", response_class=HTMLResponse)
    async def show(request: Request, token: str, export_id: str) -> HTMLResponse:
        body = await _body(exports, token, export_id)
        if body is None:
            return invalid(request)
        lang = pages.language(request)
        for part in body.get("parts", []):  # the page's language, not the person's
            part.update(person_export.ABOUT[part["service"]][lang])
        words = WORDS[lang]
        names = SERVICE_NAMES[lang]
        return pages.render(
            request,
            "me_export.html",
            token=token,
            export=body,
            w=words,
            names=names,
            timeout=int(exports.timeout.total_seconds()),
            missing=", ".join(names[s] for s in body["missing"]),
            kept_until=datetime.fromisoformat(str(body["kept_until"])),
        )

    @routes.get("/{export_id}/download", response_model=None)
    async def download(request: Request, token: str, export_id: str) -> Response:
        body = await _body(exports, token, export_id)
        if body is None or body["status"] == "gathering":
            return invalid(request)
        return JSONResponse(body, headers={**EXPORT_HEADERS, "Cache-Control": "no-store"})

    return routes


async def _body(exports: Exports, token: str, export_id: str) -> dict[str, Any] | None:
    if not EXPORT_ID.match(export_id):
        return None
    person_id = await use_cases.person_of_link(exports.ctx, token)
    if person_id is None:
        return None
    try:
        return await person_export.view(exports, person_id, export_id)
    except NotFound:
        return None
