"""The store out of reach is a 503 with Retry-After for HTTP and a retry for consumers; a bad
command stays a 500 (HTTP) and poison (consumers). tests/journeys/test_store_outage.py proves
it against the real store going away."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pymongo.errors import (
    AutoReconnect,
    DuplicateKeyError,
    NetworkTimeout,
    OperationFailure,
    ServerSelectionTimeoutError,
)

from hoppid.shared.consumer import transient
from hoppid.shared.mongo import is_duplicate_key, store_unavailable
from hoppid.shared.problems import install_problem_handlers

# what FerretDB answers while the PostgreSQL behind it is down (code 1, InternalError)
POSTGRES_DOWN = OperationFailure(
    "failed to connect to `user=postgres database=ferretdb`: connection refused",
    code=1,
    details={"ok": 0.0, "code": 1, "codeName": "InternalError"},
)
BAD_COMMAND = OperationFailure("unknown operator: $nope", code=2)
# what FerretDB 1.24 answers an update (update_one, find_one_and_update, replace_one) that would
# break a unique index: code 1 as well, with PostgreSQL's unique_violation in the message
# (shared/tests/integration/test_duplicate_key.py gets it from the real store)
FERRETDB_UPDATE_DUPLICATE_MESSAGE = (
    "[msg_update.go:133 handler.(*Handler).updateDocument] [update.go:132 common.UpdateDocument]"
    " [collection.go:261 postgresql.(*collection).UpdateAll] [collection.go:249"
    " postgresql.(*collection).UpdateAll.func1] ERROR: duplicate key value violates unique"
    ' constraint "t_f10c3da3_uk_5e4335a1_idx" (SQLSTATE 23505)'
)
FERRETDB_UPDATE_DUPLICATE = OperationFailure(
    FERRETDB_UPDATE_DUPLICATE_MESSAGE,
    code=1,
    details={
        "ok": 0.0,
        "errmsg": FERRETDB_UPDATE_DUPLICATE_MESSAGE,
        "code": 1,
        "codeName": "InternalError",
    },
)
ERRORS = {
    "selection": ServerSelectionTimeoutError("127.0.0.1:27017: connection refused"),
    "reconnect": AutoReconnect("connection closed"),
    "timeout": NetworkTimeout("timed out"),
    "postgres": POSTGRES_DOWN,
    "bad": BAD_COMMAND,
    "duplicate": DuplicateKeyError("E11000 duplicate key", code=11000),
    "update_duplicate": FERRETDB_UPDATE_DUPLICATE,
}
NOT_UNAVAILABLE = ("bad", "duplicate", "update_duplicate")


def make_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app, store_retry_after_seconds=7)

    @app.get("/fail/{name}")
    async def fail(name: str) -> None:
        raise ERRORS[name]

    return app


def test_store_out_of_reach_is_503_with_retry_after_as_problem_json() -> None:
    client = TestClient(make_app(), raise_server_exceptions=False)
    for name in ("selection", "reconnect", "timeout", "postgres"):
        response = client.get(f"/fail/{name}")
        assert response.status_code == 503, name
        assert response.headers["retry-after"] == "7", name
        assert response.headers["content-type"] == "application/problem+json", name
        body = response.json()
        assert body["status"] == 503 and body["type"].endswith("/store-unavailable"), name
        assert "postgres" not in response.text and "127.0.0.1" not in response.text  # no internals


def test_a_bad_command_stays_a_500_without_internals() -> None:
    client = TestClient(make_app(), raise_server_exceptions=False)
    for name in NOT_UNAVAILABLE:
        response = client.get(f"/fail/{name}")
        assert response.status_code == 500, name
        assert "retry-after" not in response.headers
        assert "$nope" not in response.text and "E11000" not in response.text
        assert "SQLSTATE" not in response.text


def test_consumers_retry_an_unreachable_store_and_never_dead_letter_it() -> None:
    for name in ("selection", "reconnect", "timeout", "postgres"):
        assert store_unavailable(ERRORS[name]) and transient(ERRORS[name]), name
    for name in NOT_UNAVAILABLE:
        assert not store_unavailable(ERRORS[name]) and not transient(ERRORS[name]), name
    assert not transient(ValueError("invalid data"))


def test_a_duplicate_key_is_known_on_either_store_and_a_store_down_is_not_one() -> None:
    assert is_duplicate_key(DuplicateKeyError("E11000 duplicate key", code=11000))
    # a command's answer (findAndModify) with MongoDB's code, however the driver classes it
    assert is_duplicate_key(OperationFailure("E11000 duplicate key", code=11000))
    assert is_duplicate_key(FERRETDB_UPDATE_DUPLICATE)
    # PostgreSQL in another language: the SQLSTATE is the same
    translated = "ERROR: doppelter Schlüsselwert verletzt Unique-Constraint (SQLSTATE 23505)"
    assert is_duplicate_key(OperationFailure(translated, code=1))
    assert not is_duplicate_key(POSTGRES_DOWN)
    assert not is_duplicate_key(BAD_COMMAND)
    # the same text under another code is not FerretDB's answer
    assert not is_duplicate_key(OperationFailure(FERRETDB_UPDATE_DUPLICATE_MESSAGE, code=2))
