"""notifications's HTTP routes, thin. Only the development mailbox for now, and only when
HOPPID_NOTIFICATIONS_DEV_MAILBOX is on: it shows what the development SMTP server received."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query

from hoppid.notifications import mailbox
from hoppid.notifications.settings import NotificationsSettings

MessageId = Annotated[str, Path(pattern=mailbox.ID_PATTERN, description="A message's id")]


def routers(settings: NotificationsSettings) -> list[APIRouter]:
    return [_dev_mailbox(settings)] if settings.dev_mailbox else []


def _dev_mailbox(settings: NotificationsSettings) -> APIRouter:
    router = APIRouter(prefix="/v1/dev/mailbox", tags=["development mailbox"])
    folder = settings.devmail_dir

    @router.get("", summary="Messages the development SMTP server received, newest first")
    def messages(
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        to: Annotated[str | None, Query(max_length=320, description="Only to this address")] = None,
    ) -> list[dict[str, Any]]:
        found = []
        for message_id in mailbox.message_ids(folder):
            item = mailbox.summary(folder, message_id)
            if item is not None and (to is None or to.lower() in item["to"].lower()):
                found.append(item)
            if len(found) == limit:
                break
        return found

    @router.get("/{message_id}", summary="One message: headers, plain text and HTML")
    def message(message_id: MessageId) -> dict[str, Any]:
        found = mailbox.full(folder, message_id)
        if found is None:
            raise HTTPException(404, "no such message")
        return found

    return router
