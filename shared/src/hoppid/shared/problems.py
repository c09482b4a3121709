"""RFC 9457 problem details for every HTTP error, naming the field that is wrong.

Bad input is the client's to fix: 422 with one entry per field. The store out of reach is
nobody's fault and passes: 503 with Retry-After (:func:`store_unavailable`). Anything unexpected
is a 500 problem without internals (they go to the log with the request's correlation id).
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pymongo.errors import PyMongoError
from starlette.exceptions import HTTPException

from hoppid.shared.mongo import store_unavailable

PROBLEM_JSON = "application/problem+json"
X = TypeVar("X", bound=Exception)


class FieldProblem(ValueError):
    """A rule refuses the request; ``field`` names what the client should fix (422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFound(LookupError):
    """No such thing for this caller: another office's data is 'not found' too (404)."""


class Conflict(Exception):
    """The thing changed meanwhile or exists already (409)."""


log = logging.getLogger("hoppid.http")


def handled(error: Exception, kind: type[X]) -> X:
    """The error as the kind its handler was installed for: Starlette types every exception
    handler for any Exception, and calls each only with its own kind (or a subclass)."""
    if not isinstance(error, kind):
        raise TypeError(f"a handler of {kind.__name__} was given {type(error).__name__}") from error
    return error


def problem(
    status: int, title: str, detail: str = "", *, type_: str = "about:blank", **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {"type": type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _field_name(location: tuple[Any, ...]) -> str:
    # ("body", "contact", "email") -> "contact.email"; ("query", "page") -> "page"
    parts = (
        [str(part) for part in location[1:]] if len(location) > 1 else [str(p) for p in location]
    )
    return ".".join(parts)


async def _validation_problem(request: Request, error: Exception) -> JSONResponse:
    errors = [
        {
            "field": _field_name(tuple(item["loc"])),
            "in": str(item["loc"][0]),
            "message": item["msg"],
        }
        for item in handled(error, RequestValidationError).errors()
    ]
    fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
    return problem(
        422,
        "Invalid request",
        f"Check these fields: {fields}",
        type_="https://hoppid.no/problems/validation",
        errors=errors,
    )


async def _http_problem(request: Request, error: Exception) -> JSONResponse:
    error = handled(error, HTTPException)
    detail = error.detail if isinstance(error.detail, str) else ""
    response = problem(error.status_code, _reason(error.status_code), detail)
    for name, value in (error.headers or {}).items():
        response.headers[name] = value
    return response


async def _unexpected_problem(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "Internal Server Error", "Something went wrong on our side.")


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


async def _field_problem(request: Request, error: Exception) -> JSONResponse:
    error = handled(error, FieldProblem)
    return problem(
        422,
        "Invalid request",
        str(error),
        type_="https://hoppid.no/problems/validation",
        errors=[{"field": error.field, "message": str(error)}],
    )


async def _not_found(request: Request, error: Exception) -> JSONResponse:
    return problem(404, "Not Found", "no such resource for you")


async def _conflict(request: Request, error: Exception) -> JSONResponse:
    return problem(409, "Conflict", str(error))


async def _forbidden(request: Request, error: Exception) -> JSONResponse:
    return problem(403, "Forbidden", str(error))


def store_unavailable_handler(retry_after_seconds: int) -> Any:
    """A handler of the store's errors: 503 with Retry-After while the store is out of reach
    (:func:`hoppid.shared.mongo.store_unavailable`: no server selected, a connection broken,
    the database behind it down), never a 500; any other store error is a 500.

    The client sends the same request again after Retry-After: the commands are idempotent (a
    repeated inquiry finds the case the first one made, if it got that far)."""

    async def handle(request: Request, error: Exception) -> JSONResponse:
        if not store_unavailable(error):
            return await _unexpected_problem(request, error)
        log.warning(
            "store unreachable on %s %s: %s", request.method, request.url.path, type(error).__name__
        )
        response = problem(
            503,
            "Service Unavailable",
            "The data store cannot be reached just now; try again after Retry-After seconds.",
            type_="https://hoppid.no/problems/store-unavailable",
        )
        response.headers["Retry-After"] = str(retry_after_seconds)
        return response

    return handle


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; a 422 names each field it refuses in errors",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "in": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}


def document_problems(app: FastAPI) -> None:
    """The OpenAPI says what the handlers above answer: FastAPI documents a 422 as
    ``application/json`` ``HTTPValidationError``, and no other error at all. Every API
    operation (``/v1/...``) gets its 422 and any 4XX and 5XX as ``application/problem+json``
    with the Problem schema, so clients and schemathesis (scripts/fuzz.sh) check against what
    is sent."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _problems_in(generate())
        return generate()

    app.openapi = openapi  # type: ignore[method-assign]


def _problems_in(schema: dict[str, Any]) -> None:
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if "422" in responses:
                responses["422"] = {"description": "Invalid request", "content": content}
            if path.startswith("/v1/"):
                responses.setdefault("4XX", {"description": "A problem", "content": content})
                responses.setdefault("5XX", {"description": "A problem", "content": content})


def install_problem_handlers(app: FastAPI, *, store_retry_after_seconds: int = 10) -> None:
    app.add_exception_handler(PyMongoError, store_unavailable_handler(store_retry_after_seconds))
    app.add_exception_handler(FieldProblem, _field_problem)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(Conflict, _conflict)
    app.add_exception_handler(PermissionError, _forbidden)
    app.add_exception_handler(RequestValidationError, _validation_problem)
    app.add_exception_handler(HTTPException, _http_problem)
    app.add_exception_handler(Exception, _unexpected_problem)
