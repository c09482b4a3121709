"""Meetings as the pages show them: their times in Europe/Oslo."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from hoppid.intake.meetings.store import CaseMeetings, Document
from hoppid.intake.model import OSLO
from hoppid.shared.clock import as_utc


def when(row: Document) -> str:
    """'05.12.2026 10:00-11:00' (Oslo, with an en dash); the start alone when the end is not
    known (a row made from a cancellation or an outcome whose booking never arrived)."""
    start: datetime = as_utc(row["start"]).astimezone(OSLO)
    end = row.get("end")
    until = f"\u2013{as_utc(end).astimezone(OSLO):%H:%M}" if isinstance(end, datetime) else ""
    return f"{start:%d.%m.%Y %H:%M}{until}"


def with_when(rows: list[Document]) -> list[Document]:
    """The rows a page can show, with their time. A booking's times and status are two updates
    of its row (projection.py): a row read between them has no status yet and waits for the
    next read, instead of failing the page."""
    return [{**row, "when": when(row)} for row in rows if row.get("start") and row.get("status")]


async def of_case(
    database: AsyncDatabase[dict[str, Any]], office_id: str, case_id: str
) -> list[Document]:
    """The case's meetings for its page, earliest first."""
    return with_when(await CaseMeetings(database).of_case(office_id, case_id))
