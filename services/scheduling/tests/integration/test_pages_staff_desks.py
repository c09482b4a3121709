"""The office admin adds a desk on the staff desks page (the JSON API's use case): an empty
name is a 422 naming the field with what was typed kept; the desk is the admin's own office's;
an advisor's account sees the bookings but may not add desks."""

from scheduling_pages_support import post_form, signed_in, site
from scheduling_support import OFFICE, Scheduling, bearer

__all__ = ["site"]  # the fixture, used by name


async def desk_names(site: Scheduling, key: str, office: str = OFFICE) -> list[str]:
    found = await site.client.get(f"/v1/offices/{office}/desks", headers=bearer(key))
    return [d["name"] for d in found.json()]


async def test_an_office_admin_adds_a_desk_and_a_refused_name_is_kept(site: Scheduling) -> None:
    key = await site.key()
    async with signed_in(site, key) as admin:
        page = await admin.get("/pages/staff/desks")
        assert 'action="/pages/staff/desks"' in page.text
        added = await post_form(admin, page, "/pages/staff/desks", name="Vindusplass 3")
        assert added.status_code == 303 and added.headers["location"].endswith("done=desk_added")
        shown = await admin.get(added.headers["location"])
        assert "Kontorplassen er lagt til." in shown.text
        assert "<li>Vindusplass 3 <a href=" in shown.text  # with its link to change it
        long = "x" * 101
        refused = await post_form(admin, page, "/pages/staff/desks", name=long)
        assert refused.status_code == 422
        assert 'href="#field-name"' in refused.text and 'id="error-name"' in refused.text
        assert f'value="{long}"' in refused.text
        empty = await post_form(admin, page, "/pages/staff/desks", name="  ")
        assert empty.status_code == 422 and 'id="error-name"' in empty.text
    assert await desk_names(site, key) == ["Vindusplass 3"]


async def test_a_desk_is_the_admin_s_own_office_s_and_an_advisor_is_refused(
    site: Scheduling,
) -> None:
    key = await site.key()
    molde_key = await site.key(office="molde")
    async with signed_in(site, molde_key) as other:
        page = await other.get("/pages/staff/desks")
        added = await post_form(other, page, "/pages/staff/desks", name="Molde 1")
        assert added.status_code == 303
    assert await desk_names(site, molde_key, "molde") == ["Molde 1"]
    assert await desk_names(site, key) == []

    advisor_key = await site.key(role="advisor")
    async with signed_in(site, advisor_key) as colleague:
        page = await colleague.get("/pages/staff/desks")
        assert page.status_code == 200 and 'action="/pages/staff/desks"' not in page.text
        posted = await post_form(colleague, page, "/pages/staff/desks", name="Mine")
        assert posted.status_code == 403
    assert await desk_names(site, key) == []
