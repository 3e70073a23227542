"""The PowerBI set: hand-written golden files, byte for byte; determinism; round-trips; edge rules."""

from __future__ import annotations

import csv
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as settings_
from hypothesis import strategies as st
from export_store import AS_OF, DATA, t

from flowtui.config import Settings, load_settings
from flowtui.domain import ItemFilter, Organization, Project, PullRequest, Repository
from flowtui.export import POWERBI_FILES, POWERBI_HEADERS, cycle_time_minutes, export
from flowtui.store import Store, open_store


def _read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


@pytest.mark.parametrize("name", POWERBI_FILES)
def test_powerbi_file_matches_the_hand_written_golden_file(store: Store, settings: Settings, tmp_path: Path,
                                                           name: str) -> None:
    result = export(store, settings, tmp_path / "out", what="powerbi", as_of=AS_OF)
    assert [p.name for p in result.paths] == list(POWERBI_FILES)
    assert (tmp_path / "out" / name).read_bytes() == (DATA / name).read_bytes()


def test_powerbi_set_is_exactly_six_files_with_row_counts(store: Store, settings: Settings, tmp_path: Path) -> None:
    result = export(store, settings, tmp_path / "out", what="powerbi", as_of=AS_OF)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(POWERBI_FILES)
    # 1 org; 2 projects; 3 repos; 4 completed PRs (the abandoned one left out); 7 users
    # (group, alice, bjorn, chloe, dan, erin, frank — not gina or hank); 5 + 3 + 1 = 9 reviewer rows.
    assert [f.rows for f in result.files] == [1, 2, 3, 4, 7, 9]
    assert not result.store_empty


def test_files_are_utf8_without_bom_with_lf_line_ends(store: Store, settings: Settings, out: Path) -> None:
    export(store, settings, out, what="powerbi", as_of=AS_OF)
    for name in POWERBI_FILES:
        raw = (out / name).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        raw.decode("utf-8")
        assert raw.endswith(b"\n")
        # The only CR in the set is inside the quoted description of r-a-9.
        assert raw.count(b"\r") == (1 if name == "pull_requests.csv" else 0)


def test_re_export_is_byte_identical(store: Store, settings: Settings, tmp_path: Path) -> None:
    export(store, settings, tmp_path / "a", what="powerbi", as_of=AS_OF)
    export(store, settings, tmp_path / "b", what="powerbi", as_of=AS_OF)
    first = {n: (tmp_path / "a" / n).read_bytes() for n in POWERBI_FILES}
    export(store, settings, tmp_path / "a", what="powerbi", as_of=AS_OF)  # over its own files
    for name in POWERBI_FILES:
        assert (tmp_path / "a" / name).read_bytes() == first[name] == (tmp_path / "b" / name).read_bytes()


def test_every_file_round_trips_through_a_csv_parser(store: Store, settings: Settings, out: Path) -> None:
    export(store, settings, out, what="powerbi", as_of=AS_OF)
    for name in POWERBI_FILES:
        rows = _read(out / name)
        assert tuple(rows[0]) == POWERBI_HEADERS[name]
        assert all(len(r) == len(rows[0]) for r in rows)
    prs = {r[0]: r for r in _read(out / "pull_requests.csv")[1:]}
    # Values the parser gives back are the stored ones, special characters intact.
    assert prs["r-a-9"][6] == "Fix login, logout"
    assert prs["r-a-9"][8] == 'Says "hello"\nline two\r\nline three'
    assert prs["r-b-1"][6] == 'Quote "this"'
    assert prs["r-a-10"][6] == "Ünïcödé ✓ title"
    assert prs["r-a-10"][8] == ""  # NULL description
    users = {r[0]: r for r in _read(out / "users.csv")[1:]}
    assert users["u-erin"][1] == 'Erin "Ace" Lee'
    assert set(users) == {"g-team", "u-alice", "u-bjorn", "u-chloe", "u-dan", "u-erin", "u-frank"}
    votes = sorted(int(r[2]) for r in _read(out / "reviewers.csv")[1:] if r[0] == "r-a-9")
    assert votes == [-10, -5, 0, 5, 10]


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (20, 1.0),  # 0.333 min -> floor 1.0
        (0, 1.0),
        (-30, 1.0),  # closed before created (bad clock): still the floor
        (60, 1.0),
        (90, 1.5),
        (91800.3, 1530.01),  # 1530.005 min exactly: half-up
        (91800.299999, 1530.0),  # 1530.00499998 min
        (91800.9, 1530.02),  # 1530.015 min exactly: half-up (banker's rounding would give 1530.02 too)
        (91800.06, 1530.0),  # 1530.001 min
        (604800, 10080.0),  # 7 days
    ],
)
def test_cycle_time_minutes_rounds_half_up_to_two_decimals_with_a_floor(seconds: float, expected: float) -> None:
    created = t("2026-11-02T09:00:00")
    assert cycle_time_minutes(created, created + timedelta(seconds=seconds)) == expected


