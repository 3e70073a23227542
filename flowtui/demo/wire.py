"""JSON shapes of the simulated ADO: identity refs, projects, error envelopes (reference §1.4, §5.4).

Every URL is built from the request's base (scheme, host, port and collection path) so a request
to another host gets URLs on that host back (reference §1.1).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flowtui.demo.model import SimIdentity, SimProject, wit_date
from flowtui.timeutil import format_pr_datetime, format_wit_datetime

VSSPS = "https://spsprodweu5.vssps.visualstudio.com/A4a1d3f2e-9c1b-4b6e-8e2f-6d9b5c3a7e10"
SHALLOW_TIME = "0001-01-01T00:00:00"

#: Fields the simulated server knows; the second group exists but is never set (always omitted).
FIELDS = (
    "System.Id", "System.AreaPath", "System.TeamProject", "System.IterationPath", "System.WorkItemType",
    "System.State", "System.Reason", "System.AssignedTo", "System.CreatedDate", "System.CreatedBy",
    "System.ChangedDate", "System.ChangedBy", "System.Title", "System.Tags", "System.Rev",
    "System.Watermark", "System.RevisedDate", "System.IsDeleted", "System.CommentCount",
    "Microsoft.VSTS.Common.Priority", "Microsoft.VSTS.Scheduling.StoryPoints",
    "Microsoft.VSTS.Scheduling.Effort", "Microsoft.VSTS.Common.StateChangeDate",
    "Microsoft.VSTS.Common.ActivatedDate", "Microsoft.VSTS.Common.ActivatedBy",
    "Microsoft.VSTS.Common.ResolvedDate", "Microsoft.VSTS.Common.ResolvedBy",
    "Microsoft.VSTS.Common.ClosedDate", "Microsoft.VSTS.Common.ClosedBy", "Microsoft.VSTS.CMMI.Blocked",
)
EMPTY_FIELDS = (
    "System.BoardColumn", "System.BoardColumnDone", "System.Description", "System.History",
    "System.Parent", "System.AuthorizedDate", "System.NodeName", "System.AreaId", "System.IterationId",
    "Microsoft.VSTS.Common.ValueArea", "Microsoft.VSTS.Common.Severity",
    "Microsoft.VSTS.Common.BacklogPriority", "Microsoft.VSTS.Common.StackRank",
    "Microsoft.VSTS.Scheduling.RemainingWork", "Microsoft.VSTS.Scheduling.OriginalEstimate",
    "Microsoft.VSTS.Scheduling.CompletedWork",
)
CANONICAL = {f.lower(): f for f in FIELDS + EMPTY_FIELDS}


class ApiError(Exception):
    """An error response the route handlers raise; rendered with the wrapped-exception envelope."""

    def __init__(self, status: int, message: str, type_key: str, type_name: str | None = None,
                 event_id: int = 3000, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type_key = type_key
        self.type_name = type_name or f"Microsoft.VisualStudio.Services.WebApi.{type_key}, " \
                                      "Microsoft.VisualStudio.Services.WebApi"
        self.event_id = event_id
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"$id": "1", "innerException": None, "message": self.message, "typeName": self.type_name,
                "typeKey": self.type_key, "errorCode": 0, "eventId": self.event_id}


class PlainError(Exception):
    """A text/plain error (unknown route), also echoed URL-encoded in x-tfs-serviceerror."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON, key order as built (deterministic)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, check_circular=False).encode("utf-8")


def identity_ref(ident: SimIdentity, base: str, *, with_name: bool = False) -> dict[str, Any]:
    """An IdentityRef object; `with_name` adds the legacy `name` ("Name <email>") of revisedBy."""
    avatar = f"{base}/_apis/GraphProfile/MemberAvatars/{ident.descriptor}"
    out: dict[str, Any] = {"displayName": ident.display_name, "url": f"{VSSPS}/_apis/Identities/{ident.id}",
                           "_links": {"avatar": {"href": avatar}}, "id": ident.id}
    if with_name:
        out["name"] = ident.ref_string
    out["uniqueName"] = ident.unique_name
    out["imageUrl"] = avatar
    if ident.is_container:
        out["isContainer"] = True
    out["descriptor"] = ident.descriptor
    return out


def project_full(p: SimProject, base: str) -> dict[str, Any]:
    """The project object of the projects list (description absent when empty)."""
    out: dict[str, Any] = {"id": p.id, "name": p.name}
    if p.description:
        out["description"] = p.description
    out.update({"url": f"{base}/_apis/projects/{p.id}", "state": "wellFormed", "revision": p.revision,
                "visibility": p.visibility, "lastUpdateTime": wit_date(p.last_update_ms)})
    return out


def project_shallow(p: SimProject, base: str) -> dict[str, Any]:
    """The shallow project ref inside PR payloads (`0001-01-01T00:00:00` without Z)."""
    return {"id": p.id, "name": p.name, "url": f"{base}/_apis/projects/{p.id}", "state": "unchanged",
            "visibility": "unchanged", "lastUpdateTime": SHALLOW_TIME}


def wit_dt(value: datetime) -> str:
    return format_wit_datetime(value)


def pr_dt(value: datetime) -> str:
    return format_pr_datetime(value)


SIGNIN_HTML = (
    "<!DOCTYPE html>\r\n<html>\r\n<head>\r\n<title>Azure DevOps Services | Sign In</title>\r\n"
    "<meta http-equiv=\"X-UA-Compatible\" content=\"IE=11;&#32;IE=10;&#32;IE=9;&#32;IE=8\" />\r\n"
    "</head>\r\n<body>\r\n<div class=\"signin\">Sign in to your account to continue.</div>\r\n"
    "<script type=\"text/javascript\">window.location.href='https://spsprodweu5.vssps.visualstudio.com/"
    "_signin?realm=dev.azure.com';</script>\r\n</body>\r\n</html>\r\n"
)
