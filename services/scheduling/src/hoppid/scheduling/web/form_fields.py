"""Reading a posted page form: a text field as typed (stripped), and rows of fields named
``<prefix>-<i>-<name>`` (a working window, an absence, an opening hour), as many as were posted."""

from __future__ import annotations

from starlette.datastructures import FormData

MOST_ROWS = 60  # beyond any form's own limits (50 windows): the rest is not read


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def rows(form: FormData, prefix: str, names: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows ``<prefix>-0-…``, ``<prefix>-1-…`` up to the first not posted, as typed."""
    found = []
    for index in range(MOST_ROWS):
        if not any(f"{prefix}-{index}-{name}" in form for name in names):
            break
        found.append({name: text(form, f"{prefix}-{index}-{name}") for name in names})
    return found


def given(row: dict[str, str]) -> dict[str, str]:
    """The row's fields that were filled in: an empty field counts as not given."""
    return {k: v for k, v in row.items() if v}
