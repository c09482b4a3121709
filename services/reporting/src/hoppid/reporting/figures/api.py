"""The figures' JSON routes, thin: who is calling -> query -> JSON or CSV.

Callers use the platform's staff keys (issued by intake, accepted through the shared key ring);
access.py turns them into three read roles: the county (everything), an office (its own office's
figures and drill-down) and a partner (every office's figures, no drill-down). Every table
answers ``?format=csv`` too.
"""

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from hoppid.reporting import access
from hoppid.reporting.context import Context
from hoppid.reporting.figures import csvout, queries
from hoppid.reporting.figures.model import Period
from hoppid.shared.access import Staff

OfficeParam = Annotated[
    str | None, Query(pattern=r"^[a-z0-9][a-z0-9-]{1,40}$", description="Office id")
]
MunicipalityParam = Annotated[
    str | None, Query(pattern=r"^\d{4}$", description="Municipality number, e.g. 1539")
]
PeriodParam = Annotated[
    str | None, Query(max_length=7, description="Year (2026) or month (2026-11); empty: all time")
]
Format = Literal["json", "csv"]
# every table answers ?format=csv too: say so in the OpenAPI
CSV_TOO: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}


def router(ctx: Context) -> APIRouter:
    """/v1/figures, /v1/funnel, /v1/series, /v1/indicators and /v1/figures/events."""
    return _figures_router(ctx, _reader_dependency(ctx))


def _reader_dependency(ctx: Context) -> Callable[..., Any]:
    staff = ctx.keys.dependency()  # 401 without a known, unrevoked platform key

    async def reader(caller: Annotated[Staff, Depends(staff)]) -> access.Reader:
        return access.reader_of(caller)

    return reader


def _table(rows: list[dict[str, Any]], form: Format, name: str) -> Any:
    return csvout.response(rows, name) if form == "csv" else rows


def _figures_router(ctx: Context, reader_dep: Callable[..., Any]) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["figures"])
    Caller = Annotated[access.Reader, Depends(reader_dep)]

    def where(
        caller: access.Reader, office: str | None, municipality: str | None, period: str | None
    ) -> queries.Filter:
        return queries.Filter(caller.office_filter(office), municipality, Period.parse(period))

    @router.get(
        "/figures",
        summary="Figures, filtered; one row, or one per office or municipality",
        responses=CSV_TOO,
    )
    async def figures(
        caller: Caller,
        office: OfficeParam = None,
        municipality: MunicipalityParam = None,
        period: PeriodParam = None,
        group_by: queries.GroupBy = "none",
        format: Format = "json",
    ) -> Any:
        store = await ctx.active_store()
        rows = await queries.figures(store, where(caller, office, municipality, period), group_by)
        return _table(rows, format, "figures")

    @router.get(
        "/funnel",
        summary="Of the cases opened in the period, how many got how far",
        responses=CSV_TOO,
    )
    async def funnel(
        caller: Caller,
        office: OfficeParam = None,
        municipality: MunicipalityParam = None,
        period: PeriodParam = None,
        format: Format = "json",
    ) -> Any:
        store = await ctx.active_store()
        rows = await queries.funnel(store, where(caller, office, municipality, period))
        return _table(rows, format, "funnel")

    @router.get("/series", summary="Figures per month or per year, from .. to", responses=CSV_TOO)
    async def series(
        caller: Caller,
        first: Annotated[str, Query(alias="from", max_length=7, description="2026-01 or 2026")],
        last: Annotated[str, Query(alias="to", max_length=7, description="2026-12 or 2026")],
        office: OfficeParam = None,
        municipality: MunicipalityParam = None,
        format: Format = "json",
    ) -> Any:
        store = await ctx.active_store()
        base = where(caller, office, municipality, None)
        rows = await queries.series(
            store, base, Period.parse(first, "from"), Period.parse(last, "to")
        )
        return _table(rows, format, "series")

    @router.get(
        "/indicators",
        summary="EU cohesion policy indicators (RCO01, RCO04, RCO05)",
        responses=CSV_TOO,
    )
    async def indicators(
        caller: Caller,
        office: OfficeParam = None,
        municipality: MunicipalityParam = None,
        period: PeriodParam = None,
        format: Format = "json",
    ) -> Any:
        store = await ctx.active_store()
        rows = await queries.indicators(store, where(caller, office, municipality, period))
        return _table(rows, format, "indicators")

    @router.get(
        "/figures/events", summary="Drill down: the event ids behind one figure", responses=CSV_TOO
    )
    async def drill_down(
        caller: Caller,
        figure: Annotated[str, Query(max_length=60)],
        office: OfficeParam = None,
        municipality: MunicipalityParam = None,
        period: PeriodParam = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
        format: Format = "json",
    ) -> Any:
        if not caller.may_drill_down:
            raise PermissionError("drill-down is for the county and the offices")
        store = await ctx.active_store()
        found = await queries.drill_down(
            store, where(caller, office, municipality, period), figure, limit
        )
        if format == "csv":
            rows = [{"figure": figure, "event_id": event} for event in found["event_ids"]]
            return csvout.response(rows, f"events-{figure}")
        return found

    return router
