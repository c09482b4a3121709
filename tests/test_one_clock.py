"""Only hoppid.shared.clock reads the system clock: everything else gets a clock injected or
calls ``real_now``, so tests can set the time they mean (issue 18)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLOCK = ROOT / "shared/src/hoppid/shared/clock.py"
# reads of the wall clock; time.monotonic() and loop.time() measure intervals and stay allowed
WALL_CLOCK = re.compile(r"datetime\.now\(|datetime\.utcnow\(|date\.today\(|time\.time\(\)")


def sources() -> list[Path]:
    found = sorted((ROOT / "shared/src").rglob("*.py"))
    found += sorted((ROOT / "services").glob("*/src/**/*.py"))
    return [path for path in found if path != CLOCK]


def test_only_the_clock_module_reads_the_wall_clock() -> None:
    readers = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources()
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if WALL_CLOCK.search(line)
    ]
    assert len(sources()) > 50  # the walk found the code
    assert readers == [], "read the time through hoppid.shared.clock:\n" + "\n".join(readers)
