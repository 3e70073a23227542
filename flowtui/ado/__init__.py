"""The Azure DevOps REST client: httpx transport, errors, retries, throttling, paging, parsing.

No Textual and no Peewee here; `flowtui.sync` drives these functions and writes to the store.
"""

from __future__ import annotations

from flowtui.ado.client import AdoClient, AdoResponse, validate_org_url
from flowtui.ado.errors import ConnectionFailure, ResultLimitError, RouteNotFoundError
from flowtui.ado.interrupt import Interrupt
from flowtui.ado.paging import RevisionsBatch
from flowtui.ado.throttle import Throttle, WaitBudget, WaitBudgetExceeded, parse_retry_after

__all__ = [
    "AdoClient",
    "AdoResponse",
    "ConnectionFailure",
    "Interrupt",
    "ResultLimitError",
    "RevisionsBatch",
    "RouteNotFoundError",
    "Throttle",
    "WaitBudget",
    "WaitBudgetExceeded",
    "parse_retry_after",
    "validate_org_url",
]
