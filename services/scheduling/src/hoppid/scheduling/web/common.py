"""What the person's and the staff's pages share: who is asking, and the answers to refuse.

A route asks ``me_of`` or ``office_staff`` first; when the answer is no, they raise
:class:`PageAnswer` with the page to show instead (the shared pages render it), so every route
reads as its own job only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from hoppid.scheduling.access import administers, works_at
from hoppid.shared.access import ALL_OFFICES, Staff
from hoppid.shared.person_links import linked_person
from hoppid.shared.web import PageAnswer

if TYPE_CHECKING:
    from hoppid.scheduling.web.routes import Site

Document = dict[str, Any]


async def person_of(site: Site, token: str) -> str | None:
    """The person of a valid link, as the JSON API decides (signature, expiry, erasure)."""
    ctx = site.ctx
    return await linked_person(site.link_secret, token, ctx.now(), ctx.vault, ctx.store.is_erased)


async def me_of(site: Site, request: Request, token: str) -> str:
    """The person of the link; PageAnswer with the "link no longer valid" page otherwise."""
    me = await person_of(site, token)
    if me is None:
        raise PageAnswer(link_invalid(site, request))
    return me


async def office_staff(site: Site, request: Request) -> tuple[Staff, str]:
    """The signed-in staff member and the one office they work with here; PageAnswer with the
    sign-in (no session) or the refusal (no office of their own, no scheduling rights)."""
    staff = await site.pages.signed_in(request)
    office_id = staff_office(staff)
    if office_id is None:
        raise PageAnswer(refused(site, request, staff))
    return staff, office_id


async def office_admin(site: Site, request: Request) -> tuple[Staff, str]:
    """As :func:`office_staff`, and the staff member administers that office (an office admin;
    the JSON API's rule, ``administers``); the refusal page (403) for an advisor."""
    staff, office_id = await office_staff(site, request)
    if not administers(staff, office_id):
        raise PageAnswer(refused(site, request, staff))
    return staff, office_id


def notice(request: Request, known: tuple[str, ...]) -> str | None:
    """The notice a redirect after a form asked for (``?done=``), if it is one of the page's."""
    done = request.query_params.get("done")
    return done if done in known else None


def link_invalid(site: Site, request: Request) -> HTMLResponse:
    return site.pages.render(request, "error.html", status=404, message_key="link_invalid")


def not_found(site: Site, request: Request, staff: Staff | None = None) -> HTMLResponse:
    return site.pages.render(
        request, "error.html", status=404, message_key="not_found", staff=staff
    )


async def person_offices(site: Site, person_id: str) -> list[str]:
    """The offices of the person's cases (those that offered them times), oldest first."""
    offices: list[str] = []
    for offer in await site.ctx.meeting_store.offers_of_person(person_id):
        if offer["office_id"] not in offices:
            offices.append(offer["office_id"])
    return offices


def staff_office(staff: Staff) -> str | None:
    """The one office whose time a staff member works with here; None for keys of every office
    (county, partners, platform admin) and roles without scheduling rights."""
    if staff.office_id == ALL_OFFICES or not works_at(staff, staff.office_id):
        return None
    return staff.office_id


def refused(site: Site, request: Request, staff: Staff) -> HTMLResponse:
    return site.pages.render(
        request, "error.html", status=403, message_key="staff_not_allowed", staff=staff
    )
