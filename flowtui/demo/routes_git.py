"""Git routes: pull request lists (status / time range / $top / $skip), single PRs, PR threads.

List semantics (reference §7.1): `searchCriteria.status` defaults to `active`; `queryTimeRangeType`
is `created` (default) or `closed`; `minTime`/`maxTime` are both inclusive here (the real bounds are
undocumented: clients must de-duplicate); results are newest first by `pullRequestId` whatever the
time range type; `$top` defaults to 101; descriptions are cut to 400 characters in lists; `_links`
only with `searchCriteria.includeLinks=true`. On an "old server" the time-range parameters are
ignored.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from flowtui.demo.model import SimIdentity, SimPullRequest, SimReviewer
from flowtui.demo.request import Req, parse_time
from flowtui.demo.routes_core import find_repo
from flowtui.demo.wire import ApiError, identity_ref, pr_dt, project_full, project_shallow, wit_dt
from flowtui.demo.worktime import dt_to_ms

_STATUSES = ("active", "completed", "abandoned", "all", "notset")


def _commit(rng: random.Random) -> str:
    return f"{rng.getrandbits(160):040x}"


def pr_json(pr: SimPullRequest, base: str, *, listing: bool, links: bool) -> dict[str, Any]:
    """A PR object; `listing` truncates the description and uses the shallow project ref."""
    repo, proj = pr.repository, pr.project
    rng = random.Random(pr.commit_seed)
    source, target, merge = _commit(rng), _commit(rng), _commit(rng)
    merge_id = f"{rng.getrandbits(128):032x}"
    repo_url = f"{base}/{proj.id}/_apis/git/repositories/{repo.id}"
    url = f"{repo_url}/pullRequests/{pr.pull_request_id}"
    out: dict[str, Any] = {
        "repository": {"id": repo.id, "name": repo.name, "url": repo_url,
                       "project": project_shallow(proj, base) if listing else project_full(proj, base)},
        "pullRequestId": pr.pull_request_id, "codeReviewId": pr.pull_request_id, "status": pr.status,
        "createdBy": identity_ref(pr.created_by, base), "creationDate": pr_dt(pr.creation),
    }
    if pr.closed is not None:
        out["closedDate"] = pr_dt(pr.closed)
    if pr.status == "completed" and pr.closed_by is not None:
        out["closedBy"] = identity_ref(pr.closed_by, base)
    out["title"] = pr.title
    out["description"] = pr.description[:400] if listing else pr.description
    out["sourceRefName"] = pr.source_ref
    out["targetRefName"] = pr.target_ref
    if pr.merge_status is not None:
        out["mergeStatus"] = pr.merge_status
    out["isDraft"] = pr.is_draft
    out["mergeId"] = f"{merge_id[:8]}-{merge_id[8:12]}-{merge_id[12:16]}-{merge_id[16:20]}-{merge_id[20:]}"
    out["lastMergeSourceCommit"] = {"commitId": source, "url": f"{repo_url}/commits/{source}"}
    out["lastMergeTargetCommit"] = {"commitId": target, "url": f"{repo_url}/commits/{target}"}
    if pr.status == "completed" and pr.closed is not None:
        who = pr.closed_by or pr.created_by
        stamp = pr.closed.strftime("%Y-%m-%dT%H:%M:%SZ")
        sig = {"name": who.display_name, "email": who.unique_name, "date": stamp}
        out["lastMergeCommit"] = {"commitId": merge, "author": sig, "committer": dict(sig),
                                  "comment": f"Merged PR {pr.pull_request_id}: {pr.title}",
                                  "url": f"{repo_url}/commits/{merge}"}
    out["reviewers"] = [_reviewer_json(r, url, base) for r in pr.reviewers]
    if pr.labels:
        out["labels"] = [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"label:{label}")), "name": label,
                          "active": True} for label in pr.labels]
    if pr.status == "completed" and pr.closed is not None:
        out["completionOptions"] = {"mergeStrategy": pr.merge_strategy, "deleteSourceBranch": True,
                                    "mergeCommitMessage": f"Merged PR {pr.pull_request_id}: {pr.title}",
                                    "transitionWorkItems": True}
        out["completionQueueTime"] = pr_dt(pr.closed)
    out["supportsIterations"] = True
    out["artifactId"] = f"vstfs:///Git/PullRequestId/{proj.id}%2f{repo.id}%2f{pr.pull_request_id}"
    out["url"] = url
    if links:
        out["_links"] = {"self": {"href": url}, "repository": {"href": repo_url},
                         "workItems": {"href": f"{url}/workitems"},
                         "sourceBranch": {"href": f"{repo_url}/refs/{pr.source_ref[5:]}"},
                         "targetBranch": {"href": f"{repo_url}/refs/{pr.target_ref[5:]}"},
                         "statuses": {"href": f"{url}/statuses"},
                         "sourceCommit": {"href": f"{repo_url}/commits/{source}"},
                         "targetCommit": {"href": f"{repo_url}/commits/{target}"},
                         "createdBy": {"href": f"{base}/_apis/Identities/{pr.created_by.id}"},
                         "iterations": {"href": f"{url}/iterations"}}
    return out


def _reviewer_json(r: SimReviewer, pr_url: str, base: str) -> dict[str, Any]:
    ident = identity_ref(r.identity, base)
    out: dict[str, Any] = {"reviewerUrl": f"{pr_url}/reviewers/{r.identity.id}", "vote": r.vote,
                           "hasDeclined": r.has_declined, "isFlagged": r.is_flagged}
    if r.is_required:
        out["isRequired"] = True
    if r.voted_for:
        out["votedFor"] = [_voted_for(g, r.vote, pr_url, base) for g in r.voted_for]
    out.update({k: v for k, v in ident.items() if k != "descriptor"})
    return out


def _voted_for(group: SimIdentity, vote: int, pr_url: str, base: str) -> dict[str, Any]:
    ref = identity_ref(group, base)
    return {"reviewerUrl": f"{pr_url}/reviewers/{group.id}", "vote": vote, "displayName": ref["displayName"],
            "url": ref["url"], "_links": ref["_links"], "id": group.id, "uniqueName": group.unique_name,
            "imageUrl": ref["imageUrl"], "isContainer": True}


def pull_requests(req: Req) -> dict[str, Any]:
    """`GET {org}/{project}/_apis/git/pullrequests` and the per-repository variant."""
    status = (req.q("searchCriteria.status") or "active").lower()
    if status not in _STATUSES:
        raise ApiError(400, f"The value '{status}' is not valid for searchCriteria.status.",
                       "InvalidArgumentValueException")
    repo = find_repo(req) if "repo" in req.params else None
    repo_filter = req.q("searchCriteria.repositoryId")
    creator = (req.q("searchCriteria.creatorId") or "").lower() or None
    reviewer = (req.q("searchCriteria.reviewerId") or "").lower() or None
    range_type = (req.q("searchCriteria.queryTimeRangeType") or "created").lower()
    if range_type not in ("created", "closed"):
        raise ApiError(400, f"The value '{range_type}' is not valid for searchCriteria.queryTimeRangeType.",
                       "InvalidArgumentValueException")
    lo = hi = None
    if not req.faults.ignore_pr_time_range:
        raw_lo, raw_hi = req.q("searchCriteria.minTime"), req.q("searchCriteria.maxTime")
        lo = parse_time(raw_lo, "searchCriteria.minTime") if raw_lo else None
        hi = parse_time(raw_hi, "searchCriteria.maxTime") if raw_hi else None
    else:
        range_type = "created"
    top = req.q_int("$top", 101, minimum=0)
    if req.faults.pr_max_page is not None and (top is None or top > req.faults.pr_max_page):
        top = req.faults.pr_max_page  # a server that caps page sizes below $top
    skip = req.q_int("$skip", 0) or 0
    links = req.q_bool("searchCriteria.includeLinks")
    out = []
    for pr in sorted(req.org.pull_requests.values(), key=lambda p: -p.pull_request_id):
        if req.project is not None and pr.project is not req.project:
            continue
        if repo is not None and pr.repository is not repo:
            continue
        if repo_filter and pr.repository.id != repo_filter.lower():
            continue
        if status not in ("all", "notset") and pr.status != status:
            continue
        if creator and pr.created_by.id != creator:
            continue
        if reviewer and not any(r.identity.id == reviewer for r in pr.reviewers):
            continue
        if lo is not None or hi is not None:
            when = pr.creation if range_type == "created" else pr.closed
            if when is None:
                continue
            ms = dt_to_ms(when)
            if (lo is not None and ms < lo) or (hi is not None and ms > hi):
                continue
        out.append(pr)
    page = out[skip: skip + top] if top is not None else out[skip:]
    value = [pr_json(pr, req.base, listing=True, links=links) for pr in page]
    return {"value": value, "count": len(value)}


def _find_pr(req: Req) -> SimPullRequest:
    try:
        pr_id = int(req.params["id"])
    except ValueError:
        raise ApiError(400, f"The value '{req.params['id']}' is not a valid pull request id.",
                       "ArgumentException") from None
    pr = req.org.pull_requests.get(pr_id)
    repo = find_repo(req) if "repo" in req.params else None
    if pr is None or (req.project is not None and pr.project is not req.project) or \
            (repo is not None and pr.repository is not repo):
        raise ApiError(404, "TF401180: The requested pull request was not found.",
                       "GitPullRequestNotFoundException",
                       "Microsoft.TeamFoundation.Git.Server.GitPullRequestNotFoundException, "
                       "Microsoft.TeamFoundation.Git.Server")
    return pr


def pull_request(req: Req) -> dict[str, Any]:
    """`GET {org}/{project}/_apis/git/pullrequests/{id}` (full description, full project, _links)."""
    return pr_json(_find_pr(req), req.base, listing=False, links=True)


def threads(req: Req) -> dict[str, Any]:
    """`GET …/repositories/{repo}/pullRequests/{id}/threads`: every thread, no paging."""
    pr = _find_pr(req)
    base = req.base
    url = f"{base}/{pr.project.id}/_apis/git/repositories/{pr.repository.id}/pullRequests/{pr.pull_request_id}"
    value = []
    for t in pr.threads:
        comments = []
        for c in t.comments:
            cj: dict[str, Any] = {"id": c.id, "parentCommentId": c.parent_comment_id,
                                  "author": identity_ref(c.author, base)}
            if c.content is not None:
                cj["content"] = c.content
            cj.update({"publishedDate": wit_dt(c.published), "lastUpdatedDate": wit_dt(c.published),
                       "lastContentUpdatedDate": wit_dt(c.published), "commentType": c.comment_type})
            if c.is_deleted:
                cj["isDeleted"] = True
            cj["usersLiked"] = []
            cj["_links"] = {"self": {"href": f"{url}/threads/{t.id}/comments/{c.id}"}}
            comments.append(cj)
        last = max(c.published for c in t.comments)
        tj: dict[str, Any] = {"pullRequestThreadContext": None, "id": t.id,
                              "publishedDate": wit_dt(t.published), "lastUpdatedDate": wit_dt(last),
                              "comments": comments}
        if t.status is not None:
            tj["status"] = t.status
        if t.file_path is not None:
            tj["threadContext"] = {"filePath": t.file_path, "rightFileStart": {"line": 12, "offset": 1},
                                   "rightFileEnd": {"line": 12, "offset": 9}}
        else:
            tj["threadContext"] = None
        props = dict(t.properties) if t.kind != "text" else {
            "Microsoft.TeamFoundation.Discussion.SupportsMarkdown": {"$type": "System.Int32", "$value": 1}}
        tj["properties"] = props
        tj["identities"] = {k: identity_ref(v, base) for k, v in t.identities.items()} if t.identities else None
        tj["isDeleted"] = t.is_deleted
        tj["_links"] = {"self": {"href": f"{url}/threads/{t.id}"},
                        "repository": {"href": url.split("/pullRequests")[0]}}
        value.append(tj)
    return {"value": value, "count": len(value)}
