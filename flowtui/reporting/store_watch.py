"""What the TUI's store watch reads (no widgets): the newest sync run record of the store.

`newest_run` runs in a fresh worker thread for every poll, so it closes that thread's own database
connection before it returns; polls never leave connections behind. Errors propagate (the screen
shows one warning per outage).
"""

from __future__ import annotations

from flowtui.domain import RunMarker
from flowtui.store import Store


def newest_run(store: Store) -> RunMarker | None:
    """The newest run record (`Store.latest_run`: a dead PostgreSQL writer's record reads as
    interrupted), with this thread's connection closed afterwards."""
    try:
        return store.latest_run()
    finally:
        store.close_thread_connection()
