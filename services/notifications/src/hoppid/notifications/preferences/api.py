"""The person's message preferences as JSON, through their signed link.

No ``from __future__ import annotations``: FastAPI must see the routes' local dependency types."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException

from hoppid.notifications.context import Context
from hoppid.notifications.preferences import choices
from hoppid.shared.links import PREFERENCES
from hoppid.shared.person_links import live_link


def router(link_secret: str, context: Context) -> APIRouter:
    router = APIRouter(prefix="/v1/me/{token}/preferences", tags=["the entrepreneur's link"])

    async def person_id(token: str) -> str:
        ctx = context
        claims = await live_link(link_secret, token, ctx.now(), ctx.vault, PREFERENCES)
        if claims is None or await ctx.store.person_erased(claims.person_id):
            raise HTTPException(401, "this link is not valid (expired or revoked)")
        return claims.person_id

    Me = Annotated[str, Depends(person_id)]

    @router.get("", summary="Which channels carry non-essential messages to me")
    async def mine(me: Me) -> dict[str, Any]:
        return await _view(context, me)

    @router.put("", summary="Turn non-essential messages on or off per channel")
    async def change(me: Me, form: choices.PreferencesForm) -> dict[str, Any]:
        ctx = context
        await choices.save(ctx.store, me, form)
        return await _view(ctx, me)

    return router


async def _view(ctx: Context, person_id: str) -> dict[str, Any]:
    allowed = await choices.of_person(ctx.store, person_id)
    return {
        "person_id": person_id,
        "non_essential": allowed.model_dump(),
        "service_messages": "always sent",  # receipts, times, meetings, data confirmations
    }
