"""Every query the services made during the tests has a declared index (issue 12, GUIDE.md 5).

Reads the query shapes the services recorded (``HOPPID_MONGODB_QUERY_LOG``, see
hoppid.shared.query_shapes): for each service, the indexes it declares and each distinct
(collection, filter fields, sort) it sent. A shape is served when an index's first key is one of
its filter fields (``_id`` always is indexed), or, for a query without a filter, when it sorts by
an index's first key. A shape served by none fails the check, unless it is a whole-collection
read listed below with the reason it stays small or rare. Usage:
    check_query_indexes.py <folder with <service>.jsonl files>
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

# reporting keeps its read models in versions (v1_cells, v2_cells, ...): one name for them all
VERSIONED = re.compile(r"^v\d+_")

# (service, collection, filter fields) read without an index on purpose, and why it stays small
UNINDEXED = {
    ("*", "outbox_relay", ""): "the relay's own bookkeeping: one document per collection",
    ("reporting", "v*_offices", ""): "one document per office",
    ("reporting", "v*_cells", ""): "the all-time figures: a cell per office, month and figure "
    "kind, so it grows with months, not with cases",
    ("scheduling", "programmes", "kind"): "programmes open to people (kind $ne school): a few "
    "per office and year, and $ne would read most of an index anyway",
    # A known gap (issue 12): the all-time waiting-time figure reads every case that had a
    # meeting; it grows with the county and should become an incrementally kept figure.
    ("reporting", "v*_cases", "meetings"): "KNOWN GAP: the all-time waiting time",
}
# A one-time pass at the first start after an upgrade (hoppid.shared.outbox backfill) looks for
# entries written before the pending marker existed: it scans once, then records it is done.
ONE_TIME = {("*", "outbox.0")}


def load(path: Path) -> tuple[dict[str, list[list[str]]], set[tuple[str, ...]]]:
    declared: dict[str, list[list[str]]] = defaultdict(list)
    shapes: set[tuple[str, ...]] = set()
    for line in path.read_text("utf-8").splitlines():
        record: dict[str, Any] = json.loads(line)
        if "declared" in record:
            declared[VERSIONED.sub("v*_", record["declared"])].append(record["keys"])
        else:
            shapes.add(
                (
                    record["store"],
                    VERSIONED.sub("v*_", record["collection"]),
                    ",".join(record["filter"]),
                    ",".join(record["sort"]),
                )
            )
    return declared, shapes


def served(shape: tuple[str, ...], indexes: list[list[str]], service: str) -> bool:
    _, collection, filter_text, sort_text = shape
    fields = set(filter_text.split(",")) - {""}
    sort = [field for field in sort_text.split(",") if field]
    if "_id" in fields or any(keys[0] in fields for keys in indexes):
        return True
    if any(("*", field) in ONE_TIME for field in fields):
        return True
    if not fields and sort and (sort[0] == "_id" or any(keys[0] == sort[0] for keys in indexes)):
        return True
    return any((who, collection, filter_text) in UNINDEXED for who in (service, "*"))


def unserved(folder: Path) -> list[str]:
    problems = []
    for path in sorted(folder.glob("*.jsonl")):
        service = path.stem
        declared, shapes = load(path)
        for shape in sorted(shapes):
            store, collection, filter_text, sort_text = shape
            # a shared database (the vault: one key per person, read and written by _id; the
            # staff sessions, whose indexes every service makes at start) counts its own
            # indexes like a service's
            indexes = declared.get(collection, [])
            if not served(shape, indexes, service):
                problems.append(
                    f"{service}: {store} collection {collection!r}, filter on [{filter_text}]"
                    f", sort by [{sort_text}]: no declared index serves it"
                )
    return problems


def main() -> int:
    folder = Path(sys.argv[1])
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        print(f"check_query_indexes: no query shapes recorded in {folder}", file=sys.stderr)
        return 1
    problems = unserved(folder)
    shapes = sum(len(load(path)[1]) for path in files)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(
        f"check_query_indexes: {shapes} query shapes of {len(files)} services, "
        f"{len(problems)} without an index"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
