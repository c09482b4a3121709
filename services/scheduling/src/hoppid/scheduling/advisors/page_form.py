"""The advisor form of the staff pages, translated both ways: the posted fields (a row per
working window and per absence) into the JSON API's :class:`AdvisorForm`, its refusals into one
text key per page field, and a stored advisor into the values the form shows.

A browser posts flat fields, so a working window is the row ``hours-<i>-weekday``,
``hours-<i>-start``, ``hours-<i>-end``, ``hours-<i>-place`` and an absence
``absence-<i>-first_day``, ``absence-<i>-last_day``; a row left without times or dates is not
given. The values are kept as typed so a refused form shows them again."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from hoppid.scheduling.advisors.forms import AdvisorForm
from hoppid.scheduling.advisors.model import Hours, check_hours
from hoppid.scheduling.model import RuleViolation
from hoppid.scheduling.web.form_fields import given, rows, text

Values = dict[str, Any]
Errors = dict[str, str]

HOUR_FIELDS = ("weekday", "start", "end", "place")
ABSENCE_FIELDS = ("first_day", "last_day")
BLANK_ROWS = 2  # empty rows offered below the given ones, for one more window or absence


def values_of(form: FormData) -> Values:
    """What the staff member typed, as the form shows it again."""
    return {
        "name": text(form, "name"),
        "email": text(form, "email"),
        "languages": [str(v) for v in form.getlist("languages")],
        "topics": text(form, "topics"),
        "hours": rows(form, "hours", HOUR_FIELDS),
        "absences": rows(form, "absence", ABSENCE_FIELDS),
    }


def _given_hours(values: Values) -> list[tuple[int, dict[str, str]]]:
    return [(i, row) for i, row in enumerate(values["hours"]) if row["start"] or row["end"]]


def _given_absences(values: Values) -> list[tuple[int, dict[str, str]]]:
    return [(i, r) for i, r in enumerate(values["absences"]) if r["first_day"] or r["last_day"]]


def parse(values: Values) -> AdvisorForm | Errors:
    """The JSON API's form from the page's values, or the page fields in error."""
    hours, absences = _given_hours(values), _given_absences(values)
    data = {
        "name": values["name"],
        "email": values["email"],
        "languages": values["languages"],
        "topics": [t for t in values["topics"].replace(",", " ").split() if t],
        "weekly_hours": [given(row) for _, row in hours],
        "absences": [given(row) for _, row in absences],
    }
    try:
        form = AdvisorForm.model_validate(data)
    except ValidationError as error:
        where = {"weekly_hours": [i for i, _ in hours], "absences": [i for i, _ in absences]}
        return _field_errors(error, where)
    return _rule_errors(form, ([i for i, _ in hours], [i for i, _ in absences])) or form


def _field_errors(error: ValidationError, where: dict[str, list[int]]) -> Errors:
    """Each refused field as its page field: a row's field by the row it was typed in."""
    found: Errors = {}
    for item in error.errors():
        loc = item["loc"]
        field = str(loc[0]) if loc else "form"
        if field in where and len(loc) >= 3 and isinstance(loc[1], int):
            prefix = "hours" if field == "weekly_hours" else "absence"
            name = f"{prefix}-{where[field][loc[1]]}-{loc[2]}"
            found.setdefault(name, f"error_{prefix}_{loc[2]}")
        else:
            found.setdefault(field, f"error_advisor_{field}")
    return found


def _rule_errors(form: AdvisorForm, where: tuple[list[int], list[int]]) -> Errors:
    """The use case's own rules, checked row by row so each refusal names its row's field."""
    found: Errors = {}
    for index, window in zip(where[0], form.weekly_hours, strict=True):
        try:
            check_hours([Hours(window.weekday, window.start, window.end, window.place)])
        except RuleViolation:
            found[f"hours-{index}-end"] = "error_hours_rule"
    for index, absence in zip(where[1], form.absences, strict=True):
        if absence.last_day < absence.first_day:
            found[f"absence-{index}-last_day"] = "error_absence_rule"
    return found


def rule_error(problem: RuleViolation) -> Errors:
    """A refusal of the use case the rows did not foresee: tied to its group of fields."""
    field = problem.field if problem.field in ("weekly_hours", "absences") else "form"
    return {field: f"error_advisor_{field}"}


def with_blank_rows(values: Values) -> Values:
    """The values with empty rows below, so one more window or absence can be typed."""
    blank_hour = {"weekday": "0", "start": "", "end": "", "place": "office"}
    blank_absence = {"first_day": "", "last_day": ""}
    return {
        **values,
        "hours": [*values["hours"], *[dict(blank_hour) for _ in range(BLANK_ROWS)]],
        "absences": [*values["absences"], *[dict(blank_absence) for _ in range(BLANK_ROWS)]],
    }


def new_values() -> Values:
    """A new advisor's form: a row for every weekday, without times yet."""
    hours = [{"weekday": str(d), "start": "", "end": "", "place": "office"} for d in range(7)]
    return {
        "name": "",
        "email": "",
        "languages": ["nb"],
        "topics": "",
        "hours": hours,
        "absences": [{"first_day": "", "last_day": ""} for _ in range(BLANK_ROWS)],
    }


def stored_values(advisor: dict[str, Any]) -> Values:
    """A stored advisor as the form shows it, with empty rows for one more."""
    hours = sorted(advisor.get("weekly_hours", []), key=lambda h: (h["weekday"], h["start"]))
    values = {
        "name": advisor["name"],
        "email": advisor["email"],
        "languages": list(advisor["languages"]),
        "topics": ", ".join(advisor.get("topics", [])),
        "hours": [
            {
                "weekday": str(h["weekday"]),
                "start": h["start"][:5],
                "end": h["end"][:5],
                "place": h["place"],
            }
            for h in hours
        ],
        "absences": [
            {"first_day": a["first_day"], "last_day": a["last_day"]}
            for a in advisor.get("absences", [])
        ],
    }
    return with_blank_rows(values)
