"""The office's machine keys for its admin: the live keys (label, id, role, when issued; never
the secret, which is not kept), issue one (its secret shown once, on the answer to the form, a
page never cached), revoke one (after a confirmation). The same use cases as the JSON API
(``offices.use_cases.issue_key`` / ``revoke_key``): every service learns of them from their
events.

Nothing records when a key was last used (each service checks keys against its own copy), so
the list does not say."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hoppid.intake.context import Context
from hoppid.intake.office_admin import page_form, store
from hoppid.intake.office_admin.access import Admin
from hoppid.intake.office_admin.views import OfficeList, render
from hoppid.intake.offices import use_cases
from hoppid.shared.web import Pages

PATH = "/pages/staff/keys"


def router(pages: Pages, ctx: Context) -> APIRouter:
    routes = APIRouter(prefix=PATH, include_in_schema=False)
    office = OfficeList(pages, ctx, PATH, "keys", store.office_keys, ("revoked",))
    routes.add_api_route("", office.page, methods=["GET"], response_model=None)

    @routes.post("", response_model=None)
    async def issue(request: Request) -> Response:
        form = await pages.form(request)
        admin = await office.admin(request)
        values = page_form.values_of(form, page_form.KEY_FIELDS)
        parsed = page_form.key_form(values)
        if isinstance(parsed, dict):
            return await office.show(request, admin, values, parsed)
        issued = await use_cases.issue_key(
            ctx, admin.staff, admin.office_id, parsed.role, parsed.label
        )
        # answered here, not after a redirect: the secret is in no store to show it again
        return render(
            pages, request, "office_key_issued.html", admin, issued=issued, label=parsed.label
        )

    @routes.get("/{key_id}/revoke", response_model=None)
    async def revoke_page(request: Request, key_id: str) -> Response:
        admin = await office.admin(request)
        key = await store.office_key(ctx.store.db, admin.office_id, key_id)
        if key is None:
            raise office.missing(request, admin)
        own = admin.staff.key_id == key_id
        return render(pages, request, "office_key_revoke.html", admin, key=key, own=own)

    @routes.post("/{key_id}/revoke", response_model=None)
    async def revoke(request: Request, key_id: str) -> Response:
        async def revoke_it(admin: Admin) -> None:
            await use_cases.revoke_key(ctx, admin.staff, admin.office_id, key_id)

        return await office.removal(request, revoke_it, "revoked")

    return routes
