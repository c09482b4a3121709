"""The office admin adds and changes advisors on the staff pages (the JSON API's use cases):
a refused form is a 422 naming the field with what was typed kept, another office's advisor a
404, and an advisor's key may look at the advisors but not change them."""

from typing import Any

from scheduling_pages_support import post_form, signed_in, site
from scheduling_support import OFFICE, Scheduling, bearer

__all__ = ["site"]  # the fixture, used by name


def new_advisor(**changes: Any) -> dict[str, Any]:
    """The new-advisor form as a browser posts it: Monday's and Tuesday's rows filled in."""
    fields: dict[str, Any] = {
        "name": "Siri Rettleiar",
        "email": "siri@nordveggen.example",
        "languages": ["nn", "en"],
        "topics": "grants, export",
        "hours-0-weekday": "0",
        "hours-0-start": "08:30",
        "hours-0-end": "14:00",
        "hours-0-place": "office",
        "hours-1-weekday": "1",
        "hours-1-start": "",
        "hours-1-end": "",
        "hours-1-place": "office",
        "hours-2-weekday": "3",
        "hours-2-start": "10:00",
        "hours-2-end": "12:00",
        "hours-2-place": "digital",
        "absence-0-first_day": "2031-07-01",
        "absence-0-last_day": "2031-07-21",
        "absence-1-first_day": "",
        "absence-1-last_day": "",
    }
    fields.update(changes)
    return fields


async def test_an_office_admin_adds_and_changes_an_advisor(site: Scheduling) -> None:
    key = await site.key()
    async with signed_in(site, key) as admin:
        listing = await admin.get("/pages/staff/advisors")
        assert 'href="/pages/staff/advisors/new"' in listing.text
        form = await admin.get("/pages/staff/advisors/new")
        assert form.status_code == 200 and 'name="hours-6-start"' in form.text

        added = await post_form(admin, form, "/pages/staff/advisors", **new_advisor())
        assert added.status_code == 303 and added.headers["location"].endswith("done=added")
        shown = await admin.get(added.headers["location"])
        assert "Rådgiveren er lagt til." in shown.text and "Siri Rettleiar" in shown.text

        api = await site.client.get(f"/v1/offices/{OFFICE}/advisors", headers=bearer(key))
        (advisor,) = api.json()
        assert advisor["languages"] == ["nn", "en"] and advisor["topics"] == ["grants", "export"]
        assert advisor["weekly_hours"] == [
            {"weekday": 0, "start": "08:30:00", "end": "14:00:00", "place": "office"},
            {"weekday": 3, "start": "10:00:00", "end": "12:00:00", "place": "digital"},
        ]
        assert advisor["absences"] == [{"first_day": "2031-07-01", "last_day": "2031-07-21"}]

        page = f"/pages/staff/advisors/{advisor['id']}"
        change = await admin.get(page)
        assert change.status_code == 200 and 'value="Siri Rettleiar"' in change.text
        assert 'value="08:30"' in change.text and 'value="2031-07-21"' in change.text
        changed = await post_form(
            admin, change, page, **new_advisor(name="Siri Nilsen", **{"hours-0-end": "16:00"})
        )
        assert changed.status_code == 303 and changed.headers["location"].endswith("done=changed")
        again = await site.client.get(
            f"/v1/offices/{OFFICE}/advisors/{advisor['id']}", headers=bearer(key)
        )
        assert again.json()["name"] == "Siri Nilsen"
        assert again.json()["weekly_hours"][0]["end"] == "16:00:00"


async def test_a_refused_advisor_form_names_the_field_and_keeps_what_was_typed(
    site: Scheduling,
) -> None:
    key = await site.key()
    async with signed_in(site, key) as admin:
        form = await admin.get("/pages/staff/advisors/new")
        # Monday ends before it starts; the e-mail is no address; the name is kept as typed
        typed = new_advisor(email="not-an-address", **{"hours-0-end": "07:00"})
        refused = await post_form(admin, form, "/pages/staff/advisors", **typed)
        assert refused.status_code == 422
        assert 'href="#field-email"' in refused.text and 'id="error-email"' in refused.text
        assert 'value="not-an-address"' in refused.text and 'value="Siri Rettleiar"' in refused.text
        # the rule needs a valid form first: with the address put right, the row is named
        typed["email"] = "siri@nordveggen.example"
        refused = await post_form(admin, form, "/pages/staff/advisors", **typed)
        assert refused.status_code == 422
        assert 'id="error-hours-0-end"' in refused.text and "må slutte etter" in refused.text
        assert 'value="07:00"' in refused.text and 'value="2031-07-01"' in refused.text
        no_language = await post_form(
            admin, form, "/pages/staff/advisors", **new_advisor(languages=[])
        )
        assert no_language.status_code == 422 and 'id="error-languages"' in no_language.text
        backwards = new_advisor(**{"absence-0-last_day": "2031-06-01"})
        refused = await post_form(admin, form, "/pages/staff/advisors", **backwards)
        assert refused.status_code == 422 and 'id="error-absence-0-last_day"' in refused.text
        assert 'value="2031-06-01"' in refused.text
        api = await site.client.get(f"/v1/offices/{OFFICE}/advisors", headers=bearer(key))
        assert api.json() == []  # nothing refused was stored


async def test_another_office_s_advisor_is_not_found_and_an_advisor_may_not_change(
    site: Scheduling,
) -> None:
    advisor = await site.advisor(await site.key())
    molde_key = await site.key(office="molde")
    page = f"/pages/staff/advisors/{advisor['id']}"
    async with signed_in(site, molde_key) as other:
        assert (await other.get(page)).status_code == 404
        form = await other.get("/pages/staff/advisors/new")
        posted = await post_form(other, form, page, **new_advisor())
        assert posted.status_code == 404

    advisor_key = await site.key(role="advisor")
    async with signed_in(site, advisor_key) as colleague:
        listing = await colleague.get("/pages/staff/advisors")
        assert listing.status_code == 200 and "Ola Rådgiver" in listing.text
        assert "/pages/staff/advisors/new" not in listing.text
        assert (await colleague.get("/pages/staff/advisors/new")).status_code == 403
        assert (await colleague.get(page)).status_code == 403
        posted = await post_form(colleague, listing, page, **new_advisor(name="Changed"))
        assert posted.status_code == 403

    admin_key = await site.key()
    got = await site.client.get(
        f"/v1/offices/{OFFICE}/advisors/{advisor['id']}", headers=bearer(admin_key)
    )
    assert got.json()["name"] == "Ola Rådgiver"
