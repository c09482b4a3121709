"""The entrepreneur's own link over JSON: their cases, their data as JSON, corrections,
consent withdrawal and erasure."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse

from hoppid.intake.audit import trail
from hoppid.intake.context import Context
from hoppid.intake.exports import EXPORT_HEADERS, export_body
from hoppid.intake.people import use_cases
from hoppid.intake.people.forms import Correction, WithdrawConsent


def router(ctx: Context) -> APIRouter:
    routes = APIRouter(prefix="/v1/me/{token}", tags=["the entrepreneur's link"])

    async def person_id(token: str) -> str:
        found = await use_cases.person_of_link(ctx, token)
        if found is None:
            raise HTTPException(401, "this link is not valid (expired or revoked)")
        return found

    Person = Annotated[str, Depends(person_id)]

    @routes.get("", summary="My case(s) and their status")
    async def overview(person: Person) -> dict[str, Any]:
        data = await use_cases.my_data(ctx, person)
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

    @routes.get("/export", summary="All data intake holds about me, as JSON")
    async def export(person: Person) -> JSONResponse:
        data = await use_cases.my_data(ctx, person)
        await trail.person_act(ctx, person, "export", trail.the_person(person), "link")
        return JSONResponse(export_body(data), headers=EXPORT_HEADERS)

    @routes.patch("", summary="Correct my data")
    async def correct(person: Person, form: Correction) -> dict[str, Any]:
        updated = await use_cases.correct_my_data(ctx, person, form)
        return {
            "name": updated["name"],
            "phone": updated.get("phone"),
            "language": updated["language"],
        }

    @routes.post(
        "/consent/withdraw",
        summary="Withdraw a consent",
        description="Withdrawing `processing` is an erasure request: the answer's `effect` is "
        "`erased` (as `POST /erasure`), else `recorded`.",
    )
    async def withdraw(person: Person, form: WithdrawConsent) -> dict[str, str]:
        after = await use_cases.withdraw_consent(ctx, person, form)
        return {"withdrawn": form.consent, "effect": "recorded" if after else "erased"}

    @routes.post("/erasure", status_code=202, summary="Erase my data everywhere")
    async def erase(person: Person) -> dict[str, str]:
        await use_cases.request_erasure(ctx, person)
        return {"status": "erased in intake; the other services follow"}

    return routes
