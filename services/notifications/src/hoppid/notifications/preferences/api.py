"""The person's message preferences as JSON, through their signed link.

No ``from __future__ import annotations``: FastAPI must see the routes' local dependency types."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from hoppid.notifications.context import Context
from hoppid.notifications.preferences import choices
from hoppid.shared.links import PREFERENCES
from hoppid.shared.person_links import linked_person, person_dependency


def router(link_secret: str, context: Context) -> APIRouter:
    router = APIRouter(prefix="/v1/me/{token}/preferences", tags=["the entrepreneur's link"])

    async def person_of(token: str) -> str | None:
        erased_here = context.store.person_erased
        return await linked_person(
            link_secret, token, context.now(), context.vault, erased_here, PREFERENCES
        )

    Me = Annotated[str, Depends(person_dependency(person_of))]

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
