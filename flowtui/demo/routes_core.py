"""Core routes: projects (continuation-token paging), work item types and states, repositories."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flowtui.demo.model import SimRepository
from flowtui.demo.request import Req
from flowtui.demo.wire import ApiError, project_full


def projects(req: Req) -> tuple[dict[str, Any], dict[str, str]]:
    """`GET {org}/_apis/projects`: at most `projects_default_page` per call (or `$top`), ordered by
    name; when more remain the `x-ms-continuationtoken` header carries the opaque token (a skip)."""
    state = (req.q("stateFilter") or "wellFormed").lower()
    if state not in ("wellformed", "all", "createpending", "deleting", "new", "unchanged"):
        raise ApiError(400, f"The value '{state}' is not valid for stateFilter.", "ArgumentException")
    items = sorted(req.org.projects, key=lambda p: p.name.lower()) if state in ("wellformed", "all") else []
    token = req.q("continuationToken")
    skip = req.skip()
    if token:
        try:
            skip = int(token)
        except ValueError:
            raise ApiError(400, f"The continuation token '{token}' is not valid.", "ArgumentException") from None
    top = req.q_int("$top", req.faults.projects_default_page, minimum=1) or req.faults.projects_default_page
    page = items[skip: skip + top]
    headers: dict[str, str] = {}
    if token and "projects" in req.faults.repeat_token_routes:
        headers["x-ms-continuationtoken"] = token  # the same token again, forever
    elif skip + top < len(items):
        headers["x-ms-continuationtoken"] = str(skip + top)
    return {"count": len(page), "value": [project_full(p, req.base) for p in page]}, headers


def project(req: Req) -> dict[str, Any]:
    """`GET {org}/_apis/projects/{idOrName}` with `_links` and `defaultTeam`."""
    p = req.org.project(req.params["id"])
    if p is None:
        raise ApiError(404, f"TF200016: The following project does not exist: {req.params['id']}. Verify "
                            "that the name of the project is correct and that the project exists on the "
                            "specified Azure DevOps Server.", "ProjectDoesNotExistWithNameException",
                       "Microsoft.TeamFoundation.Core.WebApi.ProjectDoesNotExistWithNameException, "
                       "Microsoft.TeamFoundation.Core.WebApi")
    out = project_full(p, req.base)
    out["_links"] = {"self": {"href": f"{req.base}/_apis/projects/{p.id}"},
                     "collection": {"href": f"{req.base}/_apis/projectCollections/{req.org.name}"},
                     "web": {"href": f"{req.base}/{quote(p.name)}"}}
    out["defaultTeam"] = {"id": p.team.id, "name": p.team.display_name.split("\\")[-1],
                          "url": f"{req.base}/_apis/projects/{p.id}/teams/{p.team.id}"}
    return out


def _type_or_404(req: Req):
    assert req.project is not None
    wit = req.project.work_item_type(req.params["type"])
    if wit is None:
        raise ApiError(404, f"VS402323: Work item type {req.params['type']} does not exist.",
                       "WorkItemTypeNotFoundException",
                       "Microsoft.TeamFoundation.WorkItemTracking.Server.Metadata.WorkItemTypeNotFoundException, "
                       "Microsoft.TeamFoundation.WorkItemTracking.Server", event_id=3200)
    return wit


def _type_json(req: Req, wit) -> dict[str, Any]:
    assert req.project is not None
    return {"name": wit.name, "referenceName": wit.reference_name,
            "description": f"Tracks a {wit.name.lower()}.", "color": wit.color,
            "icon": {"id": wit.icon, "url": f"{req.base}/_apis/wit/workItemIcons/{wit.icon}?color={wit.color}&v=2"},
            "isDisabled": False,
            "states": [{"name": s.name, "color": s.color, "category": s.category} for s in wit.states],
            "url": f"{req.base}/{req.project.id}/_apis/wit/workItemTypes/{quote(wit.name)}"}


def work_item_types(req: Req) -> dict[str, Any]:
    """`GET {org}/{project}/_apis/wit/workitemtypes`."""
    assert req.project is not None
    types = [_type_json(req, wit) for wit in req.project.process.types]
    return {"count": len(types), "value": types}


def work_item_type(req: Req) -> dict[str, Any]:
    """`GET {org}/{project}/_apis/wit/workitemtypes/{type}`."""
    return _type_json(req, _type_or_404(req))


def states(req: Req) -> dict[str, Any]:
    """`GET {org}/{project}/_apis/wit/workitemtypes/{type}/states`: states with categories."""
    wit = _type_or_404(req)
    value = [{"name": s.name, "color": s.color, "category": s.category} for s in wit.states]
    return {"count": len(value), "value": value}


def repo_json(repo: SimRepository, base: str) -> dict[str, Any]:
    p = repo.project
    host = base.split("://", 1)[-1]
    return {"id": repo.id, "name": repo.name, "url": f"{base}/{p.id}/_apis/git/repositories/{repo.id}",
            "project": project_full(p, base), "defaultBranch": repo.default_branch, "size": repo.size,
            "remoteUrl": f"https://{host}/{quote(p.name)}/_git/{quote(repo.name)}",
            "sshUrl": f"git@ssh.dev.azure.com:v3/{host.split('/', 1)[-1]}/{quote(p.name)}/{quote(repo.name)}",
            "webUrl": f"{base}/{quote(p.name)}/_git/{quote(repo.name)}",
            "isDisabled": False, "isInMaintenance": False}


def repositories(req: Req) -> dict[str, Any]:
    """`GET {org}[/{project}]/_apis/git/repositories`."""
    repos = req.project.repositories if req.project else req.org.repositories
    value = [repo_json(r, req.base) for r in sorted(repos, key=lambda r: r.name.lower())]
    return {"count": len(value), "value": value}


def find_repo(req: Req) -> SimRepository:
    """The repository named (or id'd) in the route, or 404 TF401019 (org level: by GUID only)."""
    key = req.params["repo"].lower()
    candidates = req.project.repositories if req.project is not None else [
        r for r in req.org.repositories if r.id == key]
    for repo in candidates:
        if repo.id == key or repo.name.lower() == key:
            return repo
    raise ApiError(404, f"TF401019: The Git repository with name or identifier {req.params['repo']} does "
                        "not exist or you do not have permissions for the operation you are attempting.",
                   "GitRepositoryNotFoundException",
                   "Microsoft.TeamFoundation.Git.Server.GitRepositoryNotFoundException, "
                   "Microsoft.TeamFoundation.Git.Server")
