"""Group programmes from scheduling, pure Python: enrolments net of cancellations, attendance.

Programme events name the office and the programme's kind; since their ``municipality`` field
(optional within v1) they also name the municipality the enrolment counts for: the person's, as
scheduling learnt it from the case, else the office's first (see docs/scheduling.md). Events
without it (published before the field existed) go to the office's cell of municipality ``0000``
(not attributable): they count for the office and the county, never for one municipality. An
enrolment's cancellation is taken from the cell its seat was counted in. Nothing about people is
kept: an enrolment is its id, a school class only its head count.

Contributions (each once, whatever delivers it):

- ``enrolment:<programme>:<enrolment>``: in the Oslo month the enrolment got its seat (enrolled
  directly, or promoted from the waitlist: a promotion counts when it happens) +1
  ``programme_enrolments`` and ``programme_enrolments_<kind>``; a school class adds its head
  count to ``school_participants``;
- ``enrolment_cancelled:<programme>:<enrolment>``: the same, negated, in the same cell, once the
  enrolment is known to have been cancelled while seated (``was: enrolled``); a cancellation
  while waiting takes nothing away, as it never added anything;
- ``attended:<programme>:<enrolment>:<session>``: in the Oslo month of the session +1
  ``programme_attendances`` and ``programme_attendances_<kind>`` (one enrolment at one session:
  a person, or a class); a school class adds how many came to ``school_participants_attended``
  (pupil-sessions). Attendance stands alone: a later cancellation does not undo it.

Enrolment facts (``enrolled``, ``promoted``, ``cancelled``) are recorded per enrolment and the
contributions derived from all of them, so they may arrive in any order: a cancellation seen
before its seat waits and counts when the seat arrives.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hoppid.reporting.model import UNKNOWN_MUNICIPALITY, Cell, Contribution

KINDS = ("course", "growth_programme", "innovation_camp", "school_programme")
SCHOOL = "school_programme"
FIGURES = (
    "programme_enrolments",
    *(f"programme_enrolments_{kind}" for kind in KINDS),
    "programme_attendances",
    *(f"programme_attendances_{kind}" for kind in KINDS),
    "school_participants",
    "school_participants_attended",
)


def enrolment_key(programme_id: str, enrolment_id: str) -> str:
    return f"{programme_id}:{enrolment_id}"


def _seat_inc(kind: str, participants: int) -> dict[str, int]:
    inc = {"programme_enrolments": 1, f"programme_enrolments_{kind}": 1}
    if kind == SCHOOL:
        inc["school_participants"] = participants
    return inc


def derive_enrolment(key: str, facts: Mapping[str, Any]) -> list[Contribution]:
    """An enrolment's contributions: its seat, and the seat given back when cancelled."""
    seat = facts.get("enrolled") or facts.get("promoted")  # never both: one seat per enrolment
    if not seat:
        return []
    cell = Cell(seat["office"], seat.get("municipality") or UNKNOWN_MUNICIPALITY, seat["month"])
    inc = _seat_inc(seat["kind"], int(seat["participants"]))
    derived = [Contribution(f"enrolment:{key}", cell, inc, (seat["event"],))]
    cancelled = facts.get("cancelled")
    if cancelled and cancelled["was"] == "enrolled":
        derived.append(
            Contribution(
                f"enrolment_cancelled:{key}",
                cell,
                {name: -value for name, value in inc.items()},
                (seat["event"], cancelled["event"]),
            )
        )
    return derived


def attendance(
    key: str,
    session_id: str,
    office: str,
    kind: str,
    participants: int,
    month: str,
    event: str,
    municipality: str | None = None,
) -> Contribution:
    """One enrolment (a person or a class) at one session, in the session's month (and the
    enrolment's municipality, ``0000`` for an event that names none)."""
    inc = {"programme_attendances": 1, f"programme_attendances_{kind}": 1}
    if kind == SCHOOL:
        inc["school_participants_attended"] = participants
    cell = Cell(office, municipality or UNKNOWN_MUNICIPALITY, month)
    return Contribution(f"attended:{key}:{session_id}", cell, inc, (event,))
