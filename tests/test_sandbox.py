"""The sandbox over real HTTP on 127.0.0.1, with plain httpx (not the bulkpost client)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from bulkpost.sandbox import SandboxServer


def _client(sb: SandboxServer, **headers: str) -> httpx.Client:
    return httpx.Client(base_url=sb.base_url, headers={"x-publora-key": sb.api_key, **headers}, timeout=10.0,
                        trust_env=False)


def _at(minutes: float) -> str:
    moment = datetime.now(timezone.utc) + timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


@pytest.fixture()
def api(clean_sandbox: SandboxServer) -> Any:
    with _client(clean_sandbox) as client:
        yield client


def test_draft_then_schedule_then_publish(clean_sandbox: SandboxServer, api: httpx.Client) -> None:
    created = api.post("/create-post", json={"content": "hello", "platforms": ["linkedin-Tz9W5i6ZYG"]})
    assert created.status_code == 200
    assert created.json()["scheduledTime"] is None
    gid = created.json()["postGroupId"]
    updated = api.put(f"/update-post/{gid}", json={"status": "scheduled", "scheduledTime": _at(10)})
    assert updated.status_code == 200, updated.text
    assert updated.json()["postGroup"]["status"] == "scheduled"
    clean_sandbox.control.advance_clock(11 * 60)
    post = api.get(f"/get-post/{gid}").json()
    assert post["status"] == "published"
    assert post["posts"][0]["postedId"].startswith("urn:li:share:")
