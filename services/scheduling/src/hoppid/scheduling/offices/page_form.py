"""The office settings form of the staff pages, translated both ways: the posted fields (a row
per opening window ``opening-<i>-weekday/opens/closes``, closed days one per line, the video
room, the meeting lengths) into the JSON API's :class:`OfficeSettings`, its refusals into one
text key per page field, and the stored settings into the values the form shows. Values are
kept as typed, so a refused form shows them again."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from hoppid.scheduling.model import RuleViolation
from hoppid.scheduling.offices.forms import OfficeSettings
from hoppid.scheduling.offices.rules import check_durations
from hoppid.scheduling.web.form_fields import given, rows, text

Values = dict[str, Any]
Errors = dict[str, str]

OPENING_FIELDS = ("weekday", "opens", "closes")
NUMBERS = ("first_guidance_minutes", "follow_up_minutes", "buffer_minutes", "minimum_notice_hours")
LINKS = ("video_link", "join_link_pattern")
BLANK_ROWS = 2  # empty rows below the given ones, for one more opening window


def values_of(form: FormData) -> Values:
    """What the office admin typed, as the form shows it again."""
    return {
        "opening": rows(form, "opening", OPENING_FIELDS),
        "closed_days": text(form, "closed_days"),
        **{name: text(form, name) for name in (*NUMBERS, *LINKS)},
    }


def parse(values: Values) -> OfficeSettings | Errors:
    """The JSON API's settings from the page's values, or the page fields in error."""
    opening = [(i, r) for i, r in enumerate(values["opening"]) if r["opens"] or r["closes"]]
    data = {
        "opening_hours": [given(row) for _, row in opening],
        "closed_days": values["closed_days"].split(),
        **{name: values[name] for name in NUMBERS},  # an emptied number is refused, not defaulted
        **{name: values[name] or None for name in LINKS},
    }
    try:
        settings = OfficeSettings.model_validate(data)
    except ValidationError as error:
        return _field_errors(error, [i for i, _ in opening])
    return _rule_errors(settings, [i for i, _ in opening]) or settings


def _field_errors(error: ValidationError, where: list[int]) -> Errors:
    found: Errors = {}
    for item in error.errors():
        loc = item["loc"]
        field = str(loc[0]) if loc else "form"
        if field == "opening_hours" and len(loc) >= 3 and isinstance(loc[1], int):
            found.setdefault(f"opening-{where[loc[1]]}-{loc[2]}", f"error_opening_{loc[2]}")
        else:
            found.setdefault(field, f"error_office_{field}")
    return found


def _rule_errors(settings: OfficeSettings, where: list[int]) -> Errors:
    """The use case's own rules, checked here so each refusal names its field or row."""
    found: Errors = {}
    for index, opening in zip(where, settings.opening_hours, strict=True):
        if opening.closes <= opening.opens:
            found[f"opening-{index}-closes"] = "error_opening_rule"
    lengths = {n: getattr(settings, n) for n in ("first_guidance_minutes", "follow_up_minutes")}
    checks = [({name: minutes}, 0) for name, minutes in lengths.items()]
    checks.append(({}, settings.buffer_minutes))  # the buffer is checked under its own name
    for durations, buffer in checks:
        try:
            check_durations(durations, buffer)
        except RuleViolation as problem:
            found[problem.field] = "error_quarter_hours"
    return found


def rule_error(problem: RuleViolation) -> Errors:
    """A refusal of the use case the form did not foresee: tied to the field it names."""
    field = problem.field if problem.field in (*NUMBERS, "opening_hours") else "form"
    return {field: f"error_office_{field}"}


def stored_values(office: dict[str, Any]) -> Values:
    """The office's settings (the defaults where none are stored) as the form shows them."""
    settings = OfficeSettings.model_validate(office.get("settings") or {})
    opening = sorted(settings.opening_hours, key=lambda o: (o.weekday, o.opens))
    blank = {"weekday": "0", "opens": "", "closes": ""}
    return {
        "opening": [
            *[
                {
                    "weekday": str(o.weekday),
                    "opens": f"{o.opens:%H:%M}",
                    "closes": f"{o.closes:%H:%M}",
                }
                for o in opening
            ],
            *[dict(blank) for _ in range(BLANK_ROWS)],
        ],
        "closed_days": "\n".join(d.isoformat() for d in sorted(settings.closed_days)),
        **{name: str(getattr(settings, name)) for name in NUMBERS},
        **{name: getattr(settings, name) or "" for name in LINKS},
    }
