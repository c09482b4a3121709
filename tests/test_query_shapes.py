"""The query-shape recorder and the index check that make test runs over the services' queries:
the shapes come out right, and a query without an index fails the check."""

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

from hoppid.shared.query_shapes import filter_fields, statements

ROOT = Path(__file__).resolve().parent.parent


def checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "check_query_indexes", ROOT / "scripts/check_query_indexes.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_a_filter_names_its_fields_through_and_or_without_values() -> None:
    selector = {
        "office_id": "nordveggen",
        "$or": [{"status": {"$in": ["open"]}}, {"needs": "grant"}],
        "$and": [{"created_at": {"$gte": 1}}],
    }
    assert filter_fields(selector) == ["created_at", "needs", "office_id", "status"]
    update = {"update": "cases", "updates": [{"q": {"_id": 1}, "u": {}}, {"q": {"a": 2}}]}
    assert [filter_fields(q) for q, _ in statements("update", update)] == [["_id"], ["a"]]
    pipeline = {"pipeline": [{"$match": {"office_id": 1}}, {"$sort": {"start": 1}}]}
    assert [(filter_fields(q), list(s)) for q, s in statements("aggregate", pipeline)] == [
        (["office_id"], ["start"])
    ]


def test_the_check_fails_a_query_no_declared_index_serves(tmp_path: Path) -> None:
    lines = [
        {"declared": "cases", "keys": ["office_id", "status"]},
        {"store": "service", "collection": "cases", "command": "find",
         "filter": ["office_id", "status"], "sort": ["created_at"]},
        {"store": "service", "collection": "cases", "command": "find",
         "filter": ["_id"], "sort": []},
        {"store": "service", "collection": "cases", "command": "find",
         "filter": ["email"], "sort": []},
        {"store": "service", "collection": "cases", "command": "find",
         "filter": [], "sort": []},
    ]  # fmt: skip
    (tmp_path / "intake.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    problems = checker().unserved(tmp_path)
    assert len(problems) == 2
    assert any("filter on [email]" in p for p in problems)
    assert any("filter on []," in p for p in problems)  # a whole-collection read


def test_a_shared_database_counts_the_indexes_made_in_it(tmp_path: Path) -> None:
    """The staff sessions live in the shared vault database; every service makes their
    indexes at start, so a read by expiry is served, and a read by anything else is not."""
    lines = [
        {"declared": "staff_sessions", "keys": ["expires_at"]},
        {"store": "vault", "collection": "staff_sessions", "command": "delete",
         "filter": ["expires_at"], "sort": []},
        {"store": "vault", "collection": "keys", "command": "find", "filter": ["_id"], "sort": []},
        {"store": "vault", "collection": "staff_sessions", "command": "find",
         "filter": ["office_id"], "sort": []},
    ]  # fmt: skip
    (tmp_path / "scheduling.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    problems = checker().unserved(tmp_path)
    assert len(problems) == 1 and "filter on [office_id]" in problems[0]
