"""Regenerate the SVG screenshots in this folder from the same fixed states as the snapshot tests.

Usage (from the repository root): python screenshots/make_screenshots.py
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.pop("NO_COLOR", None)

from tether_tui.app import TetherApp  # noqa: E402
from tests.scenes import build_scene  # noqa: E402

SIZE = (120, 34)


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.pause()


async def open_details(pilot) -> None:
    pilot.app.open_details("req_edit_dates")


async def open_timer(pilot) -> None:
    await pilot.press("t")


async def open_help(pilot) -> None:
    await pilot.press("question_mark")


async def nothing(pilot) -> None:
    return None


SHOTS: dict[str, Callable[..., Awaitable[None]]] = {
    "dashboard": nothing,
    "approval-details": open_details,
    "timer-dialog": open_timer,
    "help": open_help,
}


async def shoot(name: str, action: Callable[..., Awaitable[None]]) -> Path:
    app = TetherApp(build_scene(), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await action(pilot)
        await settle(pilot)
        path = HERE / f"{name}.svg"
        path.write_text(app.export_screenshot(title=f"tether-tui — {name.replace('-', ' ')}"), encoding="utf-8")
    return path


async def main() -> None:
    for name, action in SHOTS.items():
        print(f"wrote {(await shoot(name, action)).relative_to(HERE.parent)}")


if __name__ == "__main__":
    asyncio.run(main())
