"""The office's staff accounts for its admin: the list, add one, change its role, name or
advisor record, remove it (after a confirmation). The same use cases as the JSON API
(``accounts.save_account`` / ``remove_account``): a changed or removed account's sessions end
at once, on every service."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hoppid.intake import accounts
from hoppid.intake.context import Context
from hoppid.intake.office_admin import page_forms, store
from hoppid.intake.office_admin.access import Admin, not_found, office_admin
from hoppid.intake.office_admin.views import chooser, chosen, notice, render
from hoppid.shared.problems import FieldProblem, NotFound
from hoppid.shared.staff_sessions import StaffSessions
from hoppid.shared.web import Pages

PATH = "/pages/staff/accounts"
NEW = ("subject", *page_forms.ACCOUNT_FIELDS)
DONE = ("added", "changed", "removed")


def router(pages: Pages, ctx: Context, sessions: StaffSessions | None) -> APIRouter:
    routes = APIRouter(prefix=PATH, include_in_schema=False)
    database = ctx.store.db

    async def listing(
        request: Request, admin: Admin, values: page_forms.Values, errors: page_forms.Errors
    ) -> Response:
        found = await store.office_accounts(database, admin.office_id)
        return render(
            pages,
            request,
            "office_accounts.html",
            admin,
            errors=errors,
            accounts=found,
            values=values,
            notice=notice(request, DONE),
            own=admin.staff.key_id,
        )

    async def account_of(admin: Admin, subject: str) -> store.Document:
        found = await store.office_account(database, admin.office_id, subject)
        if found is None:
            raise NotFound(subject)
        return found

    @routes.get("", response_model=None)
    async def accounts_page(request: Request) -> Response:
        admin = await office_admin(pages, ctx, request)
        if admin.office is None:
            return await chooser(pages, ctx, request, admin, "accounts_title")
        return await listing(request, admin, {"role": "advisor"}, {})

    @routes.post("", response_model=None)
    async def add(request: Request) -> Response:
        form = await pages.form(request)
        admin = chosen(pages, request, await office_admin(pages, ctx, request))
        values = page_forms.values_of(form, NEW)
        parsed = page_forms.account_form(values)
        errors = page_forms.subject_errors(values) | (parsed if isinstance(parsed, dict) else {})
        if errors or isinstance(parsed, dict):
            return await listing(request, admin, values, errors)
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
            return await listing(request, admin, values, {"subject": "account_error_taken"})
        return pages.redirect(f"{PATH}{admin.query(done='added')}")

    @routes.get("/{subject}", response_model=None)
    async def change_page(request: Request, subject: str) -> Response:
        admin = chosen(pages, request, await office_admin(pages, ctx, request))
        try:
            account = await account_of(admin, subject)
        except NotFound:
            return not_found(pages, request, admin.staff)
        values = {k: str(account.get(k) or "") for k in page_forms.ACCOUNT_FIELDS}
        return render(pages, request, "office_account.html", admin, subject=subject, values=values)

    @routes.post("/{subject}", response_model=None)
    async def change(request: Request, subject: str) -> Response:
        form = await pages.form(request)
        admin = chosen(pages, request, await office_admin(pages, ctx, request))
        values = page_forms.values_of(form, page_forms.ACCOUNT_FIELDS)
        parsed = page_forms.account_form(values)
        try:
            await account_of(admin, subject)
            if isinstance(parsed, dict):
                return render(
                    pages,
                    request,
                    "office_account.html",
                    admin,
                    subject=subject,
                    values=values,
                    errors=parsed,
                )
            await accounts.save_account(
                database, sessions, admin.staff, admin.office_id, subject, parsed, new=False
            )
        except NotFound:
            return not_found(pages, request, admin.staff)
        return pages.redirect(f"{PATH}{admin.query(done='changed')}")

    @routes.get("/{subject}/remove", response_model=None)
    async def remove_page(request: Request, subject: str) -> Response:
        admin = chosen(pages, request, await office_admin(pages, ctx, request))
        try:
            account = await account_of(admin, subject)
        except NotFound:
            return not_found(pages, request, admin.staff)
        own = admin.staff.key_id == accounts.account_key(subject)
        return render(pages, request, "office_account_remove.html", admin, account=account, own=own)

    @routes.post("/{subject}/remove", response_model=None)
    async def remove(request: Request, subject: str) -> Response:
        await pages.form(request)
        admin = chosen(pages, request, await office_admin(pages, ctx, request))
        try:
            await accounts.remove_account(database, sessions, admin.staff, admin.office_id, subject)
        except NotFound:
            return not_found(pages, request, admin.staff)
        return pages.redirect(f"{PATH}{admin.query(done='removed')}")

    return routes
