"""A deliberately small, independent ADO fake (MockTransport) for sync edge cases.

It speaks the reference shapes with its own quirks: `count` after `value`, identities as strings in
revisions, the continuation token only inside `nextLink`, PR list ignoring the time range.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

import httpx

ORG_URL = "https://ado.example.test/tfs/Coll"


def rev(item_id: int, rev_no: int, state: str, changed: str, **extra: Any) -> dict[str, Any]:
    fields = {"System.Id": item_id, "System.Rev": rev_no, "System.State": state, "System.ChangedDate": changed,
              "System.WorkItemType": "Bug", "System.Title": f"Item {item_id}", "System.CreatedDate": "2026-01-01T00:00:00Z"}
    fields.update(extra)
    return {"id": item_id, "rev": rev_no, "fields": {k: v for k, v in fields.items() if v is not None}}


class MiniAdo:
    """Serve one project 'Proj' from in-memory lists; `page` revisions per batch."""

    def __init__(self, revisions: list[Any], prs: list[dict[str, Any]] | None = None, *, page: int = 2,
                 threads: dict[int, list[dict[str, Any]]] | None = None, reporting: bool = True) -> None:
        self.revisions = revisions
        self.prs = prs or []
        self.page = page
        self.threads = threads or {}
        self.reporting = reporting
        self.deleted: list[int] = []  # ids in the recycle bin
        self.log: list[str] = []
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = unquote(request.url.path)
        self.log.append(f"{request.method} {path}")
        p = request.url.params
        if path.endswith("/_apis/projects/Proj"):
            return _ok({"id": "p-guid", "name": "Proj", "state": "wellFormed"})
        if "/_apis/projects/" in path:
            return _ok({"$id": "1", "message": f"TF200016: The following project does not exist: {path.rsplit('/', 1)[1]}.",
                        "typeKey": "ProjectDoesNotExistWithNameException", "eventId": 3000}, 404)
        if path.endswith("/Proj/_apis/wit/workitemtypes"):
            return _ok({"value": [{"name": "Bug"}], "count": 1})
        if path.endswith("/Proj/_apis/wit/workitemtypes/Bug/states"):
            return _ok({"value": [{"name": "New", "category": "Proposed"}, {"name": "Active", "category": "InProgress"},
                                  {"name": "Closed", "category": "Completed"}], "count": 3})
        if path.endswith("/Proj/_apis/wit/reporting/workitemrevisions"):
            if not self.reporting:
                return httpx.Response(404, text="The controller for path was not found or does not implement IController.")
            start = int(p.get("continuationToken", "0"))
            chunk = self.revisions[start : start + self.page]
            end = start + len(chunk)
            return _ok({"values": chunk, "nextLink": f"{ORG_URL}/_apis/wit/reporting/workItemRevisions?continuationToken={end}&api-version=7.1",
                        "isLastBatch": end >= len(self.revisions)})
        if path.endswith("/Proj/_apis/wit/recyclebin"):
            return _ok({"count": len(self.deleted), "value": [{"id": i, "url": "x"} for i in self.deleted]})
        if path.endswith("/Proj/_apis/git/repositories"):
            return _ok({"value": [{"id": "repo-1", "name": "main-repo"}], "count": 1})
        if path.endswith("/Proj/_apis/git/pullrequests"):
            skip, top = int(p["$skip"]), int(p["$top"])
            return _ok({"value": self.prs[skip : skip + top], "count": len(self.prs[skip : skip + top])})
        match = re.search(r"/pullRequests/(\d+)/threads$", path, re.IGNORECASE)
        if match:
            return _ok({"value": self.threads.get(int(match.group(1)), []), "count": 0})
        if path.endswith("/Proj/_apis/wit/wiql"):
            query = json.loads(request.content)["query"]
            after = int(re.search(r"\[System.Id\] > (\d+)", query).group(1))
            ids = sorted({r["id"] for r in self.revisions if isinstance(r, dict) and r.get("id", 0) > after})
            return _ok({"queryType": "flat", "workItems": [{"id": i, "url": "x"} for i in ids[: int(p["$top"])]]})
        if path.endswith("/Proj/_apis/wit/workitemsbatch"):
            ids = json.loads(request.content)["ids"]
            latest = {}
            for r in self.revisions:
                if isinstance(r, dict) and r["id"] in ids:
                    latest[r["id"]] = r
            return _ok({"count": len(latest), "value": list(latest.values())})
        match = re.search(r"/workitems/(\d+)/updates$", path, re.IGNORECASE)
        if match:
            return _ok({"count": 0, "value": self._updates(int(match.group(1)))[int(p["$skip"]):][: int(p["$top"])]})
        return httpx.Response(404, text="The controller for path was not found or does not implement IController.")

    def _updates(self, item_id: int) -> list[dict[str, Any]]:
        out, before = [], {}
        for n, r in enumerate(x for x in self.revisions if isinstance(x, dict) and x["id"] == item_id):
            changes = {k: ({"oldValue": before[k], "newValue": v} if k in before else {"newValue": v})
                       for k, v in r["fields"].items() if before.get(k) != v}
            changes.update({k: {"oldValue": v} for k, v in before.items() if k not in r["fields"]})  # cleared
            out.append({"id": n + 1, "workItemId": item_id, "rev": r["rev"], "fields": changes})
            out.append({"id": n + 100, "workItemId": item_id, "rev": r["rev"], "relations": {"added": []}})  # link-only
            before = dict(r["fields"])
        return out


def _ok(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode(), headers={"content-type": "application/json; charset=utf-8"})
