"""Regenerate the README screenshots (screenshots/*.svg) by driving the real app in demo mode.

Builds the app with `flowtui.app.make_app(..., demo=True)` exactly as `flowtui --demo` does, but with
the demo organization served without injected faults (so the run is quick) into a fresh store, the
demo clock, and a fixed terminal size. The app syncs through the real sync path, lands on the
dashboard, and the script then visits every main screen and saves an SVG of each.

    python scripts/screenshots.py [--out screenshots] [--size 120x40]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flowtui.config import load_settings  # noqa: E402
from flowtui.demo_mode import DEMO_SIZE, demo_now, demo_overrides, demo_simulator  # noqa: E402
from flowtui.store import open_store  # noqa: E402

#: (file name, key presses from the dashboard, what the shot shows)
SHOTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("dashboard", ("1",), "KPI table with sparklines"),
    ("sync", (), "the first sync's summary (the Sync view, as after `flowtui --demo`)"),
    ("work_items", ("2",), "work items table and the derivation pane"),
    ("pull_requests", ("3",), "pull requests and reviewers"),
    ("flow", ("4",), "flow charts"),
    ("forecast", ("5",), "Monte Carlo forecast"),
    ("help", ("1", "question_mark"), "help generated from the live bindings"),
    ("settings", ("1", "comma"), "settings (demo mode: nothing is saved)"),
)


async def settle(pilot: object) -> None:
    app = pilot.app  # type: ignore[attr-defined]
    for _ in range(3):
        await pilot.pause()  # type: ignore[attr-defined]
        await app.workers.wait_for_complete()
    app.clear_notifications()
    await pilot.pause()  # type: ignore[attr-defined]


async def shoot(out: Path, size: tuple[int, int]) -> list[Path]:
    from flowtui.app import make_app
    from flowtui.demo import Faults
    from flowtui.screens.help import HelpScreen

    work = Path(tempfile.gettempdir()) / "flowtui-screenshots"  # a stable path: the Settings shot prints it
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    flags, _ = demo_overrides()
    # The settings screen prints these paths; the config file is never written in demo mode.
    settings = load_settings(config=Path("/home/you/.config/flowtui/config.toml"), db=work / "demo.sqlite",
                             flags=flags, env={})
    store = open_store(settings.db_path)
    sim = demo_simulator(DEMO_SIZE, faults=Faults())
    fixed = demo_now()
    app = make_app(settings, store=store, transport=sim.transport, clock=lambda: fixed, demo=True)
    written: list[Path] = []
    try:
        async with app.run_test(size=size) as pilot:
            while app.current_mode != "dashboard" or app.sync_running:
                await asyncio.sleep(0.1)
            await settle(pilot)
            for name, keys, _what in SHOTS:
                if isinstance(app.screen, HelpScreen):
                    await pilot.press("escape")
                if name == "sync":
                    app.action_switch_view("sync")
                else:
                    for key in keys:
                        await pilot.press(key)
                await settle(pilot)
                for field in app.screen.query("Input"):
                    field.cursor_blink = False  # type: ignore[attr-defined]
                path = out / f"{name}.svg"
                app.save_screenshot(filename=path.name, path=str(out))
                written.append(path)
                if name == "settings":
                    await pilot.press("escape")
        if app._exception is not None:
            raise app._exception
    finally:
        store.close()
        shutil.rmtree(work, ignore_errors=True)
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--size", default="120x40", help="terminal size WIDTHxHEIGHT")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(shoot(args.out, (width, height))):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
