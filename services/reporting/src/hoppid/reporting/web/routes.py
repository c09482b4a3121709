"""reporting's pages: the signed-in office's figures, and every office's figures with charts
for the county and partners, with CSV downloads served on the browser session.

Pages call the same queries as the JSON API (figures/queries.py) through the same read roles
(access.py): an office key only ever sees its own office.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hoppid.reporting import access
from hoppid.reporting.context import Context
from hoppid.reporting.figures import csvout, queries
from hoppid.reporting.figures.model import Period
from hoppid.reporting.web import filters, views
from hoppid.shared.access import Staff
from hoppid.shared.clock import real_now
from hoppid.shared.web import Pages

Table = Literal["figures", "offices", "funnel", "series"]


def router(pages: Pages, ctx: Context) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/pages/staff")
    async def staff_home() -> Response:
        return pages.redirect("/pages/staff/figures")

    @router.get("/pages/staff/figures")
    async def office_figures(request: Request) -> Response:
        staff = await pages.signed_in(request)
        reader, chosen = _reader(staff), filters.read(request.query_params)
        allowed, office = _office_of(reader, chosen)
        if reader is None or not allowed:
            return _forbidden(pages, request, staff)
        store = await ctx.active_store()
        page = {
            "reader": reader,
            "offices": await filters.office_options(store) if reader.role != "office" else [],
            "municipalities": filters.municipality_options(),
        }
        if chosen.errors:
            return _render(pages, request, "figures_office.html", staff, 422, chosen, **page)
        where = queries.Filter(office, chosen.municipality, chosen.period)
        t, lang = pages.texts.translator(pages.language(request)), pages.language(request)
        [row] = await queries.figures(store, where, "none")
        return _render(
            pages,
            request,
            "figures_office.html",
            staff,
            200,
            chosen,
            **page,
            row=row,
            table=views.figure_table(row, t, lang),
            funnel=views.funnel(await queries.funnel(store, where), t, lang),
            series=views.series(await _series(ctx, where), t, lang),
        )

    @router.get("/pages/figures")
    async def all_figures(request: Request) -> Response:
        staff = await pages.signed_in(request)
        reader, chosen = _reader(staff), filters.read(request.query_params)
        if reader is None or reader.role == "office":
            return _forbidden(pages, request, staff)
        t, lang = pages.texts.translator(pages.language(request)), pages.language(request)
        page = {
            "municipalities": filters.municipality_options(),
            "measure_options": [(name, t(f"fig_{name}")) for name in filters.MEASURES],
        }
        if chosen.errors:
            return _render(pages, request, "figures_all.html", staff, 422, chosen, **page)
        store = await ctx.active_store()
        where = queries.Filter(None, chosen.municipality, chosen.period)
        offices = await queries.figures(store, where, "office")
        return _render(
            pages,
            request,
            "figures_all.html",
            staff,
            200,
            chosen,
            **page,
            comparison=views.comparison(offices, chosen.measure, t, lang),
            funnel=views.funnel(await queries.funnel(store, where), t, lang),
            series=views.series(await _series(ctx, where), t, lang),
        )

    @router.get("/pages/figures/{table}.csv")
    async def download(request: Request, table: Table) -> Response:
        """The same CSV as ``/v1/...?format=csv``, on the browser's session instead of a key."""
        staff = await pages.signed_in(request)
        reader, chosen = _reader(staff), filters.read(request.query_params)
        allowed, office = _office_of(reader, chosen)
        if reader is None or not allowed:
            return _forbidden(pages, request, staff)
        if chosen.errors:
            return pages.render(
                request, "error.html", status=422, staff=staff, message_key="filter_invalid"
            )
        store = await ctx.active_store()
        where = queries.Filter(office, chosen.municipality, chosen.period)
        if table == "funnel":
            rows = await queries.funnel(store, where)
        elif table == "series":
            rows = await _series(ctx, where)
        else:
            rows = await queries.figures(store, where, "office" if table == "offices" else "none")
        return csvout.response(rows, table)

    return router


def _reader(staff: Staff) -> access.Reader | None:
    try:
        return access.reader_of(staff)
    except PermissionError:
        return None


def _office_of(reader: access.Reader | None, chosen: filters.Chosen) -> tuple[bool, str | None]:
    """Whether this key may see the chosen office, and the office it covers (None: all)."""
    if reader is None:
        return False, None
    try:
        return True, reader.office_filter(chosen.office)
    except PermissionError:
        return False, None


async def _series(ctx: Context, where: queries.Filter) -> list[queries.Row]:
    first, last = filters.series_months(where.period, real_now())
    store = await ctx.active_store()
    return await queries.series(store, replace(where, period=Period()), first, last)


def _forbidden(pages: Pages, request: Request, staff: Staff) -> Response:
    return pages.render(
        request, "error.html", status=403, staff=staff, message_key="figures_forbidden"
    )


def _render(
    pages: Pages,
    request: Request,
    template: str,
    staff: Staff,
    status: int,
    chosen: filters.Chosen,
    **context: object,
) -> Response:
    return pages.render(
        request,
        template,
        status=status,
        staff=staff,
        errors=chosen.errors,
        values=chosen.form_values(),
        csv_query=_csv_query(chosen),
        **context,
    )


def _csv_query(chosen: filters.Chosen) -> str:
    kept = {k: v for k, v in chosen.form_values().items() if v and k != "measure"}
    return f"?{urlencode(kept)}" if kept else ""
