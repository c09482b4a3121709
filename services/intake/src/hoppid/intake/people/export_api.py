"""The person's export through their link, as JSON: ask for it, then read it once gathered."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path
from fastapi.responses import JSONResponse

from hoppid.intake import person_export
from hoppid.intake.people import use_cases
from hoppid.intake.person_export import Exports

ExportId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$", description="The export's id")]


def router(exports: Exports) -> APIRouter:
    routes = APIRouter(prefix="/v1/me/{token}/exports", tags=["the entrepreneur's link"])

    async def person_id(token: str) -> str:
        found = await use_cases.person_of_link(exports.ctx, token)
        if found is None:
            raise HTTPException(401, "this link is not valid (expired or revoked)")
        return found

    Person = Annotated[str, Depends(person_id)]

    @routes.post(
        "",
        status_code=202,
        summary="Ask for everything every service holds about me (gathered in the background)",
    )
    async def ask(person: Person) -> dict[str, Any]:
        export = await person_export.request(exports, person)
        return {
            "export_id": export["_id"],
            "status": "gathering",
            "timeout_seconds": export["timeout_seconds"],
        }

    @routes.get(
        "/{export_id}",
        summary="My export: its status, and once complete (or the time is up) every part",
    )
    async def read(person: Person, export_id: ExportId) -> JSONResponse:
        body = await person_export.view(exports, person, export_id)
        headers = {"Cache-Control": "no-store"}
        if body["status"] != "gathering":
            headers["Content-Disposition"] = 'attachment; filename="hoppid-my-data.json"'
        return JSONResponse(body, headers=headers)

    return routes
