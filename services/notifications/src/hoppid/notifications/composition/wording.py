"""Words a template cannot choose itself (templates hold no logic): meeting times in Oslo time,
the meeting's form and name, in nb, nn and en."""

from __future__ import annotations

from datetime import date, datetime

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


JOIN = {"nb": "Bli med i møtet", "nn": "Bli med i møtet", "en": "Join the meeting"}


def join_line(url: str, language: str) -> str:
    """``$join`` in a meeting message: a paragraph with the join link, or nothing."""
    return f"\n\n{JOIN[_lang(language)]}: {url}" if url else ""


PROGRAMMES = {
    "nb": {
        "course": "kurset",
        "growth_programme": "vekstprogrammet",
        "innovation_camp": "innovasjonscampen",
        "school_programme": "skoleprogrammet",
    },
    "nn": {
        "course": "kurset",
        "growth_programme": "vekstprogrammet",
        "innovation_camp": "innovasjonscampen",
        "school_programme": "skuleprogrammet",
    },
    "en": {
        "course": "the course",
        "growth_programme": "the growth programme",
        "innovation_camp": "the innovation camp",
        "school_programme": "the school programme",
    },
}
HALVES = {
    "nb": {"morning": "formiddag", "afternoon": "ettermiddag"},
    "nn": {"morning": "formiddag", "afternoon": "ettermiddag"},
    "en": {"morning": "morning", "afternoon": "afternoon"},
}


def programme(kind: str, language: str) -> str:
    """The programme's kind with its article (events carry no programme title)."""
    return PROGRAMMES[_lang(language)].get(kind, kind)


def oslo_day(day: date, language: str) -> str:
    """E.g. ``tirsdag 03.06.2030`` (a calendar day, already Oslo's)."""
    return f"{WEEKDAYS[_lang(language)][day.weekday()]} {day:%d.%m.%Y}"


def half_day(half: str, language: str) -> str:
    return HALVES[_lang(language)].get(half, half)


MEETING_TYPES = {
    "nb": {"first_guidance": "Veiledningsmøte", "follow_up": "Oppfølgingsmøte"},
    "nn": {"first_guidance": "Rettleiingsmøte", "follow_up": "Oppfølgingsmøte"},
    "en": {"first_guidance": "Guidance meeting", "follow_up": "Follow-up meeting"},
}
CASE_STATUSES = {
    "nb": {
        "new": "ny",
        "contacted": "kontaktet",
        "in_guidance": "i veiledning",
        "company_registered": "selskap registrert",
        "paused": "på pause",
    },
    "nn": {
        "new": "ny",
        "contacted": "kontakta",
        "in_guidance": "i rettleiing",
        "company_registered": "selskap registrert",
        "paused": "på pause",
    },
    "en": {
        "new": "new",
        "contacted": "contacted",
        "in_guidance": "in guidance",
        "company_registered": "company registered",
        "paused": "paused",
    },
}
NONE = {
    "meetings": {"nb": "Ingen møter.", "nn": "Ingen møte.", "en": "No meetings."},
    "cases": {"nb": "Ingen åpne saker.", "nn": "Ingen opne saker.", "en": "No open cases."},
}


def meeting_type(value: str, language: str) -> str:
    return MEETING_TYPES[_lang(language)].get(value, MEETING[_lang(language)])


def case_status(value: str, language: str) -> str:
    return CASE_STATUSES[_lang(language)].get(value, value)


def nothing(what: str, language: str) -> str:
    """The line a digest shows for an empty list ("meetings" or "cases")."""
    return NONE[what][_lang(language)]


def clock(start: datetime, end: datetime | None) -> str:
    """``10:00-11:00`` in Oslo time."""
    local = f"{start.astimezone(OSLO):%H:%M}"
    return f"{local}-{end.astimezone(OSLO):%H:%M}" if end else local
