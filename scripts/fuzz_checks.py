"""schemathesis hooks for scripts/fuzz.sh (named by scripts/fuzz.toml).

- ``problem_json_errors``: every 4xx/5xx answer of the JSON API is an RFC 9457
  ``application/problem+json`` whose ``status`` is the response's, and a 422 names each field
  it refuses (the platform's rule for bad input).
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis

PROBLEM_JSON = "application/problem+json"


@schemathesis.check
def problem_json_errors(ctx: Any, response: Any, case: Any) -> bool | None:
    """An error is problem+json with its status, and a 422 names the fields."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    if not content_type.startswith(PROBLEM_JSON):
        raise AssertionError(
            f"{response.status_code} answered as {content_type!r}, not problem+json"
        )
    body = json.loads(response.content)
    if body.get("status") != response.status_code:
        raise AssertionError(f"problem status {body.get('status')!r} != {response.status_code}")
    if response.status_code == 422:
        # a key of the body the model does not have is named as sent, even "" (an empty key)
        fields = [e.get("field") for e in body.get("errors", [])]
        if not fields or not all(isinstance(field, str) for field in fields):
            raise AssertionError(f"422 without the fields it refuses: {body}")
    return True
