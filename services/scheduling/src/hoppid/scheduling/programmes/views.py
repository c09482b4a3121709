"""What a group programme shows to whom: anyone with a link (how full it is), the person
(their own seat or place in line) and the office's staff (the enrolments). Times are UTC;
each also comes as Oslo wall-clock time (``*_oslo``). Used by the JSON API and the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hoppid.scheduling.model import OSLO

Document = dict[str, Any]


def oslo(instant: datetime) -> str:
    return instant.astimezone(OSLO).isoformat()


def _sessions(programme: Document) -> list[Document]:
    return [
        {**s, "start_oslo": oslo(s["start"]), "end_oslo": oslo(s["end"])}
        for s in programme["sessions"]
    ]


def public(programme: Document) -> Document:
    """What anyone with a link may see: no enrolments, only how full it is."""
    shown = ("kind", "title", "partner_city", "capacity", "minimum", "office_id")
    return {
        "id": programme["_id"],
        **{k: programme.get(k) for k in shown},
        "sessions": _sessions(programme),
        "free_seats": programme["capacity"] - programme["taken"],
        "waiting": len(programme["waiting"]),
        "cancelled": programme.get("cancelled_at") is not None,
    }


def my_status(programme: Document, person_id: str) -> Document:
    """The public view and the person's own standing: a seat, or their place in line."""
    seated = any(e["person_id"] == person_id for e in programme["seats"])
    waiting = [e["person_id"] for e in programme["waiting"]]
    status = "enrolled" if seated else "waitlisted"
    position = None if seated else waiting.index(person_id) + 1
    return {**public(programme), "status": status, "position": position}


def staff_view(programme: Document) -> Document:
    return {
        **public(programme),
        "taken": programme["taken"],
        "reaches_minimum": programme["taken"] >= programme["minimum"],
        "seats": programme["seats"],
        "waitlist": programme["waiting"],
        "attendance": programme["attendance"],
    }
