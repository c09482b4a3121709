"""The change-programme form of the staff pages, translated to the JSON API's
:class:`ProgrammeChangeForm`: the seats, and one row ``session-<i>-id/day/start/end`` per session
that has not started (a started one keeps its time and is shown, not posted), typed as an Oslo
day and wall-clock times. Each refusal becomes one text key on its page field; values are kept
as typed, so a refused form shows them again."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from hoppid.scheduling.model import OSLO, RuleViolation
from hoppid.scheduling.programmes.forms import ProgrammeChangeForm
from hoppid.scheduling.programmes.page_form import _instants
from hoppid.scheduling.web.form_fields import rows, text

Values = dict[str, Any]
Errors = dict[str, str]
Document = dict[str, Any]

ROW_FIELDS = ("id", "day", "start", "end")


def started(programme: Document, now: Any) -> list[Document]:
    """The sessions that have started: their time stays."""
    return [s for s in programme["sessions"] if s["start"] <= now]


def values_of_programme(programme: Document, now: Any) -> Values:
    """The form as first shown: the seats and each session still to come, in Oslo time."""
    sessions = []
    for s in programme["sessions"]:
        if s["start"] > now:
            start, end = s["start"].astimezone(OSLO), s["end"].astimezone(OSLO)
            day, begins, ends = start.date().isoformat(), f"{start:%H:%M}", f"{end:%H:%M}"
            sessions.append({"id": s["id"], "day": day, "start": begins, "end": ends})
    return {"capacity": str(programme["capacity"]), "sessions": sessions}


def values_of(form: FormData) -> Values:
    return {"capacity": text(form, "capacity"), "sessions": rows(form, "session", ROW_FIELDS)}


def parse(values: Values, shown: Values) -> tuple[ProgrammeChangeForm, list[int]] | Errors:
    """The JSON API's form and the row of each session it moves, or the page fields in error.

    A row typed as it was shown (``shown``: :func:`values_of_programme`) is not sent: the page
    shows minutes, and a session made through the API to the second must not count as moved
    (and its people be mailed) because the form was saved."""
    errors: Errors = {}
    before = {row["id"]: row for row in shown["sessions"]}
    sessions, where = [], []
    for i, row in enumerate(values["sessions"]):
        if before.get(row["id"]) == row:
            continue
        times = _instants(row, i, errors)
        if times is not None:
            sessions.append({"id": row["id"], **times})
            where.append(i)
    data = {"capacity": values["capacity"], "sessions": sessions or None}  # seats: always shown
    try:
        form = ProgrammeChangeForm.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            field = "capacity" if item["loc"] and item["loc"][0] == "capacity" else "form"
            if field == "capacity" or not errors:  # a row's own error says it better
                errors.setdefault(field, f"error_change_{field}")
    return errors or (form, where)


def rule_error(problem: RuleViolation, where: list[int]) -> Errors:
    """The use case's refusal on the page field it names: ``sessions.<n>.start`` is the row
    of the n-th session sent."""
    parts = problem.field.split(".")
    if parts[0] == "sessions" and len(parts) == 3 and parts[2] in ("start", "end"):
        row = where[int(parts[1])]
        return {f"session-{row}-{parts[2]}": f"error_change_session_{parts[2]}_rule"}
    if parts[0] == "capacity":
        return {"capacity": "error_change_capacity_rule"}
    return {"form": "error_change_form"}
