"""What intake's pages share: field errors as text keys, times in Oslo, the error page, a staff
page with a form."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from hoppid.intake.model import OSLO
from hoppid.shared.access import Staff
from hoppid.shared.problems import FieldProblem
from hoppid.shared.web import Pages

Errors = dict[str, str]


def validation_errors(error: ValidationError) -> Errors:
    """One text key per field in error: ``error_<field>`` (each names what to do)."""
    found: Errors = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "form"
        found.setdefault(field, f"error_{field}")
    return found


def problem_errors(problem: FieldProblem) -> Errors:
    """A domain rule's refusal, tied to the field it names (``body`` means the whole form)."""
    field = "form" if problem.field == "body" else problem.field
    return {field: f"error_{field}"}


def text(form: FormData, name: str) -> str | None:
    """A posted text field, stripped; None when empty or absent (so it counts as not given)."""
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


def error_page(pages: Pages, request: Request, status: int, message_key: str) -> HTMLResponse:
    return pages.render(request, "error.html", status=status, message_key=message_key)


def staff_form_page(
    pages: Pages, request: Request, template: str, staff: Staff, errors: Errors, **context: Any
) -> HTMLResponse:
    """A staff page with a form on it: a 422 when the form was refused (its errors shown on the
    page), else a 200."""
    return pages.render(
        request, template, status=422 if errors else 200, staff=staff, errors=errors, **context
    )


def _oslo(value: Any, pattern: str) -> str:
    if not isinstance(value, datetime):
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)  # the store's naive UTC
    return aware.astimezone(OSLO).strftime(pattern)


def add_filters(pages: Pages) -> None:
    """Dates and times are stored in UTC and shown in Europe/Oslo."""
    pages.environment.filters["oslo_date"] = lambda v: _oslo(v, "%d.%m.%Y")
    pages.environment.filters["oslo_time"] = lambda v: _oslo(v, "%d.%m.%Y %H:%M")
