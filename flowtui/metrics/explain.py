"""How one item's numbers were derived: the timeline and the steps behind each value.

`explain_item` returns plain data (used by `flowtui metrics --explain ID` in JSON form and by the
TUI's detail pane); `explain_lines` renders it as text lines.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flowtui.metrics.item_flow import ItemFlow, Step
from flowtui.metrics.policy import FlowPolicy
from flowtui.metrics.stats import round3
from flowtui.timeutil import format_utc_z


def _step(s: Step | None) -> dict[str, object] | None:
    if s is None:
        return None
    return {"rev": s.rev, "at": format_utc_z(s.at), "from_state": s.from_state, "to_state": s.state,
            "from_bucket": s.from_bucket, "to_bucket": s.bucket}


def explain_item(flow: ItemFlow, policy: FlowPolicy) -> dict[str, object]:
    """Every value of one item with the step that produced it, plus the timeline."""
    item = flow.item
    return {
        "id": item.id, "project": item.project, "type": item.type, "title": item.title,
        "state": flow.state, "bucket": flow.bucket, "excluded": flow.excluded,
        "policy": {"cycle_start": policy.cycle_start, "resolved_is_done": policy.resolved_is_done},
        "as_of": format_utc_z(datetime.fromtimestamp(flow.as_of_ts, tz=ZoneInfo("UTC"))),
        "created_at": format_utc_z(flow.created_at),
        "started_at": format_utc_z(flow.started_at) if flow.started_at else None,
        "started_by": _step(flow.started_step), "start_rule": flow.start_rule or None,
        "completed_at": format_utc_z(flow.completed_at) if flow.completed_at else None,
        "completed_by": _step(flow.completed_step),
        "lead_time_days": round3(flow.lead_days), "cycle_time_days": round3(flow.cycle_days),
        "age_days": round3(flow.age_days), "blocked_days": round3(flow.blocked_days),
        "blocked_intervals": [[format_utc_z(datetime.fromtimestamp(a, tz=ZoneInfo("UTC"))),
                               format_utc_z(datetime.fromtimestamp(b, tz=ZoneInfo("UTC")))]
                              for a, b in flow.blocked_intervals],
        "reopen_count": flow.reopen_count, "reopened_by": [_step(s) for s in flow.reopen_steps],
        "time_in_state_days": {k: round3(v) for k, v in sorted(flow.time_in_state.items())},
        "active_days": round3(flow.active_days), "wait_days": round3(flow.wait_days),
        "flow_efficiency": round3(flow.flow_efficiency),
        "timeline": [
            {"rev": s.rev, "at": format_utc_z(s.at), "state": s.state, "bucket": s.bucket,
             "wait": s.wait, "blocked": s.blocked, "changed_by": s.changed_by, "out_of_order": s.out_of_order}
            for s in flow.steps
        ],
    }


def _fmt(days: float | None) -> str:
    return "—" if days is None else f"{days:.1f} d"


def explain_lines(flow: ItemFlow, policy: FlowPolicy) -> list[str]:
    """A readable derivation of one item's numbers."""
    item = flow.item
    lines = [f"#{item.id} {item.type} · {item.title}", f"project {item.project} · state {flow.state} "
             f"({flow.bucket}) · cycle_start={policy.cycle_start} · resolved_is_done={policy.resolved_is_done}", ""]
    if flow.excluded:
        lines += ["Removed items are excluded from every metric.", ""]
    lines.append("Timeline (creation, state changes and blocked changes):")
    for s in flow.steps:
        move = f"{s.from_state} → {s.state}" if s.from_state is not None else f"created in {s.state}"
        if s.from_state == s.state:
            move = f"{s.state} ({'blocked' if s.blocked else 'unblocked'})"
        flags = [f for f, on in (("wait", s.wait), ("blocked", s.blocked), ("out of time order", s.out_of_order)) if on]
        lines.append(f"  rev {s.rev:>4}  {format_utc_z(s.at)}  {move}  [{s.bucket}{', ' + ', '.join(flags) if flags else ''}]")
    lines.append("")
    lines.append(f"created_at   = {format_utc_z(flow.created_at)} (System.CreatedDate)")
    if flow.started_step:
        lines.append(f"started_at   = {format_utc_z(flow.started_step.at)} (rev {flow.started_step.rev}: {flow.start_rule})")
    else:
        lines.append("started_at   = none (never moved into a doing state)")
    if flow.completed_step:
        lines.append(f"completed_at = {format_utc_z(flow.completed_step.at)} (rev {flow.completed_step.rev}: last move into done)")
    else:
        lines.append("completed_at = none (not done now)")
    if flow.lead_days is not None:
        lines.append(f"lead time    = completed_at − created_at = {_fmt(flow.lead_days)}")
    if flow.cycle_days is not None:
        lines.append(f"cycle time   = completed_at − started_at = {_fmt(flow.cycle_days)}")
    if flow.age_days is not None:
        lines.append(f"age          = as_of − started_at = {_fmt(flow.age_days)}")
    lines.append(f"blocked      = {_fmt(flow.blocked_days)} in {len(flow.blocked_intervals)} interval(s)")
    if flow.reopen_steps:
        lines.append("reopened     = " + ", ".join(f"rev {s.rev} ({s.from_state} → {s.state})" for s in flow.reopen_steps))
    if flow.time_in_state:
        lines.append("time in state: " + ", ".join(f"{k} {_fmt(v)}" for k, v in sorted(flow.time_in_state.items())))
        eff = flow.flow_efficiency
        lines.append(f"flow efficiency = active {_fmt(flow.active_days)} / cycle {_fmt(flow.cycle_days)} = "
                     + ("—" if eff is None else f"{eff * 100:.0f}%") + f" (wait {_fmt(flow.wait_days)})")
    return lines
