"""notifications's HTTP routes, thin: the person's message preferences (through their signed
link), and, only when HOPPID_NOTIFICATIONS_DEV_MAILBOX is on, the development mailbox for a
platform admin (see :func:`hoppid.notifications.mailbox.readable_by`).

No ``from __future__ import annotations``: FastAPI must see the routes' local dependency types."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request

from hoppid.notifications import mailbox, preferences
from hoppid.notifications.delivery import Context
from hoppid.notifications.settings import NotificationsSettings
from hoppid.shared.access import Staff
from hoppid.shared.links import PREFERENCES
from hoppid.shared.person_links import live_link
from hoppid.shared.web import Pages

MessageId = Annotated[str, Path(pattern=mailbox.ID_PATTERN, description="A message's id")]


def routers(
    settings: NotificationsSettings, context: Callable[[], Context], pages: Callable[[], Pages]
) -> list[APIRouter]:
    """``pages`` gives the service's pages (their staff session and key ring), made later."""
    found = [_preferences(settings.link_secret.get_secret_value(), context)]
    return [*found, _dev_mailbox(settings, pages)] if settings.dev_mailbox else found


def _preferences(link_secret: str, context: Callable[[], Context]) -> APIRouter:
    router = APIRouter(prefix="/v1/me/{token}/preferences", tags=["the entrepreneur's link"])

    async def person_id(token: str) -> str:
        ctx = context()
        claims = await live_link(link_secret, token, ctx.now(), ctx.vault, PREFERENCES)
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


def _dev_mailbox(settings: NotificationsSettings, pages: Callable[[], Pages]) -> APIRouter:
    async def reader(
        request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> Staff:
        """A platform admin: by API key (Authorization: Bearer) or a signed-in session."""
        site = pages()
        if authorization is None:
            staff = await site.staff(request)
            if staff is None:
                raise HTTPException(
                    401,
                    "the development mailbox needs a platform admin: Authorization: Bearer "
                    "<key> or a staff sign-in",
                    headers={"WWW-Authenticate": "Bearer"},
                )
        else:
            assert site.key_ring is not None
            staff = await site.key_ring.authenticate_request(request, authorization)
        if not mailbox.readable_by(staff):
            raise HTTPException(403, mailbox.WHO_READS)
        return staff

    router = APIRouter(
        prefix="/v1/dev/mailbox",
        tags=["development mailbox"],
        dependencies=[Depends(reader)],
    )
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
