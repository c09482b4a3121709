"""What a rebuild continues from, read from the checkpoint a stopped one left."""

from typing import Any

from aiokafka import TopicPartition

from hoppid.reporting.rebuild.replay import Replay, Windows, _encode, _furthest
from hoppid.reporting.rebuild.store import RebuildStore
from hoppid.reporting.settings import ReportingSettings

A, B = TopicPartition("hoppid.intake", 0), TopicPartition("hoppid.intake", 1)


def windows() -> Windows:
    store = RebuildStore(None, 2, max_held=1_000)  # type: ignore[arg-type]  # no store needed
    replay = Replay(None, store, frozenset())  # type: ignore[arg-type]
    settings = ReportingSettings.model_construct(rebuild_flush_events=10)
    return Windows(replay, store, None, settings, {})  # type: ignore[arg-type]


def test_a_checkpoint_goes_on_from_its_offsets_and_counts() -> None:
    w = windows()
    checkpoint: dict[str, Any] = {
        "version": 2,
        "offsets": _encode({A: 40, B: 7}),
        "events": 45,
        "skipped": 2,
        "documents": 300,
    }
    w.resume(checkpoint)
    assert w.reached == {A: 40, B: 7}
    outcome = w.replay.outcome
    assert (outcome.events, outcome.skipped, outcome.documents, outcome.resumed) == (
        45,
        2,
        300,
        True,
    )
    assert not w.store.verify_owners and w.verify_until is None


def test_a_stop_during_the_first_write_starts_over_checking_claims_owners() -> None:
    w = windows()
    w.resume({"version": 2, "flushing": _encode({A: 12})})
    assert w.reached == {}  # from the beginning
    assert w.store.verify_owners and w.verify_until == {A: 12}
    assert w.saved["offsets"] == [] and w.saved["events"] == 0


def test_a_write_covers_the_furthest_of_its_own_and_an_earlier_stopped_one() -> None:
    assert _furthest({A: 5, B: 9}, {A: 12}) == {A: 12, B: 9}
