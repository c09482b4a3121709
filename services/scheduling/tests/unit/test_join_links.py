"""A digital meeting's join link: the office's pattern with a fresh random part, else its room."""

import pytest
from pydantic import ValidationError

from hoppid.scheduling.meetings import join_links
from hoppid.scheduling.offices import forms

OFFICE = {"_id": "nordveggen", "settings": {"join_link_pattern": None, "video_link": None}}


def with_settings(**settings: str | None) -> dict[str, object]:
    return {**OFFICE, "settings": {**OFFICE["settings"], **settings}}  # type: ignore[dict-item]


def test_a_pattern_gives_each_meeting_its_own_unguessable_room() -> None:
    office = with_settings(join_link_pattern="https://meet.jit.si/hoppid-{office}-{token}")
    first, second = join_links.make(office, "digital"), join_links.make(office, "digital")
    assert first is not None and second is not None and first != second
    assert first.startswith("https://meet.jit.si/hoppid-nordveggen-")
    token = first.removeprefix("https://meet.jit.si/hoppid-nordveggen-")
    assert len(token) == 24 and token.isalnum() and token.lower() == token  # 120 random bits
    fixed = join_links.make(office, "digital", token=lambda: "t0k3n")
    assert fixed == "https://meet.jit.si/hoppid-nordveggen-t0k3n"


def test_without_a_pattern_the_static_room_and_at_the_office_no_link() -> None:
    room = with_settings(video_link="https://video.example/nv")
    assert join_links.make(room, "digital") == "https://video.example/nv"
    assert join_links.make(room, "in_person") is None
    assert join_links.make(OFFICE, "digital") is None
    both = with_settings(
        video_link="https://video.example/nv", join_link_pattern="https://w.example/{token}"
    )
    assert join_links.make(both, "digital", token=lambda: "x") == "https://w.example/x"


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("https://meet.jit.si/hoppid-{office}", "{token}"),
        ("https://meet.jit.si/{room}-{token}", "unknown placeholder {room}"),
        ("https://meet.jit.si/{token}}", "brace"),
        ("http://meet.jit.si/{token}", "pattern"),
    ],
)
def test_a_bad_pattern_is_refused_naming_the_field(pattern: str, why: str) -> None:
    with pytest.raises(ValidationError) as raised:
        forms.OfficeSettings(join_link_pattern=pattern)
    (error,) = raised.value.errors()
    assert error["loc"] == ("join_link_pattern",)
    assert why in error["msg"]
