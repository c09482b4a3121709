"""The office's staff accounts for its admin: the list, add one, change its role, name or
advisor record, remove it (after a confirmation). The same use cases as the JSON API
(``accounts.save_account`` / ``remove_account``): a changed or removed account's sessions end
at once, on every service."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hoppid.intake import accounts
from hoppid.intake.context import Context
from hoppid.intake.office_admin import page_form, store
from hoppid.intake.office_admin.access import Admin
from hoppid.intake.office_admin.views import OfficeList, render
from hoppid.shared.problems import FieldProblem, NotFound
from hoppid.shared.staff_sessions import StaffSessions
from hoppid.shared.web import Pages

PATH = "/pages/staff/accounts"
NEW = ("subject", *page_form.ACCOUNT_FIELDS)
DONE = ("added", "changed", "removed")


def router(pages: Pages, ctx: Context, sessions: StaffSessions | None) -> APIRouter:
    routes = APIRouter(prefix=PATH, include_in_schema=False)
    database = ctx.store.db
    office = OfficeList(pages, ctx, PATH, "accounts", store.office_accounts, DONE)
    routes.add_api_route("", office.page, methods=["GET"], response_model=None)

    async def account_of(request: Request, admin: Admin, subject: str) -> store.Document:
        found = await store.office_account(database, admin.office_id, subject)
        if found is None:
            raise office.missing(request, admin)
        return found

    @routes.post("", response_model=None)
    async def add(request: Request) -> Response:
        form = await pages.form(request)
        admin = await office.admin(request)
        values = page_form.values_of(form, NEW)
        parsed = page_form.account_form(values)
        errors = page_form.subject_errors(values) | (parsed if isinstance(parsed, dict) else {})
        if errors or isinstance(parsed, dict):
            return await office.show(request, admin, values, errors)
        try:
            await accounts.save_account(
                database,
                sessions,
                admin.staff,
                admin.office_id,
                values["subject"],
                parsed,
                new=True,
            )
        except FieldProblem:
            return await office.show(request, admin, values, {"subject": "account_error_taken"})
        return office.back(admin, "added")

    @routes.get("/{subject}", response_model=None)
    async def change_page(request: Request, subject: str) -> Response:
        admin = await office.admin(request)
        account = await account_of(request, admin, subject)
        values = {k: str(account.get(k) or "") for k in page_form.ACCOUNT_FIELDS}
        return render(pages, request, "office_account.html", admin, subject=subject, values=values)

    @routes.post("/{subject}", response_model=None)
    async def change(request: Request, subject: str) -> Response:
        form = await pages.form(request)
        admin = await office.admin(request)
        values = page_form.values_of(form, page_form.ACCOUNT_FIELDS)
        parsed = page_form.account_form(values)
        await account_of(request, admin, subject)
        if isinstance(parsed, dict):
            context = {"subject": subject, "values": values, "errors": parsed}
            return render(pages, request, "office_account.html", admin, **context)
        try:
            await accounts.save_account(
                database, sessions, admin.staff, admin.office_id, subject, parsed, new=False
            )
        except NotFound:  # removed since the read above
            raise office.missing(request, admin) from None
        return office.back(admin, "changed")

    @routes.get("/{subject}/remove", response_model=None)
    async def remove_page(request: Request, subject: str) -> Response:
        admin = await office.admin(request)
        account = await account_of(request, admin, subject)
        own = admin.staff.key_id == accounts.account_key(subject)
        return render(pages, request, "office_account_remove.html", admin, account=account, own=own)

    @routes.post("/{subject}/remove", response_model=None)
    async def remove(request: Request, subject: str) -> Response:
        async def remove_it(admin: Admin) -> None:
            await accounts.remove_account(database, sessions, admin.staff, admin.office_id, subject)

        return await office.removal(request, remove_it, "removed")

    return routes
