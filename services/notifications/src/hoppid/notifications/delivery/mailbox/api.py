"""The development mailbox as JSON, for a platform admin (see :func:`reading.readable_by`);
routed only when HOPPID_NOTIFICATIONS_DEV_MAILBOX is on.

No ``from __future__ import annotations``: FastAPI must see the routes' local dependency types."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request

from hoppid.notifications.delivery.mailbox import reading
from hoppid.notifications.settings import NotificationsSettings
from hoppid.shared.access import Staff
from hoppid.shared.web import Pages

MessageId = Annotated[str, Path(pattern=reading.ID_PATTERN, description="A message's id")]


def router(settings: NotificationsSettings, pages: Pages) -> APIRouter:
    async def reader(
        request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> Staff:
        """A platform admin: by API key (Authorization: Bearer) or a signed-in session."""
        site = pages
        if authorization is None:
            staff = await site.staff(request)
            if staff is None:
                raise HTTPException(
                    401,
                    "the development mailbox needs a platform admin: Authorization: Bearer "
                    "<key> or a staff sign-in",
                    headers={"WWW-Authenticate": "Bearer"},
                )
        elif site.key_ring is None:  # the service always gives its pages the key ring
            raise RuntimeError("the development mailbox's pages have no key ring for API keys")
        else:
            staff = await site.key_ring.authenticate_request(request, authorization)
        if not reading.readable_by(staff):
            raise HTTPException(403, reading.WHO_READS)
        return staff

    router = APIRouter(
        prefix="/v1/dev/mailbox",
        tags=["development mailbox"],
        dependencies=[Depends(reader)],
    )
    folder = settings.devmail_dir
    summaries = reading.Summaries(folder)  # each file parsed once, not at every listing

    @router.get("", summary="Messages the development SMTP server received, newest first")
    def messages(
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        to: Annotated[str | None, Query(max_length=320, description="Only to this address")] = None,
    ) -> list[dict[str, Any]]:
        return summaries.newest_first(to, limit)

    @router.get("/{message_id}", summary="One message: headers, plain text and HTML")
    def message(message_id: MessageId) -> dict[str, Any]:
        found = reading.full(folder, message_id)
        if found is None:
            raise HTTPException(404, "no such message")
        return found

    return router