def test_cycle_time_half_cent_rounds_up_where_bankers_rounding_would_not() -> None:
    # 1530.025 min = 91801.5 s: round-half-even gives 1530.02, the contract's half-up gives 1530.03.
    created = t("2026-11-02T09:00:00")
    assert cycle_time_minutes(created, created + timedelta(seconds=91801.5)) == 1530.03
    assert cycle_time_minutes(created, None) is None


def test_empty_store_writes_header_only_files(empty_store: Store, settings: Settings, out: Path) -> None:
    result = export(empty_store, settings, out, what="powerbi", as_of=AS_OF)
    assert result.store_empty
    assert [f.rows for f in result.files] == [0] * 6
    for name in POWERBI_FILES:
        assert (out / name).read_text(encoding="utf-8") == ",".join(POWERBI_HEADERS[name]) + "\n"


def test_project_filter_restricts_projects_repos_prs_users_and_reviewers(store: Store, settings: Settings,
                                                                         out: Path) -> None:
    export(store, settings, out, what="powerbi", item_filter=ItemFilter(projects=("Zürich Tools",)))
    assert _read(out / "projects.csv")[1:] == [["Contoso", "Zürich Tools"]]
    assert [r[0] for r in _read(out / "repositories.csv")[1:]] == ["r-z"]
    assert [r[0] for r in _read(out / "pull_requests.csv")[1:]] == ["r-z-3"]
    # r-z-3: author Erin, reviewer Björn.
    assert [r[0] for r in _read(out / "users.csv")[1:]] == ["u-bjorn", "u-erin"]
    assert _read(out / "reviewers.csv")[1:] == [["r-z-3", "u-bjorn", "10", "r-z"]]


def test_organization_name_is_taken_from_the_collection_url(empty_store: Store, settings: Settings,
                                                            out: Path) -> None:
    # A Server collection, with rows that name the organization by URL: every file says "DefaultCollection".
    url = "https://tfs.corp.example/tfs/DefaultCollection"
    created = t("2026-11-02T09:00:00")
    with empty_store.transaction():
        empty_store.upsert_organization(Organization(url, "DefaultCollection"))
        empty_store.upsert_projects([Project("p", "Ops", url)])
        empty_store.upsert_repositories([Repository("r", "infra", "Ops", url)])
        empty_store.upsert_pull_requests([PullRequest(
            uid="r-1", pull_request_id=1, organization=url, project="Ops", repository_id="r",
            repository_name="infra", author_id="u", author_name="U", title="T", status="completed",
            created_at=created, closed_at=created + timedelta(minutes=2),
        )])
    export(empty_store, settings, out, what="powerbi", as_of=AS_OF)
    assert _read(out / "organizations.csv") == [["organization_name"], ["DefaultCollection"]]
    assert _read(out / "projects.csv")[1] == ["DefaultCollection", "Ops"]
    assert _read(out / "repositories.csv")[1][3] == "DefaultCollection"
    pr = _read(out / "pull_requests.csv")[1]
    assert pr[2] == "DefaultCollection"
    assert pr[11] == "2.0"  # 2 minutes
    # users.csv: email empty (NULL) when no uniqueName is known anywhere.
    assert _read(out / "users.csv")[1:] == [["u", "U", ""]]


_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)  # surrogates cannot reach SQLite


@settings_(max_examples=15, deadline=None)  # a store per example: keep it small
@given(titles=st.lists(st.tuples(_TEXT, st.none() | _TEXT, _TEXT), min_size=1, max_size=4))
def test_any_text_round_trips_through_the_pr_files(titles: list[tuple[str, str | None, str]]) -> None:
    # Whatever text a PR carries (commas, quotes, CR, LF, NUL, emoji...), a CSV parser gives it back.
    created = t("2026-11-02T09:00:00")
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "s.sqlite")
        try:
            with store.transaction():
                store.upsert_pull_requests([PullRequest(
                    uid=f"r-{i}", pull_request_id=i, organization="Contoso", project="P", repository_id="r",
                    repository_name="repo", author_id=f"u-{i}", author_name=name, title=title, status="completed",
                    description=description, created_at=created, closed_at=created + timedelta(minutes=i + 1),
                ) for i, (title, description, name) in enumerate(titles)])
            out = Path(tmp) / "out"
            export(store, load_settings(env={}), out, what="powerbi", as_of=AS_OF)
        finally:
            store.close()
        prs = _read(out / "pull_requests.csv")[1:]
        users = _read(out / "users.csv")[1:]
    assert [(r[6], r[8]) for r in prs] == [(title, description or "") for title, description, _ in titles]
    assert [r[1] for r in users] == [name for _, _, name in titles]
