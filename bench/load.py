"""Load: 50 demo sessions each writing 200 lines/s for 10 s while a key is pressed every 100 ms.

Reports key-to-screen latency (key posted -> handled -> the screen repainted), resident memory,
and checks that every session's history holds exactly its newest lines up to the cap.

Usage: python bench/load.py [sessions] [lines_per_second] [seconds]
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys
import time

from common import rss_mb

from runners.launcher import SessionLauncher
from tether_tui.app import TetherApp
from tether_tui.app.widgets.output_view import OutputView
from tether_tui.runtime import Runtime
from tether_tui.store import SessionStore


async def run(sessions: int, rate: float, seconds: float) -> None:
    store = SessionStore()
    app = TetherApp(Runtime(store), user="bench")
    launcher = SessionLauncher(store)
    latencies: list[float] = []
    peak_rss = 0.0
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        ids = [
            await launcher.start("demo", "", title=f"flood {n:02d}", lines_per_second=rate, flood_seconds=seconds) for n in range(sessions)
        ]
        await pilot.pause()
        output = app.screen.query_one(OutputView)
        loop = asyncio.get_running_loop()
        started = loop.time()
        key = "down"
        while loop.time() - started < seconds:
            tick = loop.time()
            before = output.session_id
            t0 = time.perf_counter()
            app.simulate_key(key)
            while output.session_id == before:
                await asyncio.sleep(0)
            repainted = asyncio.Event()
            output.call_after_refresh(repainted.set)
            await repainted.wait()
            latencies.append(time.perf_counter() - t0)
            key = "up" if key == "down" else "down"
            peak_rss = max(peak_rss, rss_mb())
            await asyncio.sleep(max(0.0, 0.1 - (loop.time() - tick)))
        while any(not store.session(i).state.is_final for i in ids):
            await asyncio.sleep(0.05)
        peak_rss = max(peak_rss, rss_mb())

    cap = store.config.history.max_lines
    lost = 0
    written_total = 0
    for session_id in ids:
        buffer = store.output(session_id)
        written = buffer.next_seq
        written_total += written
        kept = buffer.lines()
        expected = [f"{session_id} line {n} " for n in range(max(0, written - cap), written)]
        if len(kept) != min(cap, written) or [line[: len(e)] for line, e in zip(kept, expected, strict=False)] != expected:
            lost += 1
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(len(latencies) * q))] * 1000  # noqa: E731
    print(f"{sessions} sessions x {rate:g} lines/s x {seconds:g} s = {written_total:,} lines written")
    print(
        f"key presses: {len(latencies)}   key-to-screen p50 {p(0.5):.1f} ms  p90 {p(0.9):.1f} ms  p99 {p(0.99):.1f} ms  max {latencies[-1] * 1000:.1f} ms"
    )
    print(f"resident memory: peak {peak_rss:.0f} MB (ru_maxrss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
    print(
        f"history: every session keeps exactly its newest min(written, {cap}) lines: {'yes' if not lost else f'NO ({lost} sessions differ)'}"
    )
    print(f"goals: p99 < 100 ms -> {'met' if p(0.99) < 100 else 'NOT met'}; memory < 200 MB -> {'met' if peak_rss < 200 else 'NOT met'}")


def main() -> None:
    os.environ.pop("NO_COLOR", None)
    args = [float(a) for a in sys.argv[1:]]
    sessions, rate, seconds = (args + [50, 200, 10][len(args) :])[:3]
    asyncio.run(run(int(sessions), rate, seconds))


if __name__ == "__main__":
    main()
