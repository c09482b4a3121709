"""The office admin renames and removes a desk on its page (the JSON API's use cases): a bad
name is a 422 naming the field with what was typed kept; a removal while seat bookings are to
come is a 409 naming how many, with links to their days, where staff cancel them; then the desk
goes. Advisors may not change desks (403); another office's desk is a 404."""

import re

import pytest
from scheduling_pages_support import post_form, signed_in, site
from scheduling_support import OFFICE, Scheduling, bearer, working_day

# a seat booking's day must be open and ahead: scripts/time_of_day.sh
pytestmark = pytest.mark.time_of_day

__all__ = ["site"]  # the fixture, used by name


async def test_an_office_admin_renames_and_removes_a_desk_once_its_bookings_are_cancelled(
    site: Scheduling,
) -> None:
    key = await site.key()
    added = await site.client.post(
        f"/v1/offices/{OFFICE}/desks", json={"name": "Vindusplass"}, headers=bearer(key)
    )
    desk = added.json()["id"]
    day = working_day(8).isoformat()
    seat = await site.client.post(
        f"/v1/offices/{OFFICE}/seat-bookings",
        json={"day": day, "half": "morning", "desk_id": desk},
        headers=bearer(key),
    )
    assert seat.status_code == 201, seat.text
    page_path = f"/pages/staff/desks/{desk}"

    async with signed_in(site, key) as admin:
        desks = await admin.get("/pages/staff/desks")
        assert f'href="{page_path}"' in desks.text
        page = await admin.get(page_path)
        assert page.status_code == 200 and 'value="Vindusplass"' in page.text

        refused = await post_form(admin, page, page_path, name="y" * 101)
        assert refused.status_code == 422 and 'id="error-name"' in refused.text
        assert f'value="{"y" * 101}"' in refused.text
        renamed = await post_form(admin, page, page_path, name="Vindu 1")
        assert renamed.headers["location"] == "/pages/staff/desks?done=desk_changed"
        assert "Vindu 1" in (await admin.get(renamed.headers["location"])).text

        in_use = await post_form(admin, page, f"{page_path}/remove")
        assert in_use.status_code == 409 and "1 bestilling(er) fremover" in in_use.text
        assert f'href="/pages/staff/desks?day={day}"' in in_use.text

        that_day = await admin.get("/pages/staff/desks", params={"day": day})
        cancel = re.search(r'action="(/pages/staff/desks/[^/"]+/cancel[^"]*)"', that_day.text)
        assert cancel, "the day's booking has a cancel button"
        cancelled = await post_form(admin, that_day, cancel.group(1).replace("&amp;", "&"))
        assert cancelled.headers["location"] == f"/pages/staff/desks?day={day}&done=seat_cancelled"

        removed = await post_form(admin, page, f"{page_path}/remove")
        assert removed.headers["location"] == "/pages/staff/desks?done=desk_removed"
        after = await admin.get(removed.headers["location"])
        assert "Plassen er fjernet." in after.text and page_path not in after.text
        assert (await admin.get(page_path)).status_code == 404

    listed = await site.client.get(f"/v1/offices/{OFFICE}/desks", headers=bearer(key))
    assert [(d["name"], d["active"]) for d in listed.json()] == [("Vindu 1", False)]


async def test_advisors_may_not_and_another_office_s_desk_is_not_found(site: Scheduling) -> None:
    key = await site.key()
    added = await site.client.post(
        f"/v1/offices/{OFFICE}/desks", json={"name": "Hjørnet"}, headers=bearer(key)
    )
    page_path = f"/pages/staff/desks/{added.json()['id']}"
    async with signed_in(site, await site.key(role="advisor")) as colleague:
        assert (await colleague.get(page_path)).status_code == 403
        desks = await colleague.get("/pages/staff/desks")
        assert (await post_form(colleague, desks, f"{page_path}/remove")).status_code == 403
    async with signed_in(site, await site.key(office="molde")) as other:
        assert (await other.get(page_path)).status_code == 404
        desks = await other.get("/pages/staff/desks")
        assert (await post_form(other, desks, f"{page_path}/remove")).status_code == 404
    listed = await site.client.get(f"/v1/offices/{OFFICE}/desks", headers=bearer(key))
    assert [d["active"] for d in listed.json()] == [True]
