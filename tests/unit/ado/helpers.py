"""Shared helpers for the ADO client tests: a fake clock/sleep pair and JSON responses."""

from __future__ import annotations

import json
from typing import Any
from collections.abc import Callable

import httpx

from flowtui.ado import AdoClient

ORG = "https://dev.azure.com/contoso"
PAT = "s3cr3t-pat-value-XYZ"


class FakeTime:
    """sleep() records the wait and advances clock(); nothing really waits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def json_response(status: int, body: Any, *, headers: dict[str, str] | None = None, bom: bool = False) -> httpx.Response:
    raw = json.dumps(body).encode("utf-8")
    if bom:
        raw = b"\xef\xbb\xbf" + raw
    hdrs = {"content-type": "application/json; charset=utf-8; api-version=7.1"}
    hdrs.update(headers or {})
    return httpx.Response(status, content=raw, headers=hdrs)


def error_body(message: str, type_key: str = "VssServiceException", event_id: int = 3000) -> dict[str, Any]:
    return {"$id": "1", "innerException": None, "message": message, "typeName": f"X.{type_key}, X",
            "typeKey": type_key, "errorCode": 0, "eventId": event_id}


def make_client(handler: Callable[[httpx.Request], httpx.Response], fake: FakeTime | None = None, **kwargs: Any) -> AdoClient:
    fake = fake or FakeTime()
    return AdoClient(ORG, PAT, transport=httpx.MockTransport(handler), sleep=fake.sleep, clock=fake.clock, **kwargs)
