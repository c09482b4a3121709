"""Who may use the office admin's pages, and for which office.

An office admin works on their own office; the platform admin on the office named by
``?office=`` (without it: the office chooser). Anyone else signed in is refused (403); an office
that is not there, or another office's for an office admin, is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from hoppid.intake.context import Context
from hoppid.shared.access import ALL_OFFICES, Staff
from hoppid.shared.web import PageAnswer, Pages

Document = dict[str, Any]


@dataclass(frozen=True)
class Admin:
    """The signed-in admin and the office they work on (None: the platform admin, to choose)."""

    staff: Staff
    office: Document | None

    @property
    def office_id(self) -> str:
        if self.office is None:
            raise RuntimeError("no office chosen")
        return str(self.office["_id"])

    def query(self, **extra: str) -> str:
        """The query every link and form of the pages carries: the chosen office for the
        platform admin (an office admin's is their own), then ``extra``."""
        chosen = {"office": self.office_id} if self.staff.office_id == ALL_OFFICES else {}
        given = {**chosen, **extra}
        return f"?{urlencode(given)}" if given else ""


async def office_admin(pages: Pages, ctx: Context, request: Request) -> Admin:
    """The admin behind the request and their office; PageAnswer with the sign-in, the refusal
    (403) or the not-found page (404) otherwise."""
    staff = await pages.signed_in(request)
    given = request.query_params.get("office") or None
    if staff.role == "platform_admin":
        if given is None:
            return Admin(staff, None)
        return Admin(staff, await _office(pages, ctx, request, staff, given))
    if staff.role != "office_admin" or staff.office_id == ALL_OFFICES:
        page = pages.render(
            request, "error.html", 403, staff=staff, message_key="office_admin_only"
        )
        raise PageAnswer(page)
    if given is not None and given != staff.office_id:
        raise PageAnswer(not_found(pages, request, staff))
    return Admin(staff, await _office(pages, ctx, request, staff, staff.office_id))


async def _office(
    pages: Pages, ctx: Context, request: Request, staff: Staff, office_id: str
) -> Document:
    office = await ctx.store.office(office_id)
    if office is None:
        raise PageAnswer(not_found(pages, request, staff))
    return office


def not_found(pages: Pages, request: Request, staff: Staff) -> HTMLResponse:
    return pages.render(request, "error.html", 404, staff=staff, message_key="not_found")
