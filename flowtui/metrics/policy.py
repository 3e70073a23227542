"""The flow policy: every setting that changes how a number is computed, frozen in one value.

`FlowPolicy.from_settings(settings, **flag_overrides)` reads the `flow.*` and `forecast.*` keys of
`flowtui.config.Settings`; command-line flags override single fields (None means "not given").
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from flowtui.config import KEYS_BY_NAME, Settings
from flowtui.errors import ConfigError

#: FlowPolicy field -> the dotted config key it is read from.
_FIELD_KEYS = {
    "timezone": "flow.timezone",
    "cycle_start": "flow.cycle_start",
    "resolved_is_done": "flow.resolved_is_done",
    "wait_states": "flow.wait_states",
    "blocked_tag": "flow.blocked_tag",
    "percentiles": "flow.percentiles",
    "sle_percentile": "flow.sle_percentile",
    "state_overrides": "flow.state_overrides",
    "history_days": "forecast.history_days",
    "trials": "forecast.trials",
    "seed": "forecast.seed",
}


@dataclass(frozen=True)
class FlowPolicy:
    """How flow metrics are computed (SPEC §3 `[flow]` and `[forecast]`)."""

    timezone: str = "UTC"
    cycle_start: str = "first"
    resolved_is_done: bool = False
    wait_states: tuple[str, ...] = ()
    blocked_tag: str = "Blocked"
    percentiles: tuple[int, ...] = (50, 70, 85, 95)
    sle_percentile: int = 85
    #: (state name, bucket) pairs, sorted by state name; bucket is todo|doing|done|removed|wait.
    state_overrides: tuple[tuple[str, str], ...] = ()
    history_days: int = 90
    trials: int = 10000
    seed: int = 1

    @cached_property
    def tz(self) -> ZoneInfo:
        """The IANA zone in which days, weeks and months are cut."""
        return ZoneInfo(self.timezone)

    @property
    def overrides(self) -> dict[str, str]:
        """The state overrides as a dict."""
        return dict(self.state_overrides)

    @classmethod
    def from_settings(cls, settings: Settings, **flag_overrides: Any) -> FlowPolicy:
        """Build the policy from settings; a non-None keyword (a field name) wins over the setting.

        Override values are validated like config values; a bad one raises ConfigError (exit 2).
        """
        unknown = set(flag_overrides) - set(_FIELD_KEYS)
        if unknown:
            raise TypeError(f"unknown FlowPolicy fields: {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for name, dotted in _FIELD_KEYS.items():
            value = settings[dotted]
            given = flag_overrides.get(name)
            if given is not None:
                key = KEYS_BY_NAME[dotted]
                try:
                    value = key.check(given)
                except (ValueError, TypeError):
                    raise ConfigError(
                        f"command-line value {given!r} for {dotted} is not valid; allowed: {key.allowed}."
                    ) from None
            values[name] = value
        return cls.from_values(**values)

    @classmethod
    def from_values(cls, **values: Any) -> FlowPolicy:
        """Build a policy from plain values (lists and dicts are frozen into sorted tuples)."""
        names = {f.name for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for name, value in values.items():
            if name not in names:
                raise TypeError(f"unknown FlowPolicy field {name!r}")
            if name == "state_overrides":
                value = tuple(sorted(dict(value).items()))
            elif name == "percentiles":
                value = tuple(sorted(set(int(v) for v in value)))
            elif name == "wait_states":
                value = tuple(value)
            kwargs[name] = value
        return cls(**kwargs)

    def with_(self, **changes: Any) -> FlowPolicy:
        """A copy with some fields replaced (plain values accepted, as in `from_values`)."""
        current = {f.name: getattr(self, f.name) for f in fields(self)}
        current.update(changes)
        return FlowPolicy.from_values(**current)


__all__ = ["FlowPolicy"]
