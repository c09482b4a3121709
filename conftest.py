# Fixtures shared by the tests of every workspace member (real stack addresses, unique names).
from fnmatch import fnmatch
from pathlib import PurePosixPath

import pytest

pytest_plugins = ["hoppid.shared.testing"]

# Where the tests that need the running stack (Kafka, the store, the SMTP sink, the services
# as processes) live. `pytest -m "not integration and not browser"` is the fast lane without
# them: markers by place here, so no test file has to remember its own.
STACK_FOLDERS = ("services/*/tests/integration", "shared/tests/integration", "tests/journeys")
BROWSER_FOLDER = "tests/browser"
# tests elsewhere that start servers of their own (a broker, a side stack) or the services on
# the stack (tests/test_bad_settings.py starts services that must refuse to start: no stack)
STACK_FILES = frozenset(
    {
        "tests/test_kafka_acls.py",
        "tests/test_readiness_outage.py",
        "tests/test_services_answer.py",
    }
)
# the shared fixtures that reach a server: a test asking for one needs the stack wherever it is
STACK_FIXTURES = frozenset({"mongo", "database", "topic_prefix"})


def needs_stack(where: PurePosixPath, fixtures: frozenset[str]) -> bool:
    in_folder = any(fnmatch(where.as_posix(), f"{folder}/*") for folder in STACK_FOLDERS)
    return in_folder or where.as_posix() in STACK_FILES or bool(fixtures & STACK_FIXTURES)


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        where = PurePosixPath(item.path.relative_to(config.rootpath).as_posix())
        browser = where.is_relative_to(BROWSER_FOLDER)
        if browser or needs_stack(where, frozenset(getattr(item, "fixturenames", ()))):
            item.add_marker(pytest.mark.integration)  # the pages run on the stack too
        if browser:
            item.add_marker(pytest.mark.browser)
