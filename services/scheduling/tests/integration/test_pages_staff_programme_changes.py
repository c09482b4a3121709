"""The office admin changes a programme (seats, the times of sessions to come) and cancels it on
the staff pages, through the JSON API's use cases: a refused form is a 422 naming its field with
what was typed kept, a cancellation asks for a confirmation first, a cancelled programme is a
409; another office's programme is not found and an advisor is refused."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from scheduling_pages_support import post_form, signed_in, site
from scheduling_support import OFFICE, Scheduling, bearer

from hoppid.scheduling.model import OSLO

__all__ = ["site"]  # the fixture, used by name

# the sessions lie around the service's now: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day

PROGRAMMES = f"/v1/offices/{OFFICE}/programmes"


async def programme(site: Scheduling, key: str) -> dict[str, Any]:
    """A course with a session held yesterday and one next week; two seats, both taken."""
    now = datetime.now(UTC).replace(microsecond=0)
    body = {
        "kind": "course",
        "title": "Salg og kundemøter",
        "capacity": 2,
        "sessions": [
            {
                "start": (now - timedelta(days=1)).isoformat(),
                "end": (now - timedelta(hours=22)).isoformat(),
            },
            {
                "start": (now + timedelta(days=7)).isoformat(),
                "end": (now + timedelta(days=7, hours=2)).isoformat(),
            },
        ],
    }
    created = await site.client.post(PROGRAMMES, json=body, headers=bearer(key))
    assert created.status_code == 201, created.text
    for person in ("person-a", "person-b", "person-c"):
        path = f"{PROGRAMMES}/{created.json()['id']}/enrolments"
        enrolled = await site.client.post(path, json={"person_id": person}, headers=bearer(key))
        assert enrolled.status_code == 201, enrolled.text
    return dict(created.json())


async def view(site: Scheduling, key: str, programme_id: str) -> dict[str, Any]:
    found = await site.client.get(f"{PROGRAMMES}/{programme_id}", headers=bearer(key))
    return dict(found.json())


async def test_an_office_admin_changes_a_programme_after_refusals_that_keep_what_was_typed(
    site: Scheduling,
) -> None:
    key = await site.key()
    course = await programme(site, key)
    page = f"/pages/staff/programmes/{course['id']}/change"
    async with signed_in(site, key) as admin:
        listing = await admin.get("/pages/staff/programmes")
        assert f'href="{page}"' in listing.text
        form = await admin.get(page)
        assert form.status_code == 200 and 'name="session-0-day"' in form.text
        assert 'name="session-1-day"' not in form.text  # the started session is shown only
        assert 'value="2"' in form.text

        fewer = await post_form(admin, form, page, capacity="1", **row(form))
        assert fewer.status_code == 422 and 'id="error-capacity"' in fewer.text
        assert 'href="#field-capacity"' in fewer.text and 'value="1"' in fewer.text
        backwards = await post_form(
            admin, form, page, capacity="4", **row(form, start="15:00", end="14:00")
        )
        assert backwards.status_code == 422 and 'id="error-session-0-end"' in backwards.text
        assert 'value="15:00"' in backwards.text and 'value="4"' in backwards.text
        blank = await post_form(admin, form, page, capacity="", **row(form))
        assert blank.status_code == 422 and 'id="error-capacity"' in blank.text

        # the session as shown (to the minute) is not moved: its people get no mail for it
        seats_only = await post_form(admin, form, page, capacity="3", **row(form))
        assert seats_only.status_code == 303
        kept = await view(site, key, course["id"])
        assert kept["capacity"] == 3 and kept["sessions"] == course["sessions"]

        later = (datetime.now(UTC) + timedelta(days=9)).astimezone(OSLO).date().isoformat()
        saved = await post_form(
            admin, form, page, capacity="4", **row(form, day=later, start="10:00", end="12:00")
        )
        assert saved.status_code == 303 and saved.headers["location"].endswith(
            "done=programme_changed"
        )
        shown = await admin.get(saved.headers["location"])
        assert "Endringene er lagret." in shown.text

    after = await view(site, key, course["id"])
    assert after["capacity"] == 4 and after["taken"] == 3 and after["waitlist"] == []
    assert after["sessions"][1]["start_oslo"].startswith(f"{later}T10:00")


def row(form: Any, **changes: str) -> dict[str, str]:
    """Session row 0 as the form shows it, with ``changes`` typed over it."""
    text = form.text
    fields = {}
    for part in ("id", "day", "start", "end"):
        marker = f'name="session-0-{part}"'
        at = text.index(marker)
        tag = text[text.rindex("<", 0, at) : text.index(">", at)]
        fields[part] = tag.split('value="')[1].split('"')[0]
    fields.update(changes)
    return {f"session-0-{part}": value for part, value in fields.items()}


async def test_an_office_admin_cancels_a_programme_once_confirmed(site: Scheduling) -> None:
    key = await site.key()
    course = await programme(site, key)
    page = f"/pages/staff/programmes/{course['id']}/cancel"
    async with signed_in(site, key) as admin:
        form = await admin.get(page)
        assert form.status_code == 200 and 'name="confirm"' in form.text
        unconfirmed = await post_form(admin, form, page)
        assert unconfirmed.status_code == 422 and 'id="error-confirm"' in unconfirmed.text
        assert (await view(site, key, course["id"]))["cancelled"] is False

        cancelled = await post_form(admin, form, page, confirm="true")
        assert cancelled.status_code == 303
        shown = await admin.get(cancelled.headers["location"])
        assert "Programmet er avlyst. Påmeldte og ventende får beskjed." in shown.text
        assert f'href="{page}"' not in shown.text

        again = await post_form(admin, form, page, confirm="true")
        assert again.status_code == 409 and "Programmet er avlyst" in again.text
        change = f"/pages/staff/programmes/{course['id']}/change"
        assert (await admin.get(change)).status_code == 409
        moved = await post_form(admin, form, change, capacity="5")
        assert moved.status_code == 409

    after = await view(site, key, course["id"])
    assert after["cancelled"] is True and after["seats"] == [] and after["waitlist"] == []


async def test_another_office_s_programme_is_not_found_and_an_advisor_is_refused(
    site: Scheduling,
) -> None:
    key = await site.key()
    course = await programme(site, key)
    change = f"/pages/staff/programmes/{course['id']}/change"
    cancel = f"/pages/staff/programmes/{course['id']}/cancel"
    molde = await site.key(office="molde")
    async with signed_in(site, molde) as other:
        assert (await other.get(change)).status_code == 404
        with_form = await other.get("/pages/staff/programmes/new")  # any page with the CSRF field
        assert (await post_form(other, with_form, cancel, confirm="true")).status_code == 404
    advisor = await site.key(role="advisor")
    async with signed_in(site, advisor) as colleague:
        listing = await colleague.get("/pages/staff/programmes")
        assert change not in listing.text
        assert (await colleague.get(change)).status_code == 403
        assert (await post_form(colleague, listing, cancel, confirm="true")).status_code == 403
    assert (await view(site, key, course["id"]))["cancelled"] is False
