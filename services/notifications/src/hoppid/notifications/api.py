"""notifications's HTTP routes, thin: the person's message preferences (through their signed
link), and, only when HOPPID_NOTIFICATIONS_DEV_MAILBOX is on, the development mailbox.

No ``from __future__ import annotations``: FastAPI must see the routes' local dependency types."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query

from hoppid.notifications import mailbox, preferences
from hoppid.notifications.delivery import Context
from hoppid.notifications.settings import NotificationsSettings
from hoppid.shared.links import verify_link

MessageId = Annotated[str, Path(pattern=mailbox.ID_PATTERN, description="A message's id")]


def routers(settings: NotificationsSettings, context: Callable[[], Context]) -> list[APIRouter]:
    found = [_preferences(settings.link_secret.get_secret_value(), context)]
    return [*found, _dev_mailbox(settings)] if settings.dev_mailbox else found


def _preferences(link_secret: str, context: Callable[[], Context]) -> APIRouter:
    router = APIRouter(prefix="/v1/me/{token}/preferences", tags=["the entrepreneur's link"])

    async def person_id(token: str) -> str:
        ctx = context()
        claims = verify_link(link_secret, token, ctx.now())
        if claims is None or await ctx.store.person_erased(claims.person_id):
            raise HTTPException(401, "this link is not valid (expired or revoked)")
        return claims.person_id

    Me = Annotated[str, Depends(person_id)]

    @router.get("", summary="Which channels carry non-essential messages to me")
    async def mine(me: Me) -> dict[str, Any]:
        return await _view(context(), me)

    @router.put("", summary="Turn non-essential messages on or off per channel")
    async def change(me: Me, form: preferences.PreferencesForm) -> dict[str, Any]:
        ctx = context()
        await preferences.save(ctx.store, me, form)
        return await _view(ctx, me)

    return router


async def _view(ctx: Context, person_id: str) -> dict[str, Any]:
    allowed = await preferences.of_person(ctx.store, person_id)
    return {
        "person_id": person_id,
        "non_essential": allowed.model_dump(),
        "service_messages": "always sent",  # receipts, times, meetings, data confirmations
    }


def _dev_mailbox(settings: NotificationsSettings) -> APIRouter:
    router = APIRouter(prefix="/v1/dev/mailbox", tags=["development mailbox"])
    folder = settings.devmail_dir
    summaries = mailbox.Summaries(folder)  # each file parsed once, not at every listing

    @router.get("", summary="Messages the development SMTP server received, newest first")
    def messages(
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        to: Annotated[str | None, Query(max_length=320, description="Only to this address")] = None,
    ) -> list[dict[str, Any]]:
        return summaries.newest_first(to, limit)

    @router.get("/{message_id}", summary="One message: headers, plain text and HTML")
    def message(message_id: MessageId) -> dict[str, Any]:
        found = mailbox.full(folder, message_id)
        if found is None:
            raise HTTPException(404, "no such message")
        return found

    return router
