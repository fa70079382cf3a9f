"""ACP load: 5 sessions of a scripted ACP agent (tests/fakes/acp_agent.py, written with the
agent side of the same package), each streaming 200 message chunks a second for 10 s, while a key
is pressed every 100 ms. Reports key-to-screen latency (key posted -> handled -> repainted) and
the dashboard's peak memory (the agents are processes of their own).

Usage: python bench/acp_load.py [sessions] [chunks_per_second] [seconds]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import rss_mb  # noqa: E402

from runners import default_registry  # noqa: E402
from runners.acp.profiles import AgentProfile  # noqa: E402
from runners.launcher import SessionLauncher  # noqa: E402
from tether_tui.app import TetherApp  # noqa: E402
from tether_tui.app.widgets.output_view import OutputView  # noqa: E402
from tether_tui.runtime import Runtime  # noqa: E402
from tether_tui.store import SessionStore  # noqa: E402

FAKE = str(ROOT / "tests" / "fakes" / "acp_agent.py")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


async def run(sessions: int, rate: float, seconds: float) -> None:
    store = SessionStore()
    profile = AgentProfile("flood", "Flooding agent", (sys.executable, FAKE, "flood", str(rate), str(seconds)))
    launcher = SessionLauncher(store, default_registry({"flood": profile}))
    app = TetherApp(Runtime(store, launcher=launcher), user="bench")
    latencies: list[float] = []
    peak = 0.0
    folder = tempfile.mkdtemp(prefix="acp-bench-")
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        ids = [await launcher.start("flood", f"flood {n}", directory=folder, title=f"flood {n}") for n in range(sessions)]
        for _ in range(200):
            if all(len(store.output(i).lines()) > 5 for i in ids):
                break
            await asyncio.sleep(0.05)
        output = app.screen.query_one(OutputView)
        loop = asyncio.get_running_loop()
        started = loop.time()
        keys = ["down", "up"]
        index = 0
        while loop.time() - started < seconds:
            tick = loop.time()
            before = output.session_id
            t0 = time.perf_counter()
            app.simulate_key(keys[index % 2] if index % 10 else "down")
            index += 1
            for _ in range(10000):
                if output.session_id != before:
                    break
                await asyncio.sleep(0)
            repainted = asyncio.Event()
            output.call_after_refresh(repainted.set)
            await repainted.wait()
            latencies.append(time.perf_counter() - t0)
            peak = max(peak, rss_mb())
            await asyncio.sleep(max(0.0, 0.1 - (loop.time() - tick)))
        written = sum(len(store.output(i).lines()) for i in ids)
        for session_id in ids:
            await store.stop_session(session_id, by="bench", via=__import__("tether_tui.models", fromlist=["Via"]).Via.SYSTEM)
    print(f"{sessions} ACP sessions x {rate:g} chunks/s x {seconds:g} s; {written:,} output lines kept")
    print(
        f"key presses: {len(latencies)}   key-to-screen p50 {pct(latencies, 0.5):.1f} ms  p99 {pct(latencies, 0.99):.1f} ms  max {max(latencies) * 1000:.1f} ms"
    )
    print(f"dashboard peak memory: {peak:.0f} MB")
    print(
        f"goals: p99 < 100 ms -> {'met' if pct(latencies, 0.99) < 100 else 'NOT met'}; memory < 250 MB -> {'met' if peak < 250 else 'NOT met'}"
    )


if __name__ == "__main__":
    args = [float(a) for a in sys.argv[1:]]
    asyncio.run(run(int(args[0]) if args else 5, args[1] if len(args) > 1 else 200, args[2] if len(args) > 2 else 10))
