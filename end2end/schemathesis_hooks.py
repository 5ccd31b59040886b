"""Schemathesis hooks for Steward (loaded by end2end/schemathesis.toml).

The Account API answers as Natero does: a request it understood but refuses (invalid JSON,
no `records` array, an unknown `order_by`, a PUT that fails validation, ...) gets HTTP 200
with `{"status_is_ok": false, "message": ...}`, and a bulk upsert reports each refused
record in `failed_results`. The OpenAPI document says so. Schemathesis's own
`negative_data_rejection` only looks at the status code, so this check counts those
answers as rejections too and leaves every other answer to the built-in check.
"""
import json

import schemathesis
from schemathesis.specs.openapi.checks import negative_data_rejection


def _refused_the_natero_way(response) -> bool:
    if response.status_code != 200:
        return False
    try:
        body = json.loads(response.content or b"")
    except ValueError:
        return False
    if not isinstance(body, dict):
        return False
    return body.get("status_is_ok") is False or bool(body.get("failed_results"))


@schemathesis.check
def natero_negative_data_rejection(ctx, response, case):
    """Schema-violating requests are refused: with a 4xx, or Natero's refusal envelope."""
    if _refused_the_natero_way(response):
        return None
    return negative_data_rejection(ctx, response, case)
