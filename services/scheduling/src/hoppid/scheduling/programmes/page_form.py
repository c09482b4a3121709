"""The new-programme form of the staff pages, translated to the JSON API's
:class:`ProgrammeForm`: its sessions are rows ``session-<i>-day/start/end`` typed as an Oslo
day and wall-clock times (a browser's date and time fields), made into instants here; each
refusal becomes one text key on its page field. Values are kept as typed, so a refused form
shows them again."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from hoppid.scheduling.model import RuleViolation, oslo_instant
from hoppid.scheduling.programmes.forms import ProgrammeForm
from hoppid.scheduling.web.form_fields import rows, text

Values = dict[str, Any]
Errors = dict[str, str]

SESSION_FIELDS = ("day", "start", "end")
FIELDS = ("kind", "title", "partner_city", "capacity", "minimum")
SESSION_ROWS = 4  # rows a new programme's form offers (a programme may have up to 60)


def values_of(form: FormData) -> Values:
    return {
        **{name: text(form, name) for name in FIELDS},
        "sessions": rows(form, "session", SESSION_FIELDS),
    }


def new_values() -> Values:
    blank = {name: "" for name in SESSION_FIELDS}
    return {
        "kind": "course",
        "title": "",
        "partner_city": "",
        "capacity": "",
        "minimum": "0",
        "sessions": [dict(blank) for _ in range(SESSION_ROWS)],
    }


def _instants(row: dict[str, str], index: int, errors: Errors) -> dict[str, datetime] | None:
    """The session's start and end as instants, or None with the row's fields in error."""
    name = f"session-{index}-"
    day = _parsed(date.fromisoformat, row["day"])
    if day is None:
        errors[f"{name}day"] = "error_session_day"
    at = {part: _parsed(time.fromisoformat, row[part]) for part in ("start", "end")}
    found: dict[str, datetime] = {}
    for part, clock in at.items():
        instant = oslo_instant(day, clock) if day is not None and clock is not None else None
        if clock is None or (day is not None and instant is None):  # none, or skipped by DST
            errors[f"{name}{part}"] = f"error_session_{part}"
        elif instant is not None:
            found[part] = instant
    return found if len(found) == 2 else None


def _parsed(parse: Any, value: str) -> Any:
    try:
        return parse(value) if value else None
    except ValueError:
        return None


def parse(values: Values) -> tuple[ProgrammeForm, list[int]] | Errors:
    """The JSON API's form and the row of each of its sessions, or the page fields in error."""
    errors: Errors = {}
    given = [(i, row) for i, row in enumerate(values["sessions"]) if any(row.values())]
    sessions = [_instants(row, i, errors) for i, row in given]
    data = {
        **{name: values[name] for name in ("kind", "title", "capacity")},
        "partner_city": values["partner_city"] or None,
        "minimum": values["minimum"] or "0",
        "sessions": [s for s in sessions if s is not None],
    }
    try:
        form = ProgrammeForm.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            field = str(item["loc"][0]) if item["loc"] else "form"
            if field != "sessions" or not errors:  # a row's own error says it better
                errors.setdefault(field, f"error_programme_{field}")
    return errors or (form, [i for i, _ in given])


def rule_error(problem: RuleViolation, where: list[int]) -> Errors:
    """The use case's refusal on the page field it names (``sessions.<n>.end``: that row)."""
    parts = problem.field.split(".")
    if parts[0] == "sessions" and len(parts) == 3 and parts[1].isdigit():
        return {f"session-{where[int(parts[1])]}-{parts[2]}": f"error_session_{parts[2]}_rule"}
    field = parts[0] if parts[0] in FIELDS else "form"
    return {field: f"error_programme_{field}"}
