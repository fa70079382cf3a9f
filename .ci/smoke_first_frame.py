"""Run from outside the source tree with the installed wheel: the dashboard draws its first
frame headless (its stylesheets must be inside the package) and shows the demo sessions."""

import asyncio
import sys

from tether_tui.app.app import TetherApp
from tether_tui.runtime import Runtime
from tether_tui.store import SessionStore


async def main() -> int:
    app = TetherApp(Runtime(SessionStore(), demo_sessions=2))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(1.0)
        screen = app.export_screenshot().replace("&#160;", " ")
        sessions = len(app.store.sessions())
    missing = [word for word in ("Sessions (2)", "Approvals", "Output") if word not in screen]
    if missing or sessions != 2:
        print(f"first frame lacks {missing}; {sessions} sessions", file=sys.stderr)
        return 1
    print("first frame: ok")
    return 0


raise SystemExit(asyncio.run(main()))
