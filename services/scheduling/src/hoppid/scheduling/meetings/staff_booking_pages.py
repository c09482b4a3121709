"""Booking a meeting for a case, by staff in the browser: the free times of the case's advisor
(or another advisor of the office, or whoever is least busy) for the next weeks, and the chosen
time booked through the same use case as the JSON API (``meetings.booking.book``).

intake's case page links here as ``/pages/staff/cases/{case_id}/book?next=<path>``: ``next`` is
a page of intake's (the case page) unless ``service`` names another of the four services; after
the booking the browser goes back there, on that service's configured address (never a host
from the request: ``hoppid.shared.web.returns``), else to the office's calendar.

scheduling knows a case (its office, person, preferred mode and the advisor intake assigned)
from intake's events, kept on the case's offers. A case it has not heard of, and a case of
another office, get the same 404 page: it never tells that another office's case exists.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, get_args

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from hoppid.scheduling import model
from hoppid.scheduling.meetings import booking as booking_use
from hoppid.scheduling.meetings import forms
from hoppid.scheduling.meetings.model import Search
from hoppid.scheduling.meetings.person_pages import parse_slot, slot_value
from hoppid.scheduling.meetings.search import SlotTaken, search_slots, slot_out
from hoppid.scheduling.model import RuleViolation
from hoppid.scheduling.ownership import NotOurs
from hoppid.scheduling.web.common import Document, office_staff
from hoppid.scheduling.web.form_fields import text
from hoppid.shared.access import Staff
from hoppid.shared.web import PageAnswer, returns
from hoppid.shared.web.bounds import day_or

if TYPE_CHECKING:
    from hoppid.scheduling.web.routes import Site

SEARCH_DAYS = 21  # "the next weeks": one page of times looks three weeks ahead
MOST_TIMES = 30
MEETING_TYPES: tuple[str, ...] = get_args(forms.MeetingType)
MODES: tuple[str, ...] = get_args(forms.Mode)
DONE = "meeting_booked"  # the notice the page gone back to may show
BACK_SERVICE = "intake"  # where ``next`` is when ``service`` does not say


@dataclass
class Choice:
    """What the staff member chose or typed: the filters, the time and where to go back."""

    advisor: str = ""  # "" is any advisor of the office
    meeting_type: str = "first_guidance"
    mode: str = "in_person"
    first: date | None = None
    slot: str = ""
    next: str = ""
    service: str = ""


def back_url(site: Site, choice: Choice) -> str | None:
    """The page to go back to, on its service's configured address; None without ``next``."""
    if not choice.next:
        return None
    path = returns.safe_next(choice.next)
    service = returns.safe_service(choice.service) or BACK_SERVICE
    if service == site.pages.service:
        return path
    return f"{site.pages.urls.of_service(service)}{path}"


def _with_done(url: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}done={DONE}"


def _ordered(advisors: list[Document], first_ids: list[str | None]) -> list[Document]:
    """The office's active advisors: the case's own, then the signed-in advisor, then by name."""
    active = [a for a in advisors if a.get("active", True)]
    rank = {advisor_id: i for i, advisor_id in enumerate(first_ids) if advisor_id}
    return sorted(active, key=lambda a: (rank.get(a["_id"], len(rank)), a["name"]))


def _chosen(value: str, allowed: tuple[str, ...], default: str) -> str:
    return value if value in allowed else default


def _choice_of(
    request: Request, offer: Document, staff: Staff, advisor_ids: list[str], today: date
) -> Choice:
    """The filters asked for in the query, each falling back to the case's own when unknown."""
    query = request.query_params
    own = [offer.get("case_advisor_id"), staff.advisor_id]
    default_advisor = next((a for a in own if a in advisor_ids), "")
    return Choice(
        advisor=_chosen(query.get("advisor", default_advisor), ("", *advisor_ids), ""),
        meeting_type=_chosen(query.get("meeting_type", ""), MEETING_TYPES, "first_guidance"),
        mode=_chosen(query.get("mode", ""), MODES, offer.get("mode") or "in_person"),
        first=max(day_or(query.get("from", ""), today), today),
        next=query.get("next", ""),
        service=query.get("service", ""),
    )


def _posted(form: FormData) -> Choice:
    return Choice(
        advisor=text(form, "advisor"),
        meeting_type=text(form, "meeting_type"),
        mode=text(form, "mode"),
        slot=text(form, "slot"),
        next=text(form, "next"),
        service=text(form, "service"),
    )


def _field_errors(choice: Choice, advisor_ids: list[str]) -> dict[str, str]:
    errors = {}
    if choice.meeting_type not in MEETING_TYPES:
        errors["meeting_type"] = "error_book_meeting_type"
    if choice.mode not in MODES:
        errors["mode"] = "error_book_mode"
    if choice.advisor not in ("", *advisor_ids):
        errors["advisor"] = "error_book_advisor"
    if parse_slot(choice.slot) is None:
        errors["slot"] = "error_book_slot"
    return errors


