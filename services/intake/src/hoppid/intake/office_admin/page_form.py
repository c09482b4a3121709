"""The office admin's forms as posted by a browser: the typed values (kept to show again) and
the JSON API's own forms made from them, or the fields in error as text keys."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, StringConstraints, ValidationError
from starlette.datastructures import FormData

from hoppid.intake.accounts import AccountForm
from hoppid.intake.offices.forms import IssueKey

Values = dict[str, str]
Errors = dict[str, str]
ACCOUNT_FIELDS = ("name", "role", "advisor_id")  # in the order the form shows them
KEY_FIELDS = ("role", "label")


class _Subject(BaseModel):
    # as the API's path takes it; a "/" could not be named in the pages' addresses
    subject: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=255, pattern="^[^/]+$"),
    ]


def values_of(form: FormData, fields: tuple[str, ...]) -> Values:
    return {name: str(form.get(name) or "").strip() for name in fields}


def _errors(error: ValidationError, prefix: str, order: tuple[str, ...] = ()) -> Errors:
    """One text key per field in error, ``<prefix><field>`` (each says what to do), in the
    order the form shows the fields (the error summary's order)."""
    found: Errors = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "form"
        found.setdefault(field, f"{prefix}{field}")
    shown = {field: order.index(field) if field in order else len(order) for field in found}
    return dict(sorted(found.items(), key=lambda item: shown[item[0]]))


def account_form(values: Values) -> AccountForm | Errors:
    """The account's role, name and advisor record (empty: none)."""
    given = {k: v for k, v in values.items() if k in ACCOUNT_FIELDS and v}
    try:
        return AccountForm.model_validate(given)
    except ValidationError as error:
        return _errors(error, "account_error_", ACCOUNT_FIELDS)


def subject_errors(values: Values) -> Errors:
    try:
        _Subject.model_validate({"subject": values.get("subject", "")})
    except ValidationError as error:
        return _errors(error, "account_error_")
    return {}


def key_form(values: Values) -> IssueKey | Errors:
    try:
        return IssueKey.model_validate({k: v for k, v in values.items() if v})
    except ValidationError as error:
        return _errors(error, "key_error_", ("label", "role"))
