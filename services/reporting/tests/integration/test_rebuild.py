"""A full rebuild from the topics gives exactly the live projection's figures, then goes on live."""

from typing import Any

from reporting_support import (
    COUNTY_2026,
    Reporting,
    Script,
    drained,
    produce,
    reporting_env,
    run_rebuild,
    scenario,
    subset,
)

VIEWS: list[tuple[str, dict[str, str]]] = [
    ("/v1/figures", {}),
    ("/v1/figures", {"period": "2026"}),
    ("/v1/figures", {"period": "2026", "group_by": "office"}),
    ("/v1/figures", {"period": "2026", "group_by": "municipality"}),
    ("/v1/figures", {"period": "2026-05", "group_by": "office"}),
    ("/v1/figures", {"office": "nordveggen", "municipality": "1539", "period": "2026"}),
    ("/v1/funnel", {"period": "2026"}),
    ("/v1/indicators", {"period": "2026"}),
    ("/v1/indicators", {"office": "alesund"}),
    ("/v1/series", {"from": "2025-01", "to": "2026-12"}),
    ("/v1/series", {"from": "2025", "to": "2026"}),
]


async def everything(reporting: Reporting) -> list[Any]:
    return [await reporting.get(path, **params) for path, params in VIEWS]


async def test_rebuild_gives_the_live_figures_and_switches_over(
    reporting: Reporting, unique: str, database: Any
) -> None:
    stream, _ = scenario()
    await produce(reporting.intake_topic, stream)
    await drained(reporting.prefix, reporting.intake_topic)
    live = await everything(reporting)
    assert subset(live[1][0], COUNTY_2026) == COUNTY_2026

    outcome = (await run_rebuild(reporting_env(reporting.prefix, unique)))["rebuilt"]
    assert (outcome["version"], outcome["previous"]) == (2, 1)
    assert outcome["events"] == len(stream)
    state = await database["projection_state"].find_one({"_id": "projections"})
    assert state["active"] == 2
    assert await everything(reporting) == live

    # the live service goes on projecting, now into the new version
    s = Script()
    await produce(
        reporting.intake_topic,
        [s.opened("case-n", "person-new", "molde", "1506", "2026-11-20T10:00")],
    )
    await drained(reporting.prefix, reporting.intake_topic)
    [county] = await reporting.get("/v1/figures", period="2026")
    assert (county["inquiries"], county["people_served"]) == (6, 4)
    assert await database["v2_cells"].count_documents({}) > 0

    again = (await run_rebuild(reporting_env(reporting.prefix, unique)))["rebuilt"]
    assert (again["version"], again["previous"]) == (3, 2)
    [county] = await reporting.get("/v1/figures", period="2026")
    assert (county["inquiries"], county["people_served"]) == (6, 4)
    names = await database.list_collection_names()
    assert not [name for name in names if name.startswith("v1_")]  # older than previous: gone


async def test_rebuild_while_events_keep_coming_loses_and_doubles_nothing(
    reporting: Reporting, unique: str
) -> None:
    import asyncio

    s = Script()
    first = [
        s.opened(f"case-{n}", f"person-{n % 7}", "molde", "1506", "2026-10-01T10:00")
        for n in range(40)
    ]
    later = [
        s.opened(f"case-{n}", f"person-{n % 7}", "alesund", "1508", "2026-10-02T10:00")
        for n in range(40, 100)
    ]
    await produce(reporting.intake_topic, first)

    async def trickle() -> None:
        for envelope in later:
            await produce(reporting.intake_topic, [envelope, envelope])
            await asyncio.sleep(0.02)

    rebuilt, _ = await asyncio.gather(
        run_rebuild(reporting_env(reporting.prefix, unique)), trickle()
    )
    assert rebuilt["rebuilt"]["version"] == 2
    await drained(reporting.prefix, reporting.intake_topic)
    [county] = await reporting.get("/v1/figures", period="2026-10")
    assert (county["inquiries"], county["people_served"]) == (100, 7)
    offices = {r["office"]: r for r in await reporting.get("/v1/figures", group_by="office")}
    assert (offices["molde"]["inquiries"], offices["alesund"]["inquiries"]) == (40, 60)
