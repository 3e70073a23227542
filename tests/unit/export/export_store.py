"""A small hand-built store for the export tests, written only through the store's upserts.

The golden files in tests/data/export/ were written by hand from the values below; every number
in them is worked out in the comments here.

PowerBI part (organization https://dev.azure.com/Contoso → organization_name "Contoso"):
* r-a-9  (Fabrikam/api, by Alice): title with a comma, description with quotes, LF and CRLF;
  created 2026-11-02T09:00:00Z, closed 2026-11-03T10:30:00.300Z = 25 h 30 min 0.3 s
  = 1530.005 min → half-up to 2 decimals → 1530.01. Reviewers with every vote: 10, 5, 0, −5, −10.
* r-a-10 (Fabrikam/api, by Björn): closed 20 s after creation → 0.333… min → 0.33 → floor 1.0; no
  reviewers; description NULL. Sorts before r-a-9 in plain string order ("1" < "9").
* r-b-1  (Fabrikam/web, by Chloé): title with quotes; 61 min 30 s → 61.5; a group reviewer (10),
  Alice (0), Frank (−5). Frank is not in the identity table: his name comes from this PR (closed
  2026-11-05), the most recently closed one naming him ("Frank Mueller (old)" on r-a-9 loses).
* r-z-3  (Zürich Tools/tools, by Erin): 7 days = 10080 min → 10080.0; Björn votes 10.
* r-b-2  abandoned (author Gina, reviewer Hank): must appear nowhere, nor Gina or Hank in users.csv.
* Alice's PRs carry the old name "Alice S."; the identity table says "Alice Smith", which wins.

Flow part (project Fabrikam, type "User Story"; states New=Proposed, Active=InProgress,
Resolved=Resolved, Closed=Completed, Removed=Removed), evaluated at AS_OF = 2026-11-23T12:00:00Z:
* 101 "Story, with comma": New 11-02 09:00, Active 11-03 09:00, Closed 11-05 21:00
  → lead 3.5 d, cycle 2.5 d.
* 102 "Ünïcode item": New 11-10 00:00, Active 11-16 12:00, tagged Blocked 11-20 12:00 (still Active)
  → doing, age = 11-16 12:00 → 11-23 12:00 = 7.0 d; blocked 11-20 12:00 → as_of = 3.0 d.
* 103 removed: New 11-01 00:00, Removed 11-02 00:00.
* 104 done without doing: New 11-04 00:00, Closed 11-06 00:00 → lead 2.0 d, no cycle.
* 105 reopened: New 11-01, Active 11-02, Closed 11-04, Active 11-05 (reopen), Closed 11-09 12:00
  → started (first) 11-02, completed 11-09 12:00: cycle 7.5 d, lead 8.5 d, reopen_count 1.
* 106 created after as_of (11-24): does not exist at as_of, so it appears nowhere.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flowtui.domain import (
    Identity,
    Organization,
    Project,
    PullRequest,
    Repository,
    Reviewer,
    Revision,
    StateCategory,
    WorkItem,
)
from flowtui.store import Store

DATA = Path(__file__).resolve().parents[2] / "data" / "export"
AS_OF = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
ORG_URL = "https://dev.azure.com/Contoso"


def t(text: str) -> datetime:
    """'2026-11-02T09:00:00' (optionally with .ffffff) -> aware UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _pr(uid: str, pr_id: int, project: str, repo: str, author: tuple[str, str, str], title: str,
        created: str, closed: str | None, *, description: str | None = None, status: str = "completed",
        reviewers: tuple[tuple[str, str, str | None, int], ...] = ()) -> PullRequest:
    return PullRequest(
        uid=uid, pull_request_id=pr_id, organization="Contoso", project=project, repository_id=repo,
        repository_name={"r-a": "api", "r-b": "web", "r-z": "tools"}[repo], author_id=author[0],
        author_name=author[1], author_unique_name=author[2], title=title, status=status,
        created_at=t(created), closed_at=t(closed) if closed else None, description=description,
        reviewers=tuple(Reviewer(uid, uid_, name, vote, unique_name=un, is_container=uid_.startswith("g-"))
                        for uid_, name, un, vote in reviewers),
    )


