"""Filter state and saved views: `[[ui.views]]` validation, the tomlkit writer, the last-view state
file, ViewFilter -> ItemFilter, and the CLI's --tag/--assignee flags (exit 2 on bad values)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from flowtui.cli.main import main
from flowtui.config import load_settings, save_view, saved_views
from flowtui.domain import ItemFilter, SavedView, ViewFilter
from flowtui.errors import ConfigError
from flowtui.reporting.filters import find_view, next_view, read_last_view, write_last_view


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, "utf-8")
    return path


def test_saved_views_are_read_in_file_order(tmp_path: Path) -> None:
    path = _config(tmp_path, '[[ui.views]]\nname = "Bugs"\ntype = "Bug"\nfrom = "2026-01-01"\n'
                             '[[ui.views]]\nname = "Mine"\nassignee = "Ann"\n')
    views = saved_views(load_settings(config=path))
    assert [v.name for v in views] == ["Bugs", "Mine"]
    assert views[0].filter == ViewFilter(type="Bug", date_from=date(2026, 1, 1))
    assert views[1].filter == ViewFilter(assignee="Ann")


@pytest.mark.parametrize(("body", "needle"), [
    ('[[ui.views]]\ntype = "Bug"\n', "views[0] has no name"),
    ('[[ui.views]]\nname = "A"\ncolour = "red"\n', "unknown field 'colour'"),
    ('[[ui.views]]\nname = "A"\ntag = ""\n', "views[0].tag"),
    ('[[ui.views]]\nname = "A"\nfrom = "2026-13-01"\n', "views[0].from"),
    ('[[ui.views]]\nname = "A"\nfrom = "2026-02-01"\nto = "2026-01-01"\n', "ends (2026-01-01) before"),
    ('[[ui.views]]\nname = "A"\n[[ui.views]]\nname = "a"\n', "used twice"),
])
def test_bad_views_name_file_key_and_allowed_values(tmp_path: Path, body: str, needle: str) -> None:
    path = _config(tmp_path, body)
    with pytest.raises(ConfigError) as caught:
        load_settings(config=path)
    message = caught.value.message
    assert str(path) in message and "ui.views" in message and needle in message and "allowed:" in message


def test_save_view_keeps_comments_and_replaces_by_name(tmp_path: Path) -> None:
    path = _config(tmp_path, "# my settings\n[flow]\nsle_percentile = 70  # team SLE\n")
    save_view(path, SavedView("Bugs", ViewFilter(type="Bug")))
    save_view(path, SavedView("Urgent", ViewFilter(tag="Urgent", date_to=date(2026, 2, 1))))
    save_view(path, SavedView("bugs", ViewFilter(type="Task")))
    text = path.read_text("utf-8")
    assert "# my settings" in text and "# team SLE" in text
    views = saved_views(load_settings(config=path))
    assert [(v.name, v.filter) for v in views] == [
        ("bugs", ViewFilter(type="Task")), ("Urgent", ViewFilter(tag="Urgent", date_to=date(2026, 2, 1)))]


def test_last_view_round_trips_and_bad_state_is_ignored(tmp_path: Path) -> None:
    state = tmp_path / "state" / "ui-state.json"
    assert read_last_view(state) is None
    write_last_view("Bugs", state)
    assert read_last_view(state) == "Bugs"
    state.write_text("{not json", "utf-8")
    assert read_last_view(state) is None


def test_next_and_find_view_cycle_in_config_order() -> None:
    views = [SavedView("A", ViewFilter()), SavedView("B", ViewFilter(type="Bug"))]
    assert next_view(views, None) is views[0]
    assert next_view(views, "a") is views[1]
    assert next_view(views, "B") is views[0]
    assert find_view(views, "b") is views[1] and find_view(views, "C") is None
    assert next_view([], None) is None


def test_view_filter_to_item_filter_and_summary() -> None:
    vf = ViewFilter(type="Bug", tag="Urgent", assignee="Ann", date_from=date(2026, 1, 1))
    assert vf.item_filter(["P1", "P2"]) == ItemFilter(projects=("P1", "P2"), types=("Bug",), tags=("Urgent",),
                                                        assignees=("Ann",))
    assert vf.with_(project="P2").item_filter(["P1", "P2"]).projects == ("P2",)
    assert vf.summary() == "type Bug · tag Urgent · assignee Ann · 2026-01-01…today"
    assert ViewFilter().is_empty and vf.with_(type="", tag=None, assignee=None, date_from=None).is_empty


@pytest.mark.parametrize("flags", [["--tag", ""], ["--assignee", "  "], ["--tag", "a\x1bb"], ["--area", ""]])
def test_cli_filter_flags_reject_bad_values_with_exit_2(flags: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["metrics", "--format", "json", *flags]) == 2
    assert "not valid" in capsys.readouterr().err
