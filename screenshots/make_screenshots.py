"""Regenerate the SVG screenshots in this folder from the same fixed states as the snapshot tests.

Usage (from the repository root): python screenshots/make_screenshots.py
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
os.environ.pop("NO_COLOR", None)

from tests.scenes import VIEWS, open_view, scene_app  # noqa: E402

SIZE = (120, 34)


async def shoot(name: str) -> Path:
    app = scene_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, name)
        path = HERE / f"{name}.svg"
        path.write_text(app.export_screenshot(title=f"tether-tui — {name.replace('-', ' ')}"), encoding="utf-8")
    return path


async def main() -> None:
    for name in VIEWS:
        print(f"wrote {(await shoot(name)).relative_to(HERE.parent)}")


if __name__ == "__main__":
    asyncio.run(main())
