"""Words a template cannot choose itself (templates hold no logic): meeting times in Oslo time,
the meeting's form and name, in nb, nn and en."""

from __future__ import annotations

from datetime import datetime

from hoppid.notifications.model import DEFAULT_LANGUAGE, OSLO

WEEKDAYS = {
    "nb": ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"),
    "nn": ("måndag", "tysdag", "onsdag", "torsdag", "fredag", "laurdag", "sundag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
AT = {"nb": "kl.", "nn": "kl.", "en": "at"}
MODES = {
    "nb": {"in_person": "på kontoret", "digital": "digitalt (video)"},
    "nn": {"in_person": "på kontoret", "digital": "digitalt (video)"},
    "en": {"in_person": "at the office", "digital": "online (video)"},
}
MEETING = {"nb": "Veiledningsmøte", "nn": "Rettleiingsmøte", "en": "Guidance meeting"}
VIDEO = {"nb": "Video", "nn": "Video", "en": "Video"}


def _lang(language: str) -> str:
    return language if language in WEEKDAYS else DEFAULT_LANGUAGE


def oslo_time(start: datetime, end: datetime | None, language: str) -> str:
    """E.g. ``tirsdag 03.06.2025 kl. 10:00-11:00`` in Europe/Oslo, whatever the season."""
    lang = _lang(language)
    local = start.astimezone(OSLO)
    day = f"{WEEKDAYS[lang][local.weekday()]} {local:%d.%m.%Y} {AT[lang]} {local:%H:%M}"
    if end is None:
        return day
    return f"{day}-{end.astimezone(OSLO):%H:%M}"


def mode(value: str, language: str) -> str:
    return MODES[_lang(language)].get(value, value)


def meeting_summary(office_name: str, language: str) -> str:
    return f"{MEETING[_lang(language)]}: {office_name}"


def location(mode_value: str, office_name: str, language: str) -> str:
    return office_name if mode_value == "in_person" else VIDEO[_lang(language)]
