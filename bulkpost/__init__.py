"""bulkpost: a spreadsheet of social-media posts becomes scheduled posts through the Publora API.

The pipeline, each step usable on its own::

    load_sheet -> validate -> build_plan -> execute_plan -> write_report
"""

from __future__ import annotations

from .errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BulkpostError,
    ConfigError,
    InputError,
    InvalidIdError,
    PlanLimitError,
)
from .findings import Finding, Report
from .load import load_sheet
from .model import Cell, MediaRef, Post, Row, Sheet, Target
from .publora import PubloraClient, verify_webhook_signature
from .report import write_report
from .rules import count_characters, inspect_media, load_limits
from .template import write_template
from .validate import validate

__version__ = "0.1.0"

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BulkpostError",
    "Cell",
    "ConfigError",
    "Finding",
    "InputError",
    "InvalidIdError",
    "MediaRef",
    "PlanLimitError",
    "Post",
    "PubloraClient",
    "Report",
    "Row",
    "Sheet",
    "Target",
    "__version__",
    "count_characters",
    "inspect_media",
    "load_limits",
    "load_sheet",
    "validate",
    "verify_webhook_signature",
    "write_report",
    "write_template",
]
