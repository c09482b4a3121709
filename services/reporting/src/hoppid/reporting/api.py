"""reporting's HTTP routes, thin: who is calling -> query -> JSON or CSV.

Three read roles: the county (``HOPPID_REPORTING_COUNTY_KEY``: everything, and it issues the
other keys), an office (its own office's figures and drill-down) and a partner (every office's
figures, no drill-down). Every table answers ``?format=csv`` too.
"""

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator

from hoppid.reporting import access, csvout, queries
from hoppid.reporting.context import Context
from hoppid.reporting.model import Period, RuleViolation
from hoppid.reporting.settings import ReportingSettings
from hoppid.shared.problems import problem
from hoppid.shared.tenancy import load_registry

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
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


class IssueKey(BaseModel):
    role: Literal["office", "partner"] = Field(description="office: one office; partner: all")
    office_id: str | None = Field(None, description="The office, for the office role")
    label: str = Field("", max_length=100, description="Who holds the key")

    @model_validator(mode="after")
    def _office_for_office_role(self) -> "IssueKey":
        if (self.role == "office") != bool(self.office_id):
            raise ValueError("office_id is required for the office role and only for it")
        return self


def install(app: FastAPI, ctx: Context, settings: ReportingSettings) -> None:
    app.add_exception_handler(RuleViolation, _rule_problem)
    app.add_exception_handler(PermissionError, _forbidden)
    reader = _reader_dependency(ctx, settings)
    app.include_router(_figures_router(ctx, reader))
    app.include_router(_keys_router(ctx, reader))


async def _rule_problem(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RuleViolation)
    return problem(
        422,
        "Invalid request",
        str(error),
        type_="https://hoppid.no/problems/validation",
        errors=[{"field": error.field, "message": str(error)}],
    )


async def _forbidden(request: Request, error: Exception) -> JSONResponse:
    return problem(403, "Forbidden", str(error))


def _reader_dependency(ctx: Context, settings: ReportingSettings) -> Callable[..., Any]:
    county_key = settings.county_key.get_secret_value()

    async def reader(authorization: Annotated[str | None, Header()] = None) -> access.Reader:
        if not authorization or not authorization.startswith("Bearer "):
            raise HTTPException(401, "a key is required: Authorization: Bearer <key>", _CHALLENGE)
        key = authorization.removeprefix("Bearer ").strip()
        if county_key and access.same(access.digest(key), access.digest(county_key)):
            return access.Reader("county", "county")
        key_id = access.key_id_of(key)
        stored = await ctx.keys.get(key_id) if key_id else None
        if (
            stored is None
            or stored.get("revoked_at")
            or not access.same(stored["hash"], access.digest(key))
        ):
            raise HTTPException(401, "unknown or revoked key", _CHALLENGE)
        return access.Reader(stored["_id"], stored["role"], stored.get("office_id"))

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

    @router.get("/figures", summary="Figures, filtered; one row, or one per office or municipality")
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

    @router.get("/funnel", summary="Of the cases opened in the period, how many got how far")
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

    @router.get("/series", summary="Figures per month or per year, from .. to")
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

    @router.get("/indicators", summary="EU cohesion policy indicators (RCO01, RCO04, RCO05)")
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

    @router.get("/figures/events", summary="Drill down: the event ids behind one figure")
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


def _keys_router(ctx: Context, reader_dep: Callable[..., Any]) -> APIRouter:
    router = APIRouter(prefix="/v1/keys", tags=["keys"])
    Caller = Annotated[access.Reader, Depends(reader_dep)]

    def county_only(caller: access.Reader) -> None:
        if caller.role != "county":
            raise PermissionError("only the county key manages keys")

    @router.post("", status_code=201, summary="Issue an office or partner key (shown once)")
    async def issue(caller: Caller, form: IssueKey) -> dict[str, Any]:
        county_only(caller)
        if form.office_id and form.office_id not in await _known_offices(ctx):
            raise RuleViolation("office_id", f"no office {form.office_id!r}")
        key_id, full, hashed = access.issue()
        await ctx.keys.add(
            {
                "_id": key_id,
                "role": form.role,
                "office_id": form.office_id,
                "label": form.label,
                "hash": hashed,
                "created_at": ctx.now(),
                "revoked_at": None,
            }
        )
        return {"key_id": key_id, "key": full, "role": form.role, "office_id": form.office_id}

    @router.delete("/{key_id}", status_code=204, summary="Revoke a key")
    async def revoke(caller: Caller, key_id: str) -> Response:
        county_only(caller)
        if not await ctx.keys.revoke(key_id, ctx.now()):
            raise HTTPException(404, "no such key")
        return Response(status_code=204)

    return router


async def _known_offices(ctx: Context) -> set[str]:
    store = await ctx.active_store()
    known = {office["_id"] for office in await store.all_offices()}
    return known | {office.id for office in load_registry()}
