"""The simulated Azure DevOps organization: a seeded generator and an in-process httpx transport.

Public API (import from `flowtui.demo`)
=======================================

Generator
---------
generate_org(seed: int = 7, size: str = "default", now: datetime | None = None, *,
             extra_empty_projects: int = 0) -> SimulatedOrg
    size "tiny" (2 projects: "Fabrikam Web" Agile + "Contoso Platform" custom; 68 items, ~570
    revisions, 22 PRs, 120 days; generated in ~0.02 s), "default" (4 projects, adding "Mobile App"
    Scrum and "Data Pipeline" Agile; 4,000 items, ~32k revisions, 1,000 PRs, 365 days; ~0.8 s),
    "large" (10 projects, 100,000 items, ~957k revisions, 50,000 PRs, 730 days; 18-40 s, ~460 MB).
    `now` defaults to DEFAULT_NOW (2026-11-23T12:00:00Z, fixed); same (seed, size, now) => identical org and byte-identical
    responses. extra_empty_projects adds idle "Sandbox 001"... projects (for >100 project paging).

SimulatedOrg (ground truth; plain objects)
    .name: str ("contoso-demo")   .seed   .size   .now: datetime   .now_ms: int (epoch ms)
    .projects: list[SimProject]   .people: list[SimIdentity]   .service_account: SimIdentity
    .identities -> people + team groups + service account
    .repositories -> list[SimRepository]
    .work_items: dict[int, SimWorkItem]   (ids 1..N in creation order; DELETED items included,
        flagged .is_deleted — the API hides them unless includeDeleted=true)
    .revisions: list[SimRevision]   (all revisions, watermark order; watermark == index + 1)
    .pull_requests: dict[int, SimPullRequest]   (ids org-wide, creation order)
    .project(name_or_id) -> SimProject | None
    .items_of(project=None, *, include_deleted=False) -> list[SimWorkItem]
    .histories(project=None, *, include_deleted=False) -> list[domain.WorkItemHistory]
    .state_categories() -> list[domain.StateCategory]
    .prs_of(project=None, status=None) -> list[SimPullRequest]
    .domain_pull_requests(project=None, status="completed") -> list[domain.PullRequest]
    .max_watermark -> int
    .advance(hours: float, seed: int | None = None) -> ChangeSummary

ChangeSummary (frozen): old_now: datetime, new_now: datetime, changed_work_item_ids: tuple[int, ...]
    (existing items that got revisions), new_work_item_ids: tuple[int, ...], new_revision_count: int
    (all added revisions), new_pr_ids: tuple[int, ...] (created and completed in the window),
    completed_pr_ids: tuple[int, ...] (every PR completed in the window, new ones included).

SimProject: id (GUID), name, description, process: SimProcess, revision, last_update_ms, visibility,
    areas: tuple[str], iterations: tuple[(path, start_ms, finish_ms)], members: tuple[SimIdentity],
    team: SimIdentity (group, is_container), repositories: list[SimRepository],
    revisions / watermarks (this project's revisions in watermark order),
    work_item_type(name) -> SimWorkItemType | None, state_categories() -> list[domain.StateCategory]
SimProcess: name ("Agile" | "Scrum" | "Contoso Flow"), types: tuple[SimWorkItemType], uses_blocked_field
SimWorkItemType: name, reference_name, states: tuple[SimState(name, category, color)], flow,
    category_of(state) -> str | None, done_state, proposed_states, doing_states
    Agile: User Story/Bug New, Active, Resolved(Resolved), Closed, Removed; Task New, Active, Closed, Removed
    Scrum: PBI/Bug New, Approved(Proposed), Committed, Done, Removed; Task To Do, In Progress, Done, Removed
    Contoso Flow: PBI New, Approved, Committed, In Review(InProgress), Ready for Test(Resolved), Done,
    Removed; Bug without Approved; Task as Scrum; uses Microsoft.VSTS.CMMI.Blocked = "Yes"/"No".
SimIdentity (frozen): id, display_name, unique_name, descriptor, is_container; .ref_string
    ("Name <email>"), .to_domain() -> domain.Identity
SimRepository (frozen): id, name, project, default_branch, size; .to_domain(org_name)
SimWorkItem: id, project, type: SimWorkItemType, created_ms, created_by, revisions: list[SimRevision]
    (revisions[i].rev == i + 1), is_deleted; .latest, .state, .category, .is_open, .created_at,
    .revision_as_of(ms), .to_domain() -> domain.WorkItem, .history() -> domain.WorkItemHistory
SimRevision: item, rev, watermark, t (System.ChangedDate as epoch ms on the 0/3/7 grid), changed_by,
    state, reason, title, assigned_to (SimIdentity | None), tags (ADO string "a; b", "" = none),
    area_path, iteration_path, priority, effort, blocked (None | bool: CMMI Blocked field),
    comment_count, derived; .changed_at (datetime), .tag_list, .revised_ms,
    .fields -> dict exactly as the reporting API returns it by default (identity strings, WIT dates,
    null fields omitted), .raw_fields(), .to_domain(from_state=None) -> domain.Revision
SimPullRequest: pull_request_id, repository, project, uid ("{repoId}-{prId}"), created_by, creation,
    closed, closed_by, status ("active" | "completed" | "abandoned"), title, description,
    source_ref, target_ref, is_draft, merge_status, reviewers: list[SimReviewer], labels,
    threads: list[SimThread] (lazy, deterministic), first_comment_at(), first_vote_at(approvals_only=False),
    to_domain(org_name) -> domain.PullRequest
SimReviewer: identity, vote (-10/-5/0/5/10), is_required, voted_for, vote_history: [(datetime, vote)]
SimThread: id (restarts at 1 per PR), published, kind ("text" or the CodeReviewThreadType such as
    "VoteUpdate", "ReviewersUpdate", "RefUpdate"), comments: list[SimComment], status, properties,
    file_path, identities
SimComment: id, parent_comment_id, author, content (None when deleted), published, comment_type
    ("text" | "system"), is_deleted

Transport
---------
SimulatedAdo(org, *, pat="demo-pat", faults: Faults | None = None,
             clock: Callable[[], float] | None = None, base_url: str | None = None)
    .transport  -> for httpx.Client(transport=...) and httpx.AsyncClient(transport=...)
    .base_url   -> "https://dev.azure.com/contoso-demo" (the collection URL)
    .request_log: list[tuple[method, path, status]]  (status 0 when a connection error was raised)
    .counts_by_route() -> dict[str, int]   .request_count -> int
    Auth: Basic, any user name, password == pat. clock: epoch seconds for the throttle window.
    Routes (project by name or GUID, case-insensitive; unknown project -> 404 TF200016 on WIT/core,
    VS800075 on git; unknown repo -> 404 TF401019; unknown route -> 404 text/plain):
      GET  {org}/_apis/projects[/{id}]             projects / project
      GET  {org}[/{p}]/_apis/git/repositories      repositories
      GET  {org}/{p}/_apis/wit/workitemtypes[/{t}[/states]]   workitemtypes / workitemtype / workitemtype_states
      GET|POST {org}[/{p}]/_apis/wit/reporting/workitemrevisions   reporting_revisions
           ($maxPageSize default 1000, max 10000; token "{watermark};{id};{rev}" is opaque)
      POST {org}[/{p}[/{team}]]/_apis/wit/wiql     wiql
      POST {org}[/{p}]/_apis/wit/workitemsbatch    workitemsbatch
      GET  {org}[/{p}]/_apis/wit/workitems?ids=    workitems;  .../workitems/{id}  workitem
      GET  {org}[/{p}]/_apis/wit/workitems/{id}/updates   workitem_updates ($top default/max 200)
      GET  {org}[/{p}]/_apis/wit/workitems/{id}/revisions workitem_revisions (full snapshots, same paging)
      GET  {org}[/{p}]/_apis/git/pullrequests[/{id}]      pullrequests / pullrequest
      GET  {org}[/{p}]/_apis/git/repositories/{r}/pullrequests[/{id}[/threads]]
           pullrequests / pullrequest / pullrequest_threads  (org level: repository by GUID only)

Faults (dataclass; all optional): rules: list[FaultRule], random_rate, random_kinds, seed,
    retry_after_s, rate_limit, window_s, request_cost, block_ratio, throttle_delay_s, throttle_sleep,
    org_stopped, bom, malformed_routes, forbidden_routes, latency_s, latency_routes, sleep,
    bad_pat_mode ("401_empty" | "203_html" | "302_signin" | None = by Suppress header),
    max_api_version, ignore_pr_time_range, no_workitemsbatch, states_preview_only, wiql_max_results,
    max_batch_ids,
    revisions_default_page, revisions_max_page, updates_default_page, projects_default_page,
    repeat_token_routes (reporting_revisions / projects hand back the token they got),
    endless_empty_batches (empty not-last revisions batches with fresh tokens at the end),
    ignore_skip_routes (pullrequests / workitem_updates / workitem_revisions / projects), pr_page_cap.
    Faults.old_server(version="6.0", **overrides), Faults.demo(seed=0) (3 % of requests -> 429
    with Retry-After 0.5 s; PR pages capped at 37).
FaultRule(kind, nth=None, route=None, count=1, retry_after=None); kind in FAULT_KINDS:
    "500" "502" "503" "504" "429" "tf24668" "connect_error" "reset" "read_timeout" "malformed"
    "html" (200 text/html: a proxy or sign-in page where JSON was expected).

Decisions where the reference is silent (all [I] there)
-------------------------------------------------------
- Reporting revisions: default page 1000, maximum 10000; a page is full unless the stream ends, but
  revisions hidden by a filter (deleted items, types, includeLatestOnly, startDateTime) do not take
  a slot, so one extra empty `isLastBatch` page can follow a full one. The token is the position of
  the last revision scanned; an unchanged org answers `values: []`, `isLastBatch: true` and the same
  token. `System.IsDeleted` is emitted (false) with the other fields.
- PR list: `minTime`/`maxTime` are both inclusive; order is newest `pullRequestId` first whatever
  the time range type; `closedBy`, `completionOptions` and `lastMergeCommit` appear on completed
  PRs in lists too; `isRequired` only when true.
- Updates: one update per revision (no relation-only updates); `$top` default and maximum 200.
- WIQL runs over the whole org unless a `[System.TeamProject]` condition narrows it (as the real
  service does); deleted items never match. Unknown fields: 400 TF51005 (WIQL) / TF51535 (others).
- Unknown routes answer 404 text/plain before authentication is checked.
- Serving speed: about 15-20k reporting revisions per CPU-second with identity refs (client JSON
  decoding included), so a full sync of the large org spends roughly a minute in the simulator.
"""

from __future__ import annotations

from flowtui.demo.faults import FAULT_KINDS, FaultRule, Faults
from flowtui.demo.generator import DEFAULT_NOW, SIZES, SimulatedOrg, generate_org
from flowtui.demo.model import (
    ChangeSummary,
    SimComment,
    SimIdentity,
    SimProject,
    SimPullRequest,
    SimRepository,
    SimReviewer,
    SimRevision,
    SimThread,
    SimWorkItem,
)
from flowtui.demo.processes import PROCESSES, SimProcess, SimState, SimWorkItemType
from flowtui.demo.transport import SimulatedAdo

__all__ = [
    "DEFAULT_NOW", "FAULT_KINDS", "PROCESSES", "SIZES", "ChangeSummary", "FaultRule", "Faults",
    "SimComment", "SimIdentity", "SimProcess", "SimProject", "SimPullRequest", "SimRepository",
    "SimReviewer", "SimRevision", "SimState", "SimThread", "SimWorkItem", "SimWorkItemType",
    "SimulatedAdo", "SimulatedOrg", "generate_org",
]
