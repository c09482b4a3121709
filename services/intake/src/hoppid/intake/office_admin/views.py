"""What the accounts' and the keys' pages share: rendering with the admin and their office,
the office chooser of the platform admin, the notice a redirect asked for."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from hoppid.intake.context import Context
from hoppid.intake.office_admin.access import Admin, not_found
from hoppid.shared.web import PageAnswer, Pages


def render(
    pages: Pages, request: Request, template: str, admin: Admin, **context: Any
) -> HTMLResponse:
    """A page of the office: 422 when its form was refused (``errors``), else 200."""
    errors = context.pop("errors", None) or {}
    return pages.render(
        request,
        template,
        status=422 if errors else 200,
        staff=admin.staff,
        errors=errors,
        admin=admin,
        office=admin.office,
        **context,
    )


async def chooser(
    pages: Pages, ctx: Context, request: Request, admin: Admin, title_key: str
) -> HTMLResponse:
    """The platform admin's choice of office, each a link to this page with ``?office=``."""
    offices = await ctx.store.offices()
    return pages.render(
        request,
        "office_admin_choose.html",
        staff=admin.staff,
        offices=offices,
        title_key=title_key,
    )


def chosen(pages: Pages, request: Request, admin: Admin) -> Admin:
    """The admin with an office (a form posted without one is not found)."""
    if admin.office is None:
        raise PageAnswer(not_found(pages, request, admin.staff))
    return admin


def notice(request: Request, known: tuple[str, ...]) -> str | None:
    """The notice a redirect after a form asked for (``?done=``), if it is one of the page's."""
    done = request.query_params.get("done")
    return done if done in known else None
