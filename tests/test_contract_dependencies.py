"""Consumers depend on the contract packages they read (issue 17): every contract a service's or
a contract package's code imports is a declared dependency of its pyproject.toml, and the shared
library imports none (it knows no service's events)."""

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IMPORT = re.compile(
    r"^\s*(?:from hoppid\.contracts(?:\.(\w+))? import ([\w, ]+)|import hoppid\.contracts\.(\w+))",
    re.M,
)
PRODUCERS = sorted(
    p.name for p in (ROOT / "contracts").iterdir() if (p / "pyproject.toml").exists()
)
PACKAGES = {
    **{f"services/{name}": ROOT / "services" / name for name in PRODUCERS},
    **{f"contracts/{name}": ROOT / "contracts" / name for name in PRODUCERS},
}


def contracts_imported(folder: Path) -> set[str]:
    """The producers whose contract modules the code under ``folder/src`` imports."""
    found: set[str] = set()
    for path in (folder / "src").rglob("*.py"):
        for module, names, plain in IMPORT.findall(path.read_text("utf-8")):
            if module or plain:
                found.add((module or plain).removesuffix("_keys"))
            else:  # from hoppid.contracts import intake as ev, scheduling
                found |= {n.split(" as ")[0].strip() for n in names.split(",")}
    return found


def declared(folder: Path) -> set[str]:
    project = tomllib.loads((folder / "pyproject.toml").read_text("utf-8"))["project"]
    pattern = re.compile(r"^hoppid-(\w+)-contracts$")
    return {m.group(1) for d in project["dependencies"] if (m := pattern.match(d))}


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_a_package_declares_every_contract_it_reads(name: str) -> None:
    folder = PACKAGES[name]
    own = {folder.name} if name.startswith("contracts/") else set()
    assert contracts_imported(folder) - own <= declared(folder)


def test_the_shared_library_reads_no_service_s_contract() -> None:
    assert contracts_imported(ROOT / "shared") == set()
