"""The platform admin's page of dead letters: a ``<topic>.dlq`` of the platform's topics, each
record with its error and origin (never its data), and the chosen ones re-driven to their topic.

The listing and the re-drive are the operator command's (:mod:`hoppid.shared.dlq`): the same
summary (the error without the input values pydantic quotes), the same markers, so a record is
published again at most once whether the page or ``scripts/dlq.sh`` re-drives it, and a second
re-drive changes nothing. Only the platform admin (``HOPPID_INTAKE_ADMIN_KEY``): signed in, or
by ``Authorization: Bearer``. Without either: the sign-in page for a browser, else 401
problem+json; another key or session: 403 (a page for a browser's session, else problem+json).
"""

from __future__ import annotations

from typing import Any

from aiokafka.errors import KafkaError
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from hoppid.intake.web.common import error_page
from hoppid.shared import dlq
from hoppid.shared.access import Staff
from hoppid.shared.kafka import Topics
from hoppid.shared.settings import ServiceSettings
from hoppid.shared.web import PageAnswer, Pages

PATH = "/pages/admin/dlq"
TOPICS = ("intake", "scheduling", "notifications", "public")  # hoppid.<name>, with the prefix
SHOWN = 500  # rows on one page: the command lists any number
REPORT = ("redriven", "covered", "already", "missing")
ONLY_ADMIN = "dead letters are the platform admin's: sign in or send its key as Bearer"


def router(pages: Pages, settings: ServiceSettings) -> APIRouter:
    routes = APIRouter(prefix=PATH, include_in_schema=False)
    servers = settings.kafka_bootstrap_servers
    topics = Topics(settings.topic_prefix)
    names = {name: topics.public if name == "public" else topics.domain(name) for name in TOPICS}

    async def show(
        request: Request, staff: Staff, chosen: str, pending_only: bool, error: str = ""
    ) -> Response:
        """The dead letters of the chosen topic (422 naming the field in ``error``)."""
        if chosen not in names:
            return _page(pages, request, staff, names, chosen, pending_only, 422, "topic")
        try:
            letters = await dlq.read_dead_letters(servers, names[chosen])
        except KafkaError:
            return error_page(pages, request, 503, "dlq_unavailable")
        selection = dlq.Selection(pending_only=pending_only)
        rows = [x.summary() for x in letters or [] if selection.chooses(x)]
        return _page(
            pages,
            request,
            staff,
            names,
            chosen,
            pending_only,
            422 if error else 200,
            error,
            rows=rows,
            exists=letters is not None,
            pending=sum(1 for row in rows if row["redriven"] is None),
            report=_report(request),
        )

    @routes.get("", response_model=None)
    async def listing(request: Request) -> Response:
        staff, _ = await platform_admin(pages, request)
        chosen = request.query_params.get("topic") or TOPICS[0]
        return await show(request, staff, chosen, request.query_params.get("pending") == "true")

    @routes.post("/redrive", response_model=None)
    async def redrive(request: Request) -> Response:
        staff, session = await platform_admin(pages, request)
        # a session's form carries the CSRF token; a Bearer key is never sent by a browser
        form = await pages.form(request) if session else await request.form()
        chosen = str(form.get("topic") or "")
        try:
            positions = _positions(form)
        except ValueError:
            positions = frozenset()
        if chosen not in names or not positions:
            return await show(request, staff, chosen, False, "positions")
        try:
            done = await dlq.redrive(servers, names[chosen], dlq.Selection(positions=positions))
        except LookupError:  # no such DLQ: nothing chosen can be in it
            done = dlq.RedriveReport(not_found=[f"{p}:{o}" for p, o in sorted(positions)])
        except KafkaError:
            return error_page(pages, request, 503, "dlq_unavailable")
        counts = (len(done.redriven), len(done.covered), len(done.already), len(done.not_found))
        query = "&".join(f"{name}={count}" for name, count in zip(REPORT, counts, strict=True))
        return pages.redirect(f"{PATH}?topic={chosen}&{query}")

    return routes


async def platform_admin(pages: Pages, request: Request) -> tuple[Staff, bool]:
    """The platform admin behind the request, and whether by a signed-in session."""
    authorization = request.headers.get("authorization")
    html = "text/html" in request.headers.get("accept", "")
    if authorization:
        if pages.key_ring is None:  # intake's pages are always built with its key ring
            raise RuntimeError("the admin pages need the key ring to read an Authorization header")
        staff = await pages.key_ring.authenticate_request(request, authorization)  # else 401
    else:
        found = await pages.staff(request)
        if found is None:
            if html:
                raise PageAnswer(pages.sign_in_redirect(request))
            raise HTTPException(401, ONLY_ADMIN, headers={"WWW-Authenticate": "Bearer"})
        staff = found
    if staff.role != "platform_admin":
        if html and not authorization:
            page = pages.render(request, "error.html", 403, staff=staff, message_key="dlq_admin")
            raise PageAnswer(page)
        raise PermissionError(ONLY_ADMIN)  # 403 problem+json
    return staff, not authorization


def _positions(form: FormData) -> frozenset[tuple[int, int]]:
    """The chosen dead letters (``partition:offset`` each, as the command's --offsets)."""
    chosen = [value for value in form.getlist("position") if isinstance(value, str)]
    return dlq.parse_positions(",".join(chosen)) if chosen else frozenset()


def _report(request: Request) -> dict[str, int] | None:
    """What the last re-drive did, from the redirect's query (numbers only)."""
    given = {name: request.query_params.get(name, "") for name in REPORT}
    if not all(value.isdigit() for value in given.values()):
        return None
    return {name: int(value) for name, value in given.items()}


def _page(
    pages: Pages,
    request: Request,
    staff: Staff,
    names: dict[str, str],
    chosen: str,
    pending_only: bool,
    status: int = 200,
    error: str = "",
    **found: Any,
) -> Response:
    rows: list[dict[str, Any]] = found.pop("rows", [])
    return pages.render(
        request,
        "admin_dlq.html",
        status=status,
        staff=staff,
        errors={error: f"dlq_error_{error}"} if error else {},
        topics=[(name, names[name]) for name in TOPICS],
        topic=chosen if chosen in names else TOPICS[0],
        dlq_topic=dlq.dlq_topic_of(names.get(chosen, names[TOPICS[0]])),
        pending_only=pending_only,
        rows=rows[:SHOWN],
        total=len(rows),
        limit=SHOWN,
        **{"exists": True, "pending": 0, "report": None, **found},
    )
