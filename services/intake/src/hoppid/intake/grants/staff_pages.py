"""The office's grant programmes for its signed-in staff: everyone sees the list; the office's
admin adds an entry, changes one and deactivates it (or offers it again). An advisor asking to
change one gets the refusal page (403). The same use cases as the JSON API; a refused form comes
back with what was typed and each field's message (422)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from hoppid.intake.cases.case_page import kroner
from hoppid.intake.grants import use_cases
from hoppid.intake.grants.forms import ProgrammeForm
from hoppid.intake.grants.use_cases import Grants
from hoppid.shared.access import ALL_OFFICES, Staff
from hoppid.shared.problems import FieldProblem, NotFound
from hoppid.shared.web import PageAnswer, Pages

PATH = "/pages/staff/grant-programmes"
Errors = dict[str, str]  # field -> its message's text key
FIELDS = ("name", "name_en", "granted_by", "max_amount_nok")
NOTICES = ("added", "changed", "deactivated", "activated")


def text(form: FormData, name: str) -> str | None:
    """A posted text field, stripped; None when empty (as web.common's, which this package
    cannot import: the site's shell imports the features' pages)."""
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


def posted(form: FormData, with_active: bool) -> dict[str, Any]:
    """The entry's fields as typed (None when empty); the check box only on the edit form."""
    values: dict[str, Any] = {name: text(form, name) for name in FIELDS}
    if with_active:
        values["active"] = form.get("active") == "true"
    return values


def refused(error: ValidationError | FieldProblem) -> Errors:
    """Each field in error with its message (``grants_error_<field>``)."""
    if isinstance(error, FieldProblem):
        fields = [error.field]
    else:
        fields = [str(item["loc"][0]) if item["loc"] else "name" for item in error.errors()]
    return {field: f"grants_error_{field}" for field in fields}


def router(pages: Pages, grants: Grants) -> APIRouter:
    routes = APIRouter(prefix=PATH, include_in_schema=False)

    async def staff_of(request: Request, admin: bool = False) -> Staff:
        """The signed-in staff of an office (the county's keys: refused); ``admin``: its admin."""
        staff = await pages.signed_in(request)
        if staff.office_id == ALL_OFFICES:
            raise PageAnswer(_error(pages, request, staff, 403, "staff_office_only"))
        if admin and not staff.may_administer(staff.office_id):
            raise PageAnswer(_error(pages, request, staff, 403, "grants_admin_only"))
        return staff

    async def listing(
        request: Request, staff: Staff, status: int = 200, **extra: Any
    ) -> HTMLResponse:
        entries = await use_cases.programmes(grants, staff, staff.office_id)
        done = request.query_params.get("done")
        context = {
            "entries": entries,
            "may_change": staff.may_administer(staff.office_id),
            "kroner": kroner,
            "notice": f"grants_{done}" if status == 200 and done in NOTICES else None,
            "errors": {},
            "values": {},
            **extra,
        }
        return pages.render(request, "grant_programmes.html", status, staff=staff, **context)

    @routes.get("", response_model=None)
    async def programmes(request: Request) -> Response:
        return await listing(request, await staff_of(request))

    @routes.post("", response_model=None)
    async def add(request: Request) -> Response:
        form = await pages.form(request)
        staff = await staff_of(request, admin=True)
        values = posted(form, with_active=False)
        given = {k: v for k, v in values.items() if v is not None}
        try:
            entry = ProgrammeForm.model_validate(given)
            await use_cases.add_programme(grants, staff, staff.office_id, entry)
        except (ValidationError, FieldProblem) as error:
            return await listing(request, staff, 422, errors=refused(error), values=values)
        return pages.redirect(f"{PATH}?done=added")

    async def editing(
        request: Request, staff: Staff, entry: dict[str, Any], status: int = 200, **extra: Any
    ) -> HTMLResponse:
        context = {"entry": entry, "errors": {}, "values": entry, **extra}
        return pages.render(request, "grant_programme_form.html", status, staff=staff, **context)

    async def entry_of(request: Request, staff: Staff, programme_id: str) -> dict[str, Any]:
        try:
            return await use_cases.programme(grants, staff, staff.office_id, programme_id)
        except NotFound:
            raise PageAnswer(_error(pages, request, staff, 404, "not_found")) from None

    @routes.get("/{programme_id}", response_model=None)
    async def edit_form(request: Request, programme_id: str) -> Response:
        staff = await staff_of(request, admin=True)
        return await editing(request, staff, await entry_of(request, staff, programme_id))

    @routes.post("/{programme_id}", response_model=None)
    async def change(request: Request, programme_id: str) -> Response:
        form = await pages.form(request)
        staff = await staff_of(request, admin=True)
        entry = await entry_of(request, staff, programme_id)
        values = posted(form, with_active=True)
        given = {k: v for k, v in values.items() if v is not None}
        try:
            changed = ProgrammeForm.model_validate(given)
            await use_cases.change_programme(grants, staff, staff.office_id, entry["_id"], changed)
        except (ValidationError, FieldProblem) as error:
            errors = refused(error)
            return await editing(request, staff, entry, 422, errors=errors, values=values)
        return pages.redirect(f"{PATH}?done=changed")

    @routes.post("/{programme_id}/active", response_model=None)
    async def activity(request: Request, programme_id: str) -> Response:
        form = await pages.form(request)
        staff = await staff_of(request, admin=True)
        active = form.get("active") == "true"
        try:
            await use_cases.set_active(grants, staff, staff.office_id, programme_id, active)
        except NotFound:
            return _error(pages, request, staff, 404, "not_found")
        return pages.redirect(f"{PATH}?done={'activated' if active else 'deactivated'}")

    return routes


def _error(pages: Pages, request: Request, staff: Staff, status: int, key: str) -> HTMLResponse:
    return pages.render(request, "error.html", status=status, staff=staff, message_key=key)
