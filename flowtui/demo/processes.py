"""Process templates of the simulated organization: Agile, Scrum and a custom inherited process.

Each work item type lists its states in board order with the ADO state category and colour
(reference §6.4), the forward workflow the generator walks, and the `System.Reason` texts used on
each kind of move. Categories are exactly the five ADO names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PROPOSED, IN_PROGRESS, RESOLVED, COMPLETED, REMOVED = (
    "Proposed",
    "InProgress",
    "Resolved",
    "Completed",
    "Removed",
)


@dataclass(frozen=True, slots=True)
class SimState:
    """One state of a work item type: name, ADO category and 6-hex colour (no '#')."""

    name: str
    category: str
    color: str


@dataclass(frozen=True, slots=True)
class SimWorkItemType:
    """A work item type of one process.

    `states` is in board order (what the states route returns); `flow` is the forward path the
    generator walks (proposed states, then doing/resolved states, then the done state);
    `effort_field` is the sizing field of the process (StoryPoints, Effort) or None for tasks.
    """

    name: str
    reference_name: str
    color: str
    icon: str
    states: tuple[SimState, ...]
    flow: tuple[str, ...]
    effort_field: str | None = None
    weight: float = 1.0
    reasons: dict[str, str] = field(default_factory=dict)
    _categories: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    _proposed: tuple[str, ...] = field(default=(), compare=False, repr=False)
    _doing: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        cats = {s.name: s.category for s in self.states}
        object.__setattr__(self, "_categories", cats)
        object.__setattr__(self, "_proposed", tuple(s for s in self.flow if cats.get(s) == PROPOSED))
        object.__setattr__(self, "_doing", tuple(s for s in self.flow if cats.get(s) in (IN_PROGRESS, RESOLVED)))

    def category_of(self, state: str) -> str | None:
        """The category of `state`, or None when the type has no such state."""
        return self._categories.get(state)

    @property
    def done_state(self) -> str:
        """The final (Completed-category) state of the forward flow."""
        return self.flow[-1]

    @property
    def proposed_states(self) -> tuple[str, ...]:
        """Flow states in the Proposed category, in order."""
        return self._proposed

    @property
    def doing_states(self) -> tuple[str, ...]:
        """Flow states in the InProgress or Resolved categories, in order."""
        return self._doing


@dataclass(frozen=True, slots=True)
class SimProcess:
    """A process template: its name, whether it uses the CMMI Blocked field, and its types."""

    name: str
    type_id: str
    types: tuple[SimWorkItemType, ...]
    uses_blocked_field: bool = False

    def type(self, name: str) -> SimWorkItemType | None:
        """The work item type called `name` (case-insensitive), or None."""
        low = name.lower()
        for wit in self.types:
            if wit.name.lower() == low:
                return wit
        return None


_GREY, _BLUE, _ORANGE, _GREEN, _WHITE = "b2b2b2", "007acc", "ff9d00", "339933", "ffffff"

_AGILE_REASONS = {
    "New": "New",
    "Active": "Implementation started",
    "Resolved": "Code complete and unit tests pass",
    "Closed": "Acceptance tests pass",
    "Removed": "Removed from the backlog",
    "back": "Implementation halted",
    "reopen": "Reactivated",
}
_SCRUM_REASONS = {
    "New": "New backlog item",
    "Approved": "Approved by the Product Owner",
    "Committed": "Commitment made by the team",
    "In Review": "Code review requested",
    "Ready for Test": "Ready for testing",
    "Done": "Work finished",
    "To Do": "New task",
    "In Progress": "Work started",
    "Removed": "Removed from the backlog",
    "back": "Work stopped",
    "reopen": "Additional work found",
}


def _agile() -> SimProcess:
    story_states = (
        SimState("New", PROPOSED, _GREY),
        SimState("Active", IN_PROGRESS, _BLUE),
        SimState("Resolved", RESOLVED, _ORANGE),
        SimState("Closed", COMPLETED, _GREEN),
        SimState("Removed", REMOVED, _WHITE),
    )
    task_states = (
        SimState("New", PROPOSED, _GREY),
        SimState("Active", IN_PROGRESS, _BLUE),
        SimState("Closed", COMPLETED, _GREEN),
        SimState("Removed", REMOVED, _WHITE),
    )
    flow = ("New", "Active", "Resolved", "Closed")
    bug_reasons = dict(_AGILE_REASONS, Resolved="Fixed", Closed="Verified")
    return SimProcess(
        name="Agile",
        type_id="adcc42ab-9882-485e-a3ed-7678f01f66bc",
        types=(
            SimWorkItemType("User Story", "Microsoft.VSTS.WorkItemTypes.UserStory", "009CCC",
                            "icon_book", story_states, flow,
                            "Microsoft.VSTS.Scheduling.StoryPoints", 0.55, _AGILE_REASONS),
            SimWorkItemType("Bug", "Microsoft.VSTS.WorkItemTypes.Bug", "CC293D", "icon_insect",
                            story_states, flow, "Microsoft.VSTS.Scheduling.StoryPoints", 0.3,
                            bug_reasons),
            SimWorkItemType("Task", "Microsoft.VSTS.WorkItemTypes.Task", "F2CB1D",
                            "icon_clipboard", task_states, ("New", "Active", "Closed"), None, 0.15,
                            _AGILE_REASONS),
        ),
    )


def _scrum() -> SimProcess:
    pbi_states = (
        SimState("New", PROPOSED, _GREY),
        SimState("Approved", PROPOSED, "5688e0"),
        SimState("Committed", IN_PROGRESS, _BLUE),
        SimState("Done", COMPLETED, _GREEN),
        SimState("Removed", REMOVED, _WHITE),
    )
    task_states = (
        SimState("To Do", PROPOSED, _GREY),
        SimState("In Progress", IN_PROGRESS, _BLUE),
        SimState("Done", COMPLETED, _GREEN),
        SimState("Removed", REMOVED, _WHITE),
    )
    flow = ("New", "Approved", "Committed", "Done")
    return SimProcess(
        name="Scrum",
        type_id="6b724908-ef14-45cf-84f8-768b5384da45",
        types=(
            SimWorkItemType("Product Backlog Item", "Microsoft.VSTS.WorkItemTypes.ProductBacklogItem",
                            "009CCC", "icon_list", pbi_states, flow,
                            "Microsoft.VSTS.Scheduling.Effort", 0.6, _SCRUM_REASONS),
            SimWorkItemType("Bug", "Microsoft.VSTS.WorkItemTypes.Bug", "CC293D", "icon_insect",
                            pbi_states, flow, "Microsoft.VSTS.Scheduling.Effort", 0.25,
                            _SCRUM_REASONS),
            SimWorkItemType("Task", "Microsoft.VSTS.WorkItemTypes.Task", "F2CB1D",
                            "icon_clipboard", task_states, ("To Do", "In Progress", "Done"), None,
                            0.15, _SCRUM_REASONS),
        ),
    )


def _custom() -> SimProcess:
    pbi_states = (
        SimState("New", PROPOSED, _GREY),
        SimState("Approved", PROPOSED, "5688e0"),
        SimState("Committed", IN_PROGRESS, _BLUE),
        SimState("In Review", IN_PROGRESS, "8b00ff"),
        SimState("Ready for Test", RESOLVED, _ORANGE),
        SimState("Done", COMPLETED, _GREEN),
        SimState("Removed", REMOVED, _WHITE),
    )
    bug_states = (
        SimState("New", PROPOSED, _GREY),
        SimState("Committed", IN_PROGRESS, _BLUE),
        SimState("In Review", IN_PROGRESS, "8b00ff"),
        SimState("Ready for Test", RESOLVED, _ORANGE),
        SimState("Done", COMPLETED, _GREEN),
        SimState("Removed", REMOVED, _WHITE),
    )
    task_states = (
        SimState("To Do", PROPOSED, _GREY),
        SimState("In Progress", IN_PROGRESS, _BLUE),
        SimState("Done", COMPLETED, _GREEN),
        SimState("Removed", REMOVED, _WHITE),
    )
    return SimProcess(
        name="Contoso Flow",
        type_id="8f6d3f5a-8a7e-4c1e-9d0e-2c6f7a1b9e01",
        uses_blocked_field=True,
        types=(
            SimWorkItemType("Product Backlog Item", "Custom.ContosoFlow.ProductBacklogItem",
                            "009CCC", "icon_list", pbi_states,
                            ("New", "Approved", "Committed", "In Review", "Ready for Test", "Done"),
                            "Microsoft.VSTS.Scheduling.Effort", 0.6, _SCRUM_REASONS),
            SimWorkItemType("Bug", "Custom.ContosoFlow.Bug", "CC293D", "icon_insect", bug_states,
                            ("New", "Committed", "In Review", "Ready for Test", "Done"),
                            "Microsoft.VSTS.Scheduling.Effort", 0.25, _SCRUM_REASONS),
            SimWorkItemType("Task", "Custom.ContosoFlow.Task", "F2CB1D", "icon_clipboard",
                            task_states, ("To Do", "In Progress", "Done"), None, 0.15,
                            _SCRUM_REASONS),
        ),
    )


AGILE = _agile()
SCRUM = _scrum()
CUSTOM = _custom()
PROCESSES: dict[str, SimProcess] = {p.name: p for p in (AGILE, SCRUM, CUSTOM)}
