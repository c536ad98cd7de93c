"""Shared fixtures. Conformance data is read from ../shared/conformance at run time."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def conformance_dir() -> Path:
    path = SHARED / "conformance"
    if not path.is_dir():
        pytest.fail(f"conformance data not found at {path} (the project expects ../shared beside it)")
    return path


# --- sandbox (issue 5) --------------------------------------------------------------------

from collections.abc import Iterator  # noqa: E402

from bulkpost.sandbox import SandboxServer, run_sandbox  # noqa: E402


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    """A local Publora (bulkpost.sandbox) served once per test session on a free port of
    127.0.0.1, in memory, seed 0, strict past-time mode, the generous default plan.

    Use ``sandbox.base_url`` (ends in ``/api/v1``) and ``sandbox.api_key`` (send it as
    ``x-publora-key``); ``sandbox.control`` sets faults, config and the clock. The state is
    shared by every test that uses this fixture directly: prefer ``clean_sandbox``.
    """
    with run_sandbox(seed=0) as server:
        yield server


@pytest.fixture()
def clean_sandbox(sandbox: SandboxServer) -> SandboxServer:
    """The session sandbox, reset before the test: no posts, media, webhooks or idempotency
    records, no faults, the start-up configuration (strict, generous plan, no failures) and
    real time again. Returns the same :class:`~bulkpost.sandbox.SandboxServer`."""
    sandbox.control.reset()
    return sandbox