def fill_powerbi(store: Store) -> None:
    alice = ("u-alice", "Alice S.", "alice@contoso.com")
    bjorn = ("u-bjorn", "Björn Ødegård", "bjorn@contoso.com")
    chloe = ("u-chloe", "Chloé Dubois", "chloe@contoso.com")
    erin = ("u-erin", 'Erin "Ace" Lee', "erin@contoso.com")
    gina = ("u-gina", "Gina Abandoned", "gina@contoso.com")
    group = "[Fabrikam]\\Fabrikam Team"
    prs = [
        _pr("r-a-9", 9, "Fabrikam", "r-a", alice, "Fix login, logout", "2026-11-02T09:00:00",
            "2026-11-03T10:30:00.300000", description='Says "hello"\nline two\r\nline three',
            reviewers=(("u-bjorn", "Björn Ødegård", "bjorn@contoso.com", 10),
                       ("u-chloe", "Chloé Dubois", "chloe@contoso.com", 5),
                       ("u-dan", "Dan O'Neil", "dan@contoso.com", 0),
                       ("u-erin", 'Erin "Ace" Lee', "erin@contoso.com", -5),
                       ("u-frank", "Frank Mueller (old)", "frank.old@contoso.com", -10))),
        _pr("r-a-10", 10, "Fabrikam", "r-a", bjorn, "Ünïcödé ✓ title", "2026-11-04T08:00:00",
            "2026-11-04T08:00:20"),
        _pr("r-b-1", 1, "Fabrikam", "r-b", chloe, 'Quote "this"', "2026-11-05T12:00:00",
            "2026-11-05T13:01:30", description="",
            reviewers=(("g-team", group, "vstfs:///Classification/TeamProject/p-1\\Fabrikam Team", 10),
                       ("u-alice", "Alice S.", "alice@contoso.com", 0),
                       ("u-frank", "Frank Müller", "frank@contoso.com", -5))),
        _pr("r-b-2", 2, "Fabrikam", "r-b", gina, "Abandoned work", "2026-11-06T12:00:00",
            "2026-11-06T13:00:00", status="abandoned",
            reviewers=(("u-hank", "Hank Hidden", "hank@contoso.com", 10),)),
        _pr("r-z-3", 3, "Zürich Tools", "r-z", erin, "Plain title", "2026-10-01T00:00:00",
            "2026-10-08T00:00:00", description="multi\nline",
            reviewers=(("u-bjorn", "Björn Ødegård", "bjorn@contoso.com", 10),)),
    ]
    with store.transaction():
        store.upsert_organization(Organization(ORG_URL, "Contoso"))
        store.upsert_projects([Project("p-2", "Zürich Tools", "Contoso"), Project("p-1", "Fabrikam", "Contoso")])
        store.upsert_repositories([
            Repository("r-z", "tools", "Zürich Tools", "Contoso"),
            Repository("r-b", "web", "Fabrikam", "Contoso"),
            Repository("r-a", "api", "Fabrikam", "Contoso"),
        ])
        store.upsert_identities([
            Identity("u-alice", "Alice Smith", "alice@contoso.com"),
            Identity("u-bjorn", "Björn Ødegård", "bjorn@contoso.com"),
            Identity("u-chloe", "Chloé Dubois", "chloe@contoso.com"),
            Identity("u-dan", "Dan O'Neil", "dan@contoso.com"),
            Identity("u-erin", 'Erin "Ace" Lee', "erin@contoso.com"),
            Identity("u-gina", "Gina Abandoned", "gina@contoso.com"),
            Identity("u-hank", "Hank Hidden", "hank@contoso.com"),
            Identity("g-team", group, "vstfs:///Classification/TeamProject/p-1\\Fabrikam Team", True),
        ])
        store.upsert_pull_requests(prs)


STATES = (("New", "Proposed"), ("Active", "InProgress"), ("Resolved", "Resolved"), ("Closed", "Completed"),
          ("Removed", "Removed"))


def _item(wid: int, title: str, revs: list[tuple[str, str, str | None, tuple[str, ...]]],
          *, assigned: str | None = None, tags: tuple[str, ...] = ()) -> tuple[WorkItem, list[Revision]]:
    last = revs[-1]
    item = WorkItem(
        id=wid, project="Fabrikam", type="User Story", title=title, state=last[1], created_at=t(revs[0][0]),
        changed_at=t(last[0]), rev=len(revs), assigned_to=assigned, area_path="Fabrikam\\Web",
        iteration_path="Fabrikam\\Sprint 1", tags=tags,
    )
    revisions = [Revision(wid, i + 1, t(at), state, changed_by=by, tags=rtags)
                 for i, (at, state, by, rtags) in enumerate(revs)]
    return item, revisions


def fill_flow(store: Store) -> None:
    a, b = "Alice Smith", "Björn Ødegård"
    built = [
        _item(101, "Story, with comma", [("2026-11-02T09:00:00", "New", a, ()),
                                         ("2026-11-03T09:00:00", "Active", a, ()),
                                         ("2026-11-05T21:00:00", "Closed", b, ())], assigned=a),
        _item(102, "Ünïcode item", [("2026-11-10T00:00:00", "New", b, ()),
                                    ("2026-11-16T12:00:00", "Active", b, ()),
                                    ("2026-11-20T12:00:00", "Active", a, ("Blocked",))],
              assigned=b, tags=("Blocked",)),
        _item(103, "Removed one", [("2026-11-01T00:00:00", "New", a, ()),
                                   ("2026-11-02T00:00:00", "Removed", a, ())]),
        _item(104, "Done without doing", [("2026-11-04T00:00:00", "New", a, ()),
                                          ("2026-11-06T00:00:00", "Closed", a, ())]),
        _item(105, 'Reopened "twice"', [("2026-11-01T00:00:00", "New", a, ()),
                                        ("2026-11-02T00:00:00", "Active", a, ()),
                                        ("2026-11-04T00:00:00", "Closed", b, ()),
                                        ("2026-11-05T00:00:00", "Active", b, ()),
                                        ("2026-11-09T12:00:00", "Closed", b, ())]),
        _item(106, "From the future", [("2026-11-24T00:00:00", "New", a, ())]),
    ]
    with store.transaction():
        store.upsert_state_categories([StateCategory("Fabrikam", "User Story", s, c, i)
                                       for i, (s, c) in enumerate(STATES)])
        store.upsert_work_items([item for item, _ in built])
        store.upsert_revisions([r for _, revs in built for r in revs])
