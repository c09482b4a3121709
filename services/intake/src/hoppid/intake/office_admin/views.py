"""What the accounts' and the keys' pages share: rendering with the admin and their office,
the office chooser of the platform admin, the notice a redirect asked for, and ``OfficeList``,
the steps of a list page with its form to add a row."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pymongo.asynchronous.database import AsyncDatabase

from hoppid.intake.context import Context
from hoppid.intake.office_admin.access import Admin, not_found, office_admin
from hoppid.intake.office_admin.page_form import Errors, Values
from hoppid.shared.problems import NotFound
from hoppid.shared.web import PageAnswer, Pages

Document = dict[str, Any]
ReadRows = Callable[[AsyncDatabase[Document], str], Awaitable[list[Document]]]
# what an empty form to add an account or a key shows: the least of the roles
BLANK: Values = {"role": "advisor"}


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


@dataclass(frozen=True)
class OfficeList:
    """One of the office admin's list pages (``path``): the office's rows, read by ``read``,
    above the form that adds one; the office chooser first for the platform admin; the admin
    of every form and page of a row below it. The page of ``name`` ("accounts") is the
    template office_<name>.html, titled by the text <name>_title, its rows given as <name>."""

    pages: Pages
    ctx: Context
    path: str
    name: str
    read: ReadRows
    done: tuple[str, ...]  # the notices its forms' redirects may ask for

    async def page(self, request: Request) -> Response:
        """The list with an empty form, or the chooser when no office is chosen yet."""
        admin = await office_admin(self.pages, self.ctx, request)
        if admin.office is None:
            return await chooser(self.pages, self.ctx, request, admin, f"{self.name}_title")
        return await self.show(request, admin, BLANK, {})

    async def show(
        self, request: Request, admin: Admin, values: Values, errors: Errors
    ) -> Response:
        """The list with the form as typed; a 422 when ``errors`` refused it."""
        found = await self.read(self.ctx.store.db, admin.office_id)
        shown = {self.name: found, "values": values, "notice": notice(request, self.done)}
        template = f"office_{self.name}.html"
        return render(self.pages, request, template, admin, errors=errors, **shown)

    async def admin(self, request: Request) -> Admin:
        """The admin of a form or a row's page: an office must be chosen (else not found)."""
        return chosen(self.pages, request, await office_admin(self.pages, self.ctx, request))

    def missing(self, request: Request, admin: Admin) -> PageAnswer:
        """The not-found page, for the row asked for that is not the office's."""
        return PageAnswer(not_found(self.pages, request, admin.staff))

    async def removal(
        self, request: Request, remove: Callable[[Admin], Awaitable[object]], done: str
    ) -> Response:
        """A confirmed removal's form: ``remove`` the row for the admin, then back to the list
        with the notice ``done`` (not found when the row is not, or no longer, the office's)."""
        await self.pages.form(request)
        admin = await self.admin(request)
        try:
            await remove(admin)
        except NotFound:
            raise self.missing(request, admin) from None
        return self.back(admin, done)

    def back(self, admin: Admin, done: str) -> RedirectResponse:
        """After a form: to the list, with the notice of what was ``done``."""
        return self.pages.redirect(f"{self.path}{admin.query(done=done)}")
