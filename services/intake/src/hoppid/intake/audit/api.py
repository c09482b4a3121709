"""``GET /v1/offices/{office_id}/audit``: the office's audit log as JSON, newest first, for
its office admin or the platform admin (anyone else: 403, as the office's other administration
is; an office that does not exist: 404)."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from hoppid.intake.audit import trail
from hoppid.intake.audit.trail import Action, Document
from hoppid.intake.context import Context
from hoppid.intake.search import parse_query
from hoppid.shared.access import Staff
from hoppid.shared.problems import FieldProblem, NotFound
from hoppid.shared.web.bounds import MOST_OFFSET


def entry_out(entry: Document) -> Document:
    """An entry as the API shows it: ``id`` for ``_id``."""
    return {("id" if k == "_id" else k): v for k, v in entry.items()}


def reference_of(ctx: Context, typed: str | None) -> str | None:
    """A case reference as the trail keeps it (HOP-XXXX-XXXX), typed as the search takes it;
    FieldProblem on ``reference`` when it is none."""
    if not typed or not typed.strip():
        return None
    search = parse_query(ctx.link_secret, typed)
    if search.reference is None:
        raise FieldProblem("reference", "a case reference, e.g. HOP-7KX2-9QPM")
    return search.reference


async def office_trail(
    ctx: Context, caller: Staff, office_id: str, reference: str | None, **page: Any
) -> list[Document]:
    """A page of the office's trail if the caller administers the office (PermissionError
    otherwise, NotFound for an office that does not exist)."""
    if not caller.may_administer(office_id):
        raise PermissionError("only the office's admin reads its audit log")
    if await ctx.store.office(office_id) is None:
        raise NotFound(office_id)
    try:
        chosen = reference_of(ctx, reference)
    except FieldProblem as problem:
        raise FieldProblem("reference", str(problem)) from None  # the search names it q
    return await trail.entries(ctx, office_id, reference=chosen, **page)


def router(ctx: Context, staff_dep: Callable[..., Any]) -> APIRouter:
    routes = APIRouter(prefix="/v1/offices", tags=["office administration"])
    Caller = Annotated[Staff, Depends(staff_dep)]

    @routes.get(
        "/{office_id}/audit",
        summary="The office's audit log, newest first (its admin)",
        description="Every read of a person's case or contact details, search, export, "
        "correction and erasure in the office: who, when, why, and the case's id and "
        "reference (never the person's contact details).",
    )
    async def audit_log(
        caller: Caller,
        office_id: str,
        reference: Annotated[str | None, Query(max_length=40)] = None,
        action: Action | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=MOST_OFFSET)] = 0,
    ) -> list[dict[str, Any]]:
        found = await office_trail(
            ctx, caller, office_id, reference, action=action, limit=limit, offset=offset
        )
        return [entry_out(e) for e in found]

    return routes
