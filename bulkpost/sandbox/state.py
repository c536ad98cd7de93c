"""The sandbox's state: accounts, post groups, media, logs, webhooks, idempotency records,
plus its clock, configuration and faults. In memory, or saved to a JSON file (``--state``).

All mutation happens on the server's event loop (one thread), so no locks are needed.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import secrets
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from . import data
from .util import iso, new_api_key, new_object_id, parse_iso

__all__ = ["Clock", "Faults", "SandboxConfig", "SandboxState", "load_accounts"]

STATE_VERSION = 1
OWNER_EMAIL = "owner@sandbox.publora.local"


@dataclass
class Faults:
    """Faults the sandbox injects into ``/api/v1`` answers (for tests and benchmarks).

    Rates are probabilities in [0, 1], drawn from the seeded generator. ``max_faults`` caps
    how many faults are injected in total (then the server behaves); ``paths`` limits the
    faults to endpoints whose path contains one of the given fragments (e.g. ``"create-post"``).
    """

    latency: float = 0.0
    """Seconds added to every API answer (after the idempotency claim, so in-flight is visible)."""
    error_rate: float = 0.0
    """Share of API requests answered with ``error_status`` before anything is committed."""
    error_status: int = 503
    rate_limit_rate: float = 0.0
    """Share of API requests answered 429 with a ``Retry-After`` header, nothing committed."""
    retry_after: int = 1
    drop_rate: float = 0.0
    """Share of mutating API requests (POST/PUT/PATCH/DELETE) whose change is committed and whose
    connection is then aborted without any response: the case only idempotency saves."""
    slow_upload_bps: int = 0
    """Read presigned-upload bodies at most this many bytes per second (0 = full speed)."""
    max_faults: int | None = None
    paths: list[str] | None = None

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Faults:
        """Build from a dict (camelCase or snake_case keys); unknown keys raise ``ValueError``."""
        faults = cls()
        faults.update(values)
        return faults

    def update(self, values: dict[str, Any]) -> None:
        """Change the given fields; unknown names raise ``ValueError``."""
        names = {f.name for f in fields(self)}
        aliases = {
            "errorRate": "error_rate",
            "errorStatus": "error_status",
            "rateLimitRate": "rate_limit_rate",
            "retryAfter": "retry_after",
            "dropRate": "drop_rate",
            "slowUploadBps": "slow_upload_bps",
            "maxFaults": "max_faults",
        }
        for key, value in values.items():
            name = aliases.get(key, key)
            if name not in names:
                raise ValueError(f"unknown fault {key!r}; known: {', '.join(sorted(names))}")
            if name in {"latency", "error_rate", "rate_limit_rate", "drop_rate"}:
                value = float(value)
                if value < 0 or (name != "latency" and value > 1):
                    raise ValueError(f"{name} must be between 0 and 1" if name != "latency" else "latency must be >= 0")
            elif name in {"error_status", "retry_after", "slow_upload_bps"}:
                value = int(value)
            elif name == "max_faults":
                value = None if value is None else int(value)
            elif name == "paths":
                value = None if value is None else [str(p) for p in value]
            setattr(self, name, value)

    def to_dict(self) -> dict[str, Any]:
        """The faults as JSON-ready data."""
        return asdict(self)


@dataclass
class SandboxConfig:
    """Behaviour switches of the emulated server (not faults)."""

    strict: bool = True
    """Strict past-time mode: a ``scheduledTime`` 5 minutes or more in the past is a 400
    ``SCHEDULED_TIME_IN_PAST`` (off: clamped to now with a warning, like before the ramp)."""
    failure_rate: float = 0.0
    """Share of platform posts that fail when published, with a realistic error code."""
    fail_platforms: list[str] = field(default_factory=list)
    """Platform types whose posts always fail at publish time (for deterministic tests)."""
    plan: dict[str, Any] = field(default_factory=lambda: dict(data.PLANS["sandbox"]))
    mcp_access: bool = True
    api_access: bool = True
    workspace_access: bool = True
    allow_loopback_webhooks: bool = True
    """Unlike the real API, the sandbox delivers webhooks to localhost/private addresses."""

    def update(self, values: dict[str, Any]) -> None:
        """Change the given fields; ``plan`` may be a preset name or a dict of overrides."""
        aliases = {"failureRate": "failure_rate", "failPlatforms": "fail_platforms", "mcpAccess": "mcp_access",
                   "apiAccess": "api_access", "workspaceAccess": "workspace_access",
                   "allowLoopbackWebhooks": "allow_loopback_webhooks"}
        names = {f.name for f in fields(self)}
        for key, value in values.items():
            name = aliases.get(key, key)
            if name not in names:
                raise ValueError(f"unknown setting {key!r}; known: {', '.join(sorted(names))}")
            if name == "plan":
                if isinstance(value, str):
                    if value not in data.PLANS:
                        raise ValueError(f"unknown plan {value!r}; known: {', '.join(data.PLANS)}")
                    value = dict(data.PLANS[value])
                elif isinstance(value, dict):
                    base = dict(data.PLANS.get(str(value.get("preset", "")), self.plan))
                    base.update({k: v for k, v in value.items() if k != "preset"})
                    value = base
                else:
                    raise ValueError("plan must be a preset name or an object")
            elif name == "failure_rate":
                value = float(value)
                if not 0 <= value <= 1:
                    raise ValueError("failure_rate must be between 0 and 1")
            elif name == "fail_platforms":
                value = [str(v) for v in value]
            else:
                value = bool(value)
            setattr(self, name, value)

    def to_dict(self) -> dict[str, Any]:
        """The configuration as JSON-ready data."""
        return asdict(self)


class Clock:
    """The sandbox's clock: real time, optionally accelerated by ``speed``, plus an offset
    moved by ``advance()`` (the test control)."""

    def __init__(self, speed: float = 1.0, start: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be > 0")
        self.speed = speed
        self._base_wall = start or datetime.now(timezone.utc)
        self._base_mono = time.monotonic()
        self.offset = 0.0

    def now(self) -> datetime:
        """The sandbox's current time (UTC)."""
        elapsed = (time.monotonic() - self._base_mono) * self.speed
        return self._base_wall + timedelta(seconds=elapsed + self.offset)

    def advance(self, seconds: float) -> None:
        """Move the clock forward (never backward)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.offset += seconds

    def reset(self) -> None:
        """Back to real time (at the configured speed) from now."""
        self._base_wall = datetime.now(timezone.utc)
        self._base_mono = time.monotonic()
        self.offset = 0.0


def load_accounts(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read an accounts file: ``{"connections": [...], "managedUsers": [{"username",
    "displayName", "connections": [...]}]}`` or a bare list of connections."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(raw, list):
        raw = {"connections": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("connections", []), list):
        raise ValueError("accounts file must be a list of connections or an object with 'connections'")
    for conn in raw.get("connections", []) + [
        c for user in raw.get("managedUsers", []) for c in user.get("connections", [])
    ]:
        if not isinstance(conn, dict) or "-" not in str(conn.get("platformId", "")):
            raise ValueError(f"every connection needs a compound platformId like 'linkedin-ABC': {conn!r}")
    return raw


def _fill_connection(conn: dict[str, Any]) -> dict[str, Any]:
    out = {
        "platformId": conn["platformId"],
        "username": conn.get("username"),
        "displayName": conn.get("displayName", conn.get("username")),
        "profileImageUrl": conn.get("profileImageUrl"),
        "profileUrl": conn.get("profileUrl"),
        "accessTokenExpiresAt": conn.get("accessTokenExpiresAt"),
        "lastSuccessfulPost": conn.get("lastSuccessfulPost"),
        "lastError": conn.get("lastError"),
    }
    for key, value in conn.items():
        out.setdefault(key, value)
    return out


class SandboxState:
    """Everything the sandbox knows, and the rules to save and restore it."""

    def __init__(
        self,
        *,
        path: str | os.PathLike[str] | None = None,
        speed: float = 1.0,
        seed: int | None = None,
        accounts: dict[str, Any] | None = None,
        api_key: str | None = None,
        config: SandboxConfig | None = None,
        faults: Faults | None = None,
    ) -> None:
        self.path = Path(path) if path else None
        self.seed = seed
        self.rng = random.Random(seed)
        self.fault_rng = random.Random(None if seed is None else seed + 1)
        self.publish_rng = random.Random(None if seed is None else seed + 2)
        self.accounts = accounts
        self.default_config = config or SandboxConfig()
        self.default_faults = faults or Faults()
        self.config = SandboxConfig(**asdict(self.default_config))
        self.faults = Faults(**asdict(self.default_faults))
        self.faults_injected = 0
        self.clock = Clock(speed)
        self._tmpdir: str | None = None
        if self.path:
            self.media_dir = self.path.with_name(self.path.name + ".media")
        else:
            self._tmpdir = tempfile.mkdtemp(prefix="bulkpost-sandbox-media-")
            self.media_dir = Path(self._tmpdir)
        self.media_dir.mkdir(parents=True, exist_ok=True)
        self.data: dict[str, Any] = {}
        if self.path and self.path.exists():
            self._load()
        else:
            self.data = self._fresh(api_key)
            self.save()

    # --- building -------------------------------------------------------------------

    def _fresh(self, api_key: str | None, keep: dict[str, Any] | None = None) -> dict[str, Any]:
        now = self.clock.now()
        owner_id = keep["owner"]["_id"] if keep else new_object_id(self.rng, now)
        key = keep["owner"]["apiKey"] if keep else (api_key or new_api_key(self.rng, now))
        secret = keep["uploadSecret"] if keep else secrets.token_hex(16)
        accounts = self.accounts
        owner_conns = (
            [_fill_connection(c) for c in accounts.get("connections", [])]
            if accounts and "connections" in accounts
            else data.builtin_connections(now)
        )
        users: dict[str, Any] = {}
        managed = accounts.get("managedUsers") if accounts else None
        if managed is None:
            managed = [{"username": "client@example.com", "displayName": "Example Client",
                        "connections": data.builtin_managed_connections(now)}]
        for spec in managed:
            # Stable across resets, so a test may keep a managed user's id.
            uid = spec.get("_id") or hashlib.sha256(f"{owner_id}:{spec['username']}".encode()).hexdigest()[:24]
            users[uid] = self._new_user(uid, owner_id, spec["username"], spec.get("displayName"), now)
            users[uid]["connections"] = [_fill_connection(c) for c in spec.get("connections", [])]
        return {
            "version": STATE_VERSION,
            "savedNow": iso(now),
            "uploadSecret": secret,
            "owner": {"_id": owner_id, "username": OWNER_EMAIL, "apiKey": key, "connections": owner_conns},
            "users": users,
            "apiKeys": {},  # per-user keys minted by /workspace/users/:id/api-key -> user id
            "groups": {},
            "media": {},
            "logs": [],
            "webhooks": {},
            "idempotency": {},
            "mediaUrlWindows": {},
            "monthlyCounts": {},
            "config": self.config.to_dict(),
        }

    def _new_user(self, uid: str, owner_id: str, email: str, display: str | None, now: datetime) -> dict[str, Any]:
        return {
            "_id": uid,
            "username": email,
            "displayName": display or email.split("@", 1)[0],
            "role": "managed",
            "dailyPostsLeft": 100,
            "connectionsPageUrl": None,
            "connectionsPageTokenExpiresAt": None,
            "isActive": True,
            "parentUser": owner_id,
            "createdAt": iso(now),
            "connections": [],
        }

    def new_user(self, email: str, display: str | None) -> dict[str, Any]:
        """Create a managed user of the key owner."""
        now = self.clock.now()
        uid = self.new_id()
        user = self._new_user(uid, self.owner_id, email, display, now)
        self.data["users"][uid] = user
        return user

    def reset(self) -> None:
        """Forget posts, media, logs, webhooks and idempotency records; keep the API key; restore
        the accounts, the configuration and the faults the server started with; real time again."""
        self.clock.reset()
        self.config = SandboxConfig(**asdict(self.default_config))
        self.faults = Faults(**asdict(self.default_faults))
        self.faults_injected = 0
        self.rng = random.Random(self.seed)
        self.fault_rng = random.Random(None if self.seed is None else self.seed + 1)
        self.publish_rng = random.Random(None if self.seed is None else self.seed + 2)
        self.data = self._fresh(None, keep=self.data)
        for child in self.media_dir.iterdir():
            if child.is_file():
                child.unlink()
        self.save()

    # --- persistence ----------------------------------------------------------------

    def _load(self) -> None:
        assert self.path is not None
        loaded = json.loads(self.path.read_text(encoding="utf-8"))
        if loaded.get("version") != STATE_VERSION:
            raise ValueError(f"{self.path}: unsupported sandbox state version {loaded.get('version')!r}")
        self.data = loaded
        saved_now = parse_iso(loaded["savedNow"])
        # Time never runs backwards across a restart, even for an accelerated clock.
        real = datetime.now(timezone.utc)
        self.clock = Clock(self.clock.speed, start=max(saved_now, real))
        self.config.update(loaded.get("config", {}))

    def save(self) -> None:
        """Write the state file atomically (no-op for an in-memory sandbox)."""
        if not self.path:
            return
        self.data["savedNow"] = iso(self.clock.now())
        self.data["config"] = self.config.to_dict()
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.path)

    def close(self) -> None:
        """Save, and remove the temporary media folder of an in-memory sandbox."""
        self.save()
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)

    # --- lookups --------------------------------------------------------------------

    @property
    def owner_id(self) -> str:
        """The ObjectId of the key owner."""
        return str(self.data["owner"]["_id"])

    @property
    def api_key(self) -> str:
        """The owner's sandbox API key."""
        return str(self.data["owner"]["apiKey"])

    def new_id(self) -> str:
        """A fresh ObjectId."""
        return new_object_id(self.rng, self.clock.now())

    def connections(self, user_id: str) -> list[dict[str, Any]]:
        """The connections of the acting user."""
        if user_id == self.owner_id:
            return list(self.data["owner"]["connections"])
        user = self.data["users"].get(user_id)
        return list(user["connections"]) if user else []

    def connection(self, user_id: str, platform_id: str) -> dict[str, Any] | None:
        """One connection of the acting user by compound id."""
        for conn in self.connections(user_id):
            if conn["platformId"] == platform_id:
                return conn
        return None

    def workspace_user_ids(self) -> list[str]:
        """The owner and every managed user: the scope of the queue limit."""
        return [self.owner_id, *[u for u, v in self.data["users"].items() if v.get("parentUser") == self.owner_id]]

    def snapshot(self) -> dict[str, Any]:
        """A copy of the whole state for ``GET /__sandbox/state`` (without secrets' values)."""
        copy: dict[str, Any] = json.loads(json.dumps(self.data))
        copy["owner"]["apiKey"] = "sk_…(hidden)"
        copy.pop("uploadSecret", None)
        copy["apiKeys"] = {"…" + k[-4:]: v for k, v in self.data["apiKeys"].items()}
        copy["now"] = iso(self.clock.now())
        copy["speed"] = self.clock.speed
        copy["config"] = self.config.to_dict()
        copy["faults"] = self.faults.to_dict()
        copy["faultsInjected"] = self.faults_injected
        copy["mediaDir"] = str(self.media_dir)
        return copy
