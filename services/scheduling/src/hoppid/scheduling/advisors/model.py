"""An advisor as a search sees them, pure: languages, topics, weekly working windows (at the
office or digital) and absences, read from the stored document; the checks of their hours.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time
from typing import Any, Literal

from hoppid.scheduling.advisors.forms import AdvisorForm
from hoppid.scheduling.model import RuleViolation

Document = dict[str, Any]

Place = Literal["office", "digital"]


@dataclass(frozen=True)
class Hours:
    """A working window of an advisor on one weekday (0 = Monday), at the office or digital."""

    weekday: int
    start: time
    end: time
    place: Place


@dataclass(frozen=True)
class Advisor:
    id: str
    languages: frozenset[str]
    topics: frozenset[str]
    hours: tuple[Hours, ...]
    absences: tuple[tuple[date, date], ...] = ()  # inclusive day ranges

    def absent_on(self, day: date) -> bool:
        return any(first <= day <= last for first, last in self.absences)


NORWEGIAN = frozenset({"nb", "nn"})


def speaks(advisor: Advisor, language: str) -> bool:
    # Bokmål and Nynorsk are one spoken language: either kind of Norwegian advisor will do
    if language in NORWEGIAN:
        return bool(advisor.languages & NORWEGIAN)
    return language in advisor.languages


def check_hours(hours: Iterable[Hours]) -> None:
    for window in hours:
        if window.end <= window.start:
            raise RuleViolation("weekly_hours", "a working window must end after it starts")
        if window.start.minute % 15 or window.end.minute % 15:
            raise RuleViolation("weekly_hours", "working hours are on quarter hours, e.g. 08:15")


def advisor_of(document: Document) -> Advisor:
    form = AdvisorForm.model_validate({k: document[k] for k in AdvisorForm.model_fields})
    return Advisor(
        id=document["_id"],
        languages=frozenset(form.languages),
        topics=frozenset(form.topics),
        hours=tuple(Hours(h.weekday, h.start, h.end, h.place) for h in form.weekly_hours),
        absences=tuple((a.first_day, a.last_day) for a in form.absences),
    )
