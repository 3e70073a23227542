"""Server text is data in the TUI: a hostile org synced live, then every view that shows its text.

The simulated org (`hostile_text=True`, `flowtui.demo.hostile`) names people `John Smith
[Contractor]`, `Mallory [/oops]` and `[link=http://x]y[/link]`, titles items and PRs `[UI] Fix
login`, `[b]not bold[/b] [/]`, a CJK/emoji title and one with an ESC sequence, and gives repositories
a `[bold]api[/bold]` suffix. After a real sync through the app, the whole screen is rendered to text
(the compositor's strips, what the terminal would get) on the sync screen, the work items and PR
tables with their details and filter option lists, and the dashboard; the text must be there
verbatim, no ESC anywhere, and no worker may have failed.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual.widgets import Input, Select
from textual.worker import Worker, WorkerState

from flowtui.demo import hostile
from flowtui.demo.faults import Faults
from flowtui.demo_mode import DEMO_PAT, demo_simulator
from flowtui.messages import SyncFinished
from flowtui.sync.progress import SyncSummary
from flowtui.text import REPLACEMENT

SIZE = (160, 50)
ESC = "\x1b"
CLEANED_ESCAPE_TITLE = f"Title with an escape {REPLACEMENT}]0;pwned{REPLACEMENT}done"


def screen_text(app: Any) -> str:
    """Everything the current screen draws, as text (what reaches the terminal, minus styles)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def wait_until(pilot: Any, condition: Any, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        assert loop.time() < end, "timed out waiting for the app"
        await pilot.pause(0.05)


async def settle(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.1)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.1)


async def search(pilot: Any, input_id: str, text: str) -> None:
    pilot.app.screen.query_one(input_id, Input).value = text
    await settle(pilot)


def option_prompts(app: Any, select_id: str) -> list[str]:
    select = app.screen.query_one(select_id, Select)
    return [str(getattr(prompt, "plain", prompt)) for prompt, value in select._options if value != Select.NULL]


async def test_hostile_text_everywhere(make_shell_app: Any, fresh_store: Any, memory_keyring: Any,
                                      shell_settings: Any) -> None:
    memory_keyring.set_password("flowtui", shell_settings.org_url, DEMO_PAT)
    sim = demo_simulator("tiny", faults=Faults(), hostile_text=True)
    seen: list[Any] = []
    app = make_shell_app(fresh_store, transport=sim.transport)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await wait_until(pilot, lambda: any(isinstance(m, SyncFinished) for m in seen))
        await settle(pilot)
        summary = next(m for m in seen if isinstance(m, SyncFinished)).summary
        assert summary.status == "success", summary.first_error
        text = screen_text(app)
        assert "Sync success" in text and "Fabrikam Web" in text and ESC not in text

        # Work items: table rows, detail, filter option lists
        await pilot.press("2")
        await settle(pilot)
        for title in ("[UI] Fix login", "[b]not bold[/b] [/]", "修复登录页面的错误 🐛 wide", CLEANED_ESCAPE_TITLE):
            await search(pilot, "#wi-search", title.split(" ")[0] if title.startswith("修") else title)
            text = screen_text(app)
            assert title in text, title
            assert ESC not in text
        assert set(hostile.NAMES) & set(option_prompts(app, "#wi-assignee"))
        await search(pilot, "#wi-search", "")

        # Pull requests: table, detail (reviewers), option lists of repositories, authors, reviewers
        await pilot.press("3")
        await settle(pilot)
        repos = option_prompts(app, "#pr-repo")
        assert repos and all(r.endswith(hostile.REPO_SUFFIX) for r in repos)
        assert set(hostile.NAMES) <= set(option_prompts(app, "#pr-author")) | set(option_prompts(app, "#pr-reviewer"))
        await search(pilot, "#pr-search", "[UI] Fix login")
        text = screen_text(app)
        assert "[UI] Fix login" in text and hostile.REPO_SUFFIX.strip() in text and ESC not in text
        app.screen.query_one("#pr-author", Select).value = "Mallory [/oops]"
        await search(pilot, "#pr-search", "")
        text = screen_text(app)
        assert "Mallory [/oops]" in text and ESC not in text

        # Dashboard (notes) and an error notification carrying server text
        await pilot.press("1")
        await settle(pilot)
        assert ESC not in screen_text(app)
        failed = SyncSummary(run_id=99, status="failed", first_error=f"Mallory [/oops] said {hostile.ESCAPE}[link=http://x]y[/link]",
                             error_project="[UI] Fix")
        app.post_message(SyncFinished(failed))
        await settle(pilot)
        note = [n for n in app._notifications if n.title == "Sync"][-1]
        assert note.markup is False and ESC not in note.message
        assert note.message.startswith("Sync failed ([UI] Fix): Mallory [/oops] said ")
        assert note.message.endswith("[link=http://x]y[/link]")
        app.switch_mode("sync")  # the sync screen shows the failed run's summary with the same text
        await settle(pilot)
        text = screen_text(app)
        assert f"First error ([UI] Fix): Mallory [/oops] said {REPLACEMENT}]0;pwned{REPLACEMENT}[link=http://x]y[/link]" in text
        assert ESC not in text
    assert app._exception is None
    assert not [m for m in seen if isinstance(m, Worker.StateChanged) and m.state == WorkerState.ERROR]
