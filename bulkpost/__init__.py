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
from .execute import Results, execute_plan
from .findings import Finding, Report
from .html_report import write_html_report
from .journal import Journal
from .load import load_sheet
from .model import Cell, MediaRef, Post, Row, Sheet, Target
from .plan import Plan, build_plan, sheet_identity
from .publora import PubloraClient, verify_webhook_signature
from .report import write_report
from .results import write_results
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
    "Journal",
    "MediaRef",
    "Plan",
    "PlanLimitError",
    "Post",
    "PubloraClient",
    "Report",
    "Results",
    "Row",
    "Sheet",
    "Target",
    "__version__",
    "build_plan",
    "count_characters",
    "execute_plan",
    "inspect_media",
    "load_limits",
    "load_sheet",
    "sheet_identity",
    "validate",
    "verify_webhook_signature",
    "write_html_report",
    "write_report",
    "write_results",
    "write_template",
]
