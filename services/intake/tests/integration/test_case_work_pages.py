"""The staff's case page as the place where the work happens, through HTTP against the service
process: notes, applications and their decisions, introductions and the company, each form's
success shown on the page and each bad input a 4xx naming its field (never a 500)."""

from typing import Any

import httpx
import pytest
from intake_support import Intake
from test_pages import hidden, intake, send_inquiry, sign_in

__all__ = ["intake"]  # the fixture with plain-http cookies, shared with test_pages

# its outcome could depend on the hour, weekday or DST: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day


async def open_case(intake: Intake, database: Any) -> tuple[str, str]:
    """A Rauma case, its page opened by a signed-in advisor of Nordveggen: (url, csrf)."""
    assert (await send_inquiry(intake)).status_code == 303
    case = await database["cases"].find_one({"municipality": "1539"})
    await sign_in(intake, await intake.key("nordveggen"))
    url = f"/pages/staff/cases/{case['_id']}"
    page = await intake.client.get(url)
    assert page.status_code == 200
    return url, hidden(page.text, "csrf")


async def post(intake: Intake, url: str, csrf: str, **fields: str) -> httpx.Response:
    return await intake.client.post(url, data={"csrf": csrf, **fields})


async def test_notes_are_added_and_shown_newest_first(intake: Intake, database: Any) -> None:
    url, csrf = await open_case(intake, database)
    assert "Ingen notater ennå." in (await intake.client.get(url)).text

    empty = await post(intake, f"{url}/notes", csrf, text="   ")
    assert empty.status_code == 422
    assert 'href="#field-text"' in empty.text and 'id="error-text"' in empty.text
    assert "Skriv notatet" in empty.text
    assert (await intake.client.post(f"{url}/notes", data={"text": "x"})).status_code == 403

    first = await post(intake, f"{url}/notes", csrf, text="Called Kari.\nShe sends the budget.")
    assert first.status_code == 303 and first.headers["location"] == f"{url}?done=note"
    await post(intake, f"{url}/notes", csrf, text="Budget received.")
    page = await intake.client.get(first.headers["location"])
    assert "Notatet er lagt til." in page.text
    assert "Called Kari.<br>She sends the budget." in page.text
    assert page.text.index("Budget received.") < page.text.index("Called Kari.")  # newest first
    assert "\u2013 test</p>" in page.text  # who wrote it: the key's label
    case = await database["cases"].find_one({})
    assert [n["text"] for n in case["notes"]] == [
        "Called Kari.\nShe sends the budget.",
        "Budget received.",
    ]

    missing = await post(intake, "/pages/staff/cases/no-such-case/notes", csrf, text="Hello")
    assert missing.status_code == 404
