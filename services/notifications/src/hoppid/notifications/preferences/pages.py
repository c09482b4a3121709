"""The person's message preferences, through their signed link: non-essential messages on or
off per channel. The same verification and the same domain code as the JSON API (api.py,
choices.py); service messages always go, and the page says so."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hoppid.notifications.context import Context
from hoppid.notifications.preferences import choices as preferences
from hoppid.notifications.settings import NotificationsSettings
from hoppid.shared.links import PREFERENCES
from hoppid.shared.person_links import linked_person
from hoppid.shared.web import Pages

FIELD = "non_essential"


def router(pages: Pages, settings: NotificationsSettings, context: Context) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    secret = settings.link_secret.get_secret_value()

    async def person_of(token: str) -> str | None:
        """The person behind a valid link (as the JSON API checks it); None otherwise."""
        erased_here = context.store.person_erased
        return await linked_person(
            secret, token, context.now(), context.vault, erased_here, PREFERENCES
        )

    @router.get("/pages/me/{token}/preferences")
    async def show(request: Request, token: str) -> Response:
        person = await person_of(token)
        if person is None:
            return _invalid(pages, request)
        allowed = await preferences.of_person(context.store, person)
        return _page(pages, request, token, allowed.model_dump(), 200, {})

    @router.post("/pages/me/{token}/preferences")
    async def change(request: Request, token: str) -> Response:
        form = await pages.form(request)  # CSRF first: a 403 page when it fails
        person = await person_of(token)
        if person is None:
            return _invalid(pages, request)
        chosen = [str(value) for value in form.getlist(FIELD)]
        if any(value not in preferences.CHANNELS for value in chosen):
            allowed: dict[str, bool] = {c: c in chosen for c in preferences.CHANNELS}
            return _page(pages, request, token, allowed, 422, {FIELD: "prefs_unknown_channel"})
        wanted = preferences.NonEssential(
            email="email" in chosen,
            sms="sms" in chosen,
        )
        await preferences.save(
            context.store, person, preferences.PreferencesForm(non_essential=wanted)
        )
        return pages.redirect(f"/pages/me/{token}/preferences?saved=1")

    return router


def _page(
    pages: Pages,
    request: Request,
    token: str,
    allowed: Mapping[str, bool],
    status: int,
    errors: dict[str, str],
) -> Response:
    return pages.render(
        request,
        "preferences.html",
        status=status,
        errors=errors,
        token=token,
        chosen=[channel for channel, on in allowed.items() if on],
        channels=preferences.CHANNELS,
        saved=request.query_params.get("saved") == "1" and status == 200,
    )


def _invalid(pages: Pages, request: Request) -> Response:
    return pages.render(request, "error.html", status=404, message_key="link_invalid")
