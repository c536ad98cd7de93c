"""Serving the sandbox: :func:`run_sandbox` (a background thread, for tests and
``bulkpost schedule --sandbox``) and :func:`serve_forever` (the ``bulkpost sandbox serve`` CLI).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Generator, Iterator
from typing import Any

import httpx
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .app import TRANSPORT, SandboxApp
from .state import Faults, SandboxConfig, SandboxState, load_accounts

__all__ = ["SandboxControl", "SandboxServer", "build_state", "run_sandbox", "serve_forever"]

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class _DroppableH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, exposing the connection's transport to the app (through a
    context variable) so the drop-after-commit fault can abort it without any response."""

    def data_received(self, data: bytes) -> None:
        token = TRANSPORT.set(self.transport)
        try:
            super().data_received(data)
        finally:
            TRANSPORT.reset(token)


class _ThreadServer(uvicorn.Server):
    """A uvicorn server that never installs signal handlers (it runs in a background thread)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def build_state(
    *,
    state: str | os.PathLike[str] | None = None,
    speed: float = 1.0,
    seed: int | None = None,
    accounts: str | os.PathLike[str] | dict[str, Any] | None = None,
    strict: bool | None = None,
    plan: str | dict[str, Any] | None = None,
    failure_rate: float | None = None,
    **faults: Any,
) -> SandboxState:
    """A :class:`SandboxState` from the options shared by ``run_sandbox`` and the CLI."""
    config = SandboxConfig()
    settings: dict[str, Any] = {}
    if strict is not None:
        settings["strict"] = strict
    if plan is not None:
        settings["plan"] = plan
    if failure_rate is not None:
        settings["failure_rate"] = failure_rate
    config.update(settings)
    account_data = load_accounts(accounts) if isinstance(accounts, (str, os.PathLike)) else accounts
    return SandboxState(path=state, speed=speed, seed=seed, accounts=account_data, config=config,
                        faults=Faults.from_dict(faults))


def _config(app: SandboxApp, sock: socket.socket, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(app, http=_DroppableH11Protocol, ws="none", lifespan="on", log_level=log_level,
                          access_log=False, timeout_graceful_shutdown=2)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be IPPROTO_TCP: asyncio only sets TCP_NODELAY on such sockets, and without it
    # every answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


class SandboxControl:
    """Test helpers over the control endpoints (``/__sandbox/...``), authenticated with the
    sandbox key."""

    def __init__(self, root_url: str, api_key: str) -> None:
        self._client = httpx.Client(base_url=root_url, headers={"x-publora-key": api_key}, timeout=30.0,
                                    trust_env=False)

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self._client.post(path, json=body)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def set_faults(self, *, clear: bool = True, **faults: Any) -> dict[str, Any]:
        """Set faults (``latency``, ``error_rate``, ``error_status``, ``rate_limit_rate``,
        ``retry_after``, ``drop_rate``, ``slow_upload_bps``, ``max_faults``, ``paths``).
        With ``clear`` (the default) every fault not named is switched off first."""
        return self._post("/__sandbox/faults", {"clear": clear, **faults})["faults"]  # type: ignore[no-any-return]

    def clear_faults(self) -> dict[str, Any]:
        """Switch every fault off."""
        return self.set_faults(clear=True)

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Change behaviour: ``strict``, ``failure_rate``, ``fail_platforms``, ``plan`` (a preset
        name ``sandbox``/``starter``/``pro``/``premium`` or a dict of overrides), ``mcp_access``,
        ``api_access``, ``workspace_access``, ``allow_loopback_webhooks``."""
        return self._post("/__sandbox/config", settings)["config"]  # type: ignore[no-any-return]

    def reset(self) -> None:
        """Forget posts, media, logs, webhooks, idempotency; restore start-up config and faults."""
        self._post("/__sandbox/reset", {})

    def state(self) -> dict[str, Any]:
        """The whole state (API keys hidden), plus ``now``, ``config``, ``faults``."""
        response = self._client.get("/__sandbox/state")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        """Move the sandbox clock forward, publish what became due, wait for webhook deliveries.
        Returns ``{"now", "processed": [postGroupId...], "webhooksDelivered"}``."""
        return self._post("/__sandbox/clock/advance", {"seconds": seconds})

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()


class SandboxServer:
    """A running sandbox. ``base_url`` ends in ``/api/v1``; ``api_key`` is shaped like a real
    key; ``control`` reconfigures it; ``stop()`` shuts it down (also on leaving the ``with``)."""

    def __init__(self, state: SandboxState, *, host: str, port: int, log_level: str = "warning") -> None:
        self.state = state
        self.app = SandboxApp(state)
        self._sock = _bind(host, port)
        self.host = host
        self.port = int(self._sock.getsockname()[1])
        shown = f"[{host}]" if ":" in host else host
        self.root_url = f"http://{shown}:{self.port}"
        self.base_url = f"{self.root_url}/api/v1"
        self.api_key = state.api_key
        self._server = _ThreadServer(_config(self.app, self._sock, log_level))
        self._thread: threading.Thread | None = None
        self.control = SandboxControl(self.root_url, self.api_key)

    def __repr__(self) -> str:
        return f"SandboxServer(base_url={self.base_url!r}, api_key='sk_…')"

    @property
    def owner_id(self) -> str:
        """The key owner's user id."""
        return self.state.owner_id

    @property
    def media_dir(self) -> str:
        """Where uploaded bytes are stored."""
        return str(self.state.media_dir)

    def start(self) -> SandboxServer:
        """Serve in a daemon thread; return once the server accepts connections."""
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name=f"bulkpost-sandbox-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Shut down, save the state file, and close the socket."""
        self.control.close()  # close keep-alive connections first: shutdown need not wait for them
        if self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            self._thread = None
        with contextlib.suppress(OSError):
            self._sock.close()
        self.state.close()

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def run_sandbox(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    state: str | os.PathLike[str] | None = None,
    speed: float = 1.0,
    seed: int | None = None,
    accounts: str | os.PathLike[str] | dict[str, Any] | None = None,
    strict: bool | None = None,
    plan: str | dict[str, Any] | None = None,
    failure_rate: float | None = None,
    **faults: Any,
) -> Iterator[SandboxServer]:
    """Serve a sandbox in a background thread for the duration of a ``with`` block.

    ``port=0`` picks a free port. ``state`` is a JSON file that survives restarts (default: in
    memory). ``speed`` accelerates the publishing clock; ``seed`` makes fault and failure choices
    repeatable. Other keywords are faults (see :class:`~bulkpost.sandbox.state.Faults`)::

        with run_sandbox(seed=1) as sandbox:
            httpx.get(f"{sandbox.base_url}/platform-connections",
                      headers={"x-publora-key": sandbox.api_key})
            sandbox.control.advance_clock(3600)
    """
    built = build_state(state=state, speed=speed, seed=seed, accounts=accounts, strict=strict, plan=plan,
                        failure_rate=failure_rate, **faults)
    server = SandboxServer(built, host=host, port=port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def serve_forever(state: SandboxState, *, host: str, port: int, on_ready: Any = None) -> None:
    """Serve in the foreground until Ctrl-C (uvicorn handles the signals); saves on exit."""
    try:
        sock = _bind(host, port)
    except OSError:
        state.close()
        raise
    app = SandboxApp(state)
    server = uvicorn.Server(_config(app, sock, "warning"))
    if on_ready is not None:
        on_ready(int(sock.getsockname()[1]))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn re-raises the Ctrl-C it handled: a normal stop
    finally:
        sock.close()
        state.close()