def router(site: Site) -> APIRouter:
    pages = site.pages
    ctx = site.ctx
    router = APIRouter(prefix="/pages/staff/cases/{case_id}/book", include_in_schema=False)

    async def case_of(request: Request, staff: Staff, office_id: str, case_id: str) -> Document:
        """The case's newest offer at the staff member's office; the 404 page otherwise."""
        offer = await ctx.meeting_store.case_offer(case_id)
        if offer is None or offer["office_id"] != office_id:
            page = pages.render(
                request, "error.html", status=404, message_key="book_case_unknown", staff=staff
            )
            raise PageAnswer(page)
        return offer

    async def free_times(office_id: str, choice: Choice) -> list[Document]:
        office = await ctx.office_store.office(office_id)
        if office is None or choice.meeting_type not in MEETING_TYPES or choice.mode not in MODES:
            return []
        first = choice.first or model.oslo_day(ctx.now())
        search = Search(
            first=first,
            last=first + timedelta(days=SEARCH_DAYS),
            meeting_type=choice.meeting_type,  # type: ignore[arg-type]  # checked above
            now=ctx.now(),
            mode=choice.mode,  # type: ignore[arg-type]  # checked above
            advisor_id=choice.advisor or None,
            limit=MOST_TIMES,
        )
        return [slot_out(s) for s in await search_slots(ctx, office, search)]

    async def show(
        request: Request,
        staff: Staff,
        office_id: str,
        offer: Document,
        choice: Choice,
        status: int = 200,
        times: list[Document] | None = None,
        **extra: Any,
    ) -> HTMLResponse:
        advisors = _ordered(
            await ctx.advisor_store.advisors(office_id),
            [offer.get("case_advisor_id"), staff.advisor_id],
        )
        if times is None:
            times = await free_times(office_id, choice)
        names = {a["_id"]: a["name"] for a in advisors}
        later = (model.oslo_day(times[-1]["start"]) + timedelta(days=1)) if times else None
        context = {
            "case_id": offer["case_id"],
            "choice": choice,
            "advisors": advisors,
            "case_advisor": offer.get("case_advisor_id"),
            "times": [{**s, "advisor": names.get(s["advisor_id"], "-")} for s in times],
            "slot_value": slot_value,
            "later": _query(choice, later) if later and len(times) >= MOST_TIMES else None,
            "back": back_url(site, choice) or "/pages/staff/calendar",
            "problem": None,
            **extra,
        }
        return pages.render(request, "staff_book.html", status, staff=staff, **context)

    @router.get("", response_model=None)
    async def page(request: Request, case_id: str) -> Response:
        staff, office_id = await office_staff(site, request)
        offer = await case_of(request, staff, office_id, case_id)
        advisor_ids = [a["_id"] for a in _ordered(await ctx.advisor_store.advisors(office_id), [])]
        today = model.oslo_day(ctx.now())
        choice = _choice_of(request, offer, staff, advisor_ids, today)
        return await show(request, staff, office_id, offer, choice)

    @router.post("", response_model=None)
    async def book(request: Request, case_id: str) -> Response:
        form = await pages.form(request)
        staff, office_id = await office_staff(site, request)
        offer = await case_of(request, staff, office_id, case_id)
        choice = _posted(form)
        advisor_ids = [a["_id"] for a in _ordered(await ctx.advisor_store.advisors(office_id), [])]
        errors = _field_errors(choice, advisor_ids)
        parsed = parse_slot(choice.slot)
        if errors or parsed is None:
            return await show(request, staff, office_id, offer, choice, 422, errors=errors)
        start, advisor_id = parsed
        try:
            booking = forms.Booking.model_validate(
                {
                    "case_id": case_id,
                    "person_id": offer["person_id"],
                    "meeting_type": choice.meeting_type,
                    "start": start,
                    "mode": choice.mode,
                    "advisor_id": advisor_id,
                }
            )
            await booking_use.book(ctx, staff, office_id, booking)
        except (ValidationError, RuleViolation, NotOurs):
            # a time off the form's (an advisor no longer active, a start not on a free cell)
            errors = {"slot": "error_book_slot"}
            return await show(request, staff, office_id, offer, choice, 422, errors=errors)
        except SlotTaken as taken:
            fresh = [slot_out(s) for s in taken.slots]
            return await show(
                request, staff, office_id, offer, choice, 409, fresh, problem="book_slot_taken"
            )
        return pages.redirect(_with_done(back_url(site, choice) or "/pages/staff/calendar"))

    return router


def _query(choice: Choice, first: date) -> str:
    """The page's own address with its filters, from ``first`` on (the "later times" link)."""
    query = {
        "advisor": choice.advisor,
        "meeting_type": choice.meeting_type,
        "mode": choice.mode,
        "from": first.isoformat(),
        **({"next": choice.next} if choice.next else {}),
        **({"service": choice.service} if choice.service else {}),
    }
    return "?" + urllib.parse.urlencode(query)
