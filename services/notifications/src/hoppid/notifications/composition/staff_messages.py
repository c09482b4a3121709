"""Messages to office staff (advisors): pure functions, no I/O.

They name cases by reference or id, never the person: staff read the rest in hoppid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from hoppid.contracts import scheduling as sched
from hoppid.notifications.composition import wording
from hoppid.notifications.copies.advisors import Advisor
from hoppid.notifications.model import Outgoing

MAX_OPEN_CASES = 30  # listed in a digest; the count covers all


def to_advisor(
    message: str,
    advisor_id: str,
    advisor: Advisor | None,
    office_id: str,
    cause_event_id: str,
    values: Mapping[str, str],
    case_id: str | None = None,
) -> Outgoing:
    """A service message to an advisor (work mail: always sent), in their first language."""
    return Outgoing(
        message=message,
        channel="email",
        recipient_kind="advisor",
        recipient_id=advisor_id,
        address=advisor.email if advisor else None,
        office_id=office_id,
        language=advisor.language if advisor else "nb",
        cause_event_id=cause_event_id,
        message_class="service",
        values={"name": advisor.name if advisor else "", **values},
        case_id=case_id,
    )


def meeting_booked(
    event: sched.MeetingBooked, advisor: Advisor | None, cause_event_id: str
) -> Outgoing:
    language = advisor.language if advisor else "nb"
    values = {
        "time": wording.oslo_time(event.start, event.end, language),
        "mode": wording.mode(event.mode, language),
        "meeting_type": wording.meeting_type(event.meeting_type, language),
        "case_id": event.case_id,
    }
    return to_advisor(
        "advisor_meeting_booked",
        event.advisor_id,
        advisor,
        event.office_id,
        cause_event_id,
        values,
        event.case_id,
    )


def digest_cause(day: date) -> str:
    """The digest of one Oslo day stands in for a causing event: one delivery per advisor."""
    return f"digest:{day.isoformat()}"


def digest(
    advisor: Advisor,
    day: date,
    meetings: Sequence[Mapping[str, Any]],
    references: Mapping[str, str],
    open_cases: Sequence[Mapping[str, Any]],
    open_count: int,
) -> Outgoing:
    """The next day's meetings (Oslo) and the office's open cases, for one advisor."""
    lang = advisor.language
    tomorrow = date.fromordinal(day.toordinal() + 1)
    meeting_lines = [_meeting_line(m, references, lang) for m in meetings]
    case_lines = [
        f"- {c.get('reference') or c['_id']} ({wording.case_status(c.get('status', ''), lang)})"
        for c in open_cases[:MAX_OPEN_CASES]
    ]
    if open_count > len(case_lines):
        case_lines.append(f"- … (+{open_count - len(case_lines)})")
    values = {
        "day": wording.oslo_day(tomorrow, lang),
        "meetings": "\n".join(meeting_lines) or wording.nothing("meetings", lang),
        "open_cases": "\n".join(case_lines) or wording.nothing("cases", lang),
        "open_count": str(open_count),
    }
    return to_advisor(
        "advisor_digest", advisor.id, advisor, advisor.office_id, digest_cause(day), values
    )


def _meeting_line(meeting: Mapping[str, Any], references: Mapping[str, str], lang: str) -> str:
    start: datetime = meeting["start"]
    end: datetime | None = meeting.get("end")
    kind = wording.meeting_type(meeting.get("meeting_type", ""), lang)
    mode = wording.mode(meeting.get("mode", ""), lang)
    case = references.get(meeting.get("case_id", ""), meeting.get("case_id", ""))
    return f"- {wording.clock(start, end)} {kind}, {mode} ({case})"
