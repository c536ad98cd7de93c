"""The sandbox: a local emulator of the Publora REST API, for tests and for trying a batch
without an account.

An independent emulator of ``shared/docs/publora-api.md``: it imports only the standard
library, starlette/uvicorn/httpx and its own modules, never bulkpost's rules, validator,
planner or client (a bug shared with them would agree with itself).

    with run_sandbox() as sandbox:          # a free port on 127.0.0.1, in a thread
        sandbox.base_url                    # "http://127.0.0.1:PORT/api/v1"
        sandbox.api_key                     # "sk_..." (send as x-publora-key)
        sandbox.control.set_faults(drop_rate=1.0, paths=["create-post"])
        sandbox.control.advance_clock(3600) # publish what became due
"""

from __future__ import annotations

from .app import SandboxApp, create_app
from .server import SandboxControl, SandboxServer, build_state, run_sandbox, serve_forever
from .state import Faults, SandboxConfig, SandboxState

__all__ = [
    "Faults",
    "SandboxApp",
    "SandboxConfig",
    "SandboxControl",
    "SandboxServer",
    "SandboxState",
    "build_state",
    "create_app",
    "run_sandbox",
    "serve_forever",
]
