"""The development mailbox in local runs: what the development SMTP server kept, newest first,
and one message with its text part. Only when HOPPID_NOTIFICATIONS_DEV_MAILBOX is on (local
stack only); otherwise these pages are 404. Only a signed-in platform admin sees it (403 for an
office's staff): the mailbox holds every person's link in the whole local platform, and no
office header to sort it by (hoppid.notifications.delivery.mailbox.reading.readable_by)."""

from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hoppid.notifications.delivery.mailbox import reading as mailbox
from hoppid.notifications.settings import NotificationsSettings
from hoppid.shared.web import Pages

OSLO = ZoneInfo("Europe/Oslo")
SHOWN = 100
MESSAGE_ID = re.compile(mailbox.ID_PATTERN)


def router(pages: Pages, settings: NotificationsSettings) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    folder = settings.devmail_dir

    @router.get("/pages/staff")
    async def staff_home() -> Response:
        return pages.redirect("/pages/staff/mailbox")

    @router.get("/pages/staff/mailbox")
    async def messages(request: Request) -> Response:
        staff = await pages.signed_in(request)
        if not settings.dev_mailbox:
            return _not_found(pages, request, staff)
        if not mailbox.readable_by(staff):
            return _forbidden(pages, request, staff)
        found = []
        for message_id in mailbox.message_ids(folder)[:SHOWN]:
            item = mailbox.summary(folder, message_id)
            if item is not None:
                found.append({**item, "when": _oslo(item["date"])})
        return pages.render(request, "mailbox.html", staff=staff, messages=found)

    @router.get("/pages/staff/mailbox/{message_id}")
    async def message(request: Request, message_id: str) -> Response:
        staff = await pages.signed_in(request)
        if not settings.dev_mailbox:
            return _not_found(pages, request, staff)
        if not mailbox.readable_by(staff):
            return _forbidden(pages, request, staff)
        found = mailbox.full(folder, message_id) if MESSAGE_ID.match(message_id) else None
        if found is None:
            return _not_found(pages, request, staff)
        return pages.render(
            request,
            "message.html",
            staff=staff,
            message={**found, "when": _oslo(found["date"])},
            paragraphs=_paragraphs(found["text"] or ""),
        )

    return router


def _oslo(date_header: str) -> str:
    """The Date header in Europe/Oslo, as 24.11.2026 14:05 (empty when there is none)."""
    try:
        moment: datetime = parsedate_to_datetime(date_header)
    except (TypeError, ValueError):
        return ""
    return moment.astimezone(OSLO).strftime("%d.%m.%Y %H:%M")


def _paragraphs(text: str) -> list[list[str]]:
    """The text part as paragraphs of lines (the page keeps its line breaks, no <pre>)."""
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    return [block.split("\n") for block in blocks if block.strip()]


def _forbidden(pages: Pages, request: Request, staff: Any) -> Response:
    return pages.render(request, "error.html", status=403, staff=staff, message_key="mailbox_admin")


def _not_found(pages: Pages, request: Request, staff: Any) -> Response:
    return pages.render(request, "error.html", status=404, staff=staff, message_key="not_found")
