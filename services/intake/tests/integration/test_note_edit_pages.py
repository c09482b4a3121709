"""Changing a note on the staff's case page, through HTTP against the service process: the
writer changes their own note (kept as ``edits`` and told as ``note.edited``, without its
text), the page shows it changed; a bad text is a 422 keeping what was typed; another's note
is refused (403) and offers no form; an unknown note is a 404 naming the notes."""

import re
from typing import Any

from intake_support import Intake
from test_case_advisor_pages import add_account, sign_in_as_advisor
from test_case_work_pages import open_case, post
from test_pages import hidden, intake

from hoppid.shared.testing import of_type, read_envelopes

__all__ = ["intake"]  # the fixture with plain-http cookies, shared with test_pages


async def test_the_writer_changes_their_own_note(intake: Intake, database: Any) -> None:
    url, csrf = await open_case(intake, database)
    assert (await post(intake, f"{url}/notes", csrf, text="Called Kari.")).status_code == 303
    note = (await database["cases"].find_one({}))["notes"][0]
    edit, field = f"{url}/notes/{note['id']}", f"text-{note['id']}"
    page = await intake.client.get(url)
    assert f'action="{edit}"' in page.text and "Endre notatet" in page.text
    assert f'id="field-{field}"' in page.text and "<details>" in page.text  # closed

    empty = await post(intake, edit, csrf, **{field: "  "})
    assert empty.status_code == 422
    assert f'href="#field-{field}"' in empty.text and f'id="error-{field}"' in empty.text
    assert "Skriv notatet" in empty.text and "<details open>" in empty.text
    too_long = await post(intake, edit, csrf, **{field: "Budget " + "x" * 10_000})
    assert too_long.status_code == 422 and "Budget xxxx" in too_long.text  # kept as typed
    assert (await intake.client.post(edit, data={field: "x"})).status_code == 403  # no CSRF

    changed = await post(intake, edit, csrf, **{field: "Called Kari.\nShe sends the budget."})
    assert changed.status_code == 303 and changed.headers["location"] == f"{url}?done=note_edit"
    page = await intake.client.get(changed.headers["location"])
    assert "Notatet er endret." in page.text
    assert "Called Kari.<br>She sends the budget." in page.text
    assert re.search(r"\(endret \d\d\.\d\d\.\d{4} \d\d:\d\d\)", page.text)
    stored = (await database["cases"].find_one({}))["notes"][0]
    assert stored["text"] == "Called Kari.\nShe sends the budget."
    assert [e["previous"] for e in stored["edits"]] == ["Called Kari."]
    assert (
        stored["edits"][0]["by"] == note["by"] and stored["edited_at"] == stored["edits"][0]["at"]
    )

    unknown = await post(intake, f"{url}/notes/no-such-note", csrf, **{"text-no-such-note": "x"})
    assert unknown.status_code == 404 and 'href="#field-notes"' in unknown.text
    assert "Notatet finnes ikke i denne saken." in unknown.text

    found = await read_envelopes(
        intake.topic, lambda es: len(of_type(es, "intake.note.edited.v1")) == 1
    )
    edited = of_type([e for _, e in found], "intake.note.edited.v1")[0]
    case = await database["cases"].find_one({})
    assert edited.data["note_id"] == note["id"] and edited.subject == case["_id"]
    assert "budget" not in str(edited.data)  # the text stays in intake


async def test_another_s_note_is_not_changed(intake: Intake, database: Any) -> None:
    url, csrf = await open_case(intake, database)  # signed in with the office's key
    assert (await post(intake, f"{url}/notes", csrf, text="The key's note.")).status_code == 303
    note = (await database["cases"].find_one({}))["notes"][0]
    edit, field = f"{url}/notes/{note['id']}", f"text-{note['id']}"

    await add_account(intake, "nordveggen", "sub-per", "Per Rådgiver", "adv-per")
    await sign_in_as_advisor(intake, database, "nordveggen", "sub-per", "adv-per")
    page = await intake.client.get(url)
    assert "The key&#39;s note." in page.text or "The key's note." in page.text
    assert f'action="{edit}"' not in page.text  # no form for another's note
    refused = await post(intake, edit, hidden(page.text, "csrf"), **{field: "Per's text"})
    assert refused.status_code == 403
    assert 'href="#field-notes"' in refused.text
    assert "Du kan bare endre notater du har skrevet selv." in refused.text
    assert (await database["cases"].find_one({}))["notes"][0]["text"] == "The key's note."


async def test_the_api_changes_only_the_caller_s_own_note(intake: Intake, database: Any) -> None:
    mine = {"Authorization": f"Bearer {await intake.key('nordveggen')}"}
    other = {"Authorization": f"Bearer {await intake.key('nordveggen')}"}
    url, _ = await open_case(intake, database)
    case_id = url.rsplit("/", 1)[1]
    added = await intake.client.post(f"/v1/cases/{case_id}/notes", json={"text": "A"}, headers=mine)
    note_id = added.json()["notes"][0]["id"]
    at = f"/v1/cases/{case_id}/notes/{note_id}"
    refused = await intake.client.put(at, json={"text": "B"}, headers=other)
    assert refused.status_code == 403, refused.text
    empty = await intake.client.put(at, json={"text": ""}, headers=mine)
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "text"
    changed = await intake.client.put(at, json={"text": "B"}, headers=mine)
    assert changed.status_code == 200, changed.text
    note = changed.json()["notes"][0]
    assert (note["text"], [e["previous"] for e in note["edits"]]) == ("B", ["A"])
    unknown = await intake.client.put(f"{at}-x", json={"text": "B"}, headers=mine)
    assert unknown.status_code == 404
