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
