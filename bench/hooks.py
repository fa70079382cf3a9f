"""Hook speed.

1. `tether-tui hook claude` process start to exit when the decision is ready at once (an
   auto-approve rule answers): median over runs.
2. In-process, with 20 hooks waiting at once: request sent -> approval visible in the store, and
   decision -> hook answered, p50/p99.

Usage: python bench/hooks.py [runs]
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tether_tui.gateway import Gateway
from tether_tui.models import RuleScope, Via
from tether_tui.store import SessionStore

EVENT = {
    "session_id": "bench",
    "cwd": "/work/bench",
    "hook_event_name": "PermissionRequest",
    "tool_name": "Bash",
    "tool_input": {"command": "make test"},
}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


async def process_round_trip(runs: int) -> list[float]:
    store = SessionStore()
    gateway = Gateway(store)
    await gateway.start()
    store.approvals.add_rule(RuleScope.DIRECTORY, 60, by="bench", via=Via.KEYBOARD, directory="/work/bench")
    exe = str(Path(sys.executable).with_name("tether-tui"))
    payload = json.dumps(EVENT).encode()
    times = []
    for _ in range(runs + 2):
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(exe, "hook", "claude", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        out, _ = await process.communicate(payload)
        times.append(time.perf_counter() - started)
        assert b'"allow"' in out, out
    await gateway.stop()
    return times[2:]  # the first runs warm the disk cache


async def waiting_hooks(count: int, rounds: int) -> tuple[list[float], list[float]]:
    store = SessionStore()
    gateway = Gateway(store)
    await gateway.start()
    visible: list[float] = []
    answered: list[float] = []
    for round_ in range(rounds):
        sent: dict[str, float] = {}
        got: dict[str, float] = {}

        async def client(n: int, round_: int = round_, sent: dict[str, float] = sent, got: dict[str, float] = got) -> None:
            reader, writer = await asyncio.open_unix_connection(str(gateway.path))
            event = {**EVENT, "session_id": f"s{n}", "hook_event_name": "PreToolUse", "tool_use_id": f"r{round_}-{n}"}
            sent[event["tool_use_id"]] = time.perf_counter()
            writer.write(json.dumps({"v": 1, "agent": "claude", "event": event}).encode() + b"\n")
            await writer.drain()
            await reader.readline()
            got[event["tool_use_id"]] = time.perf_counter()
            writer.close()

        tasks = [asyncio.create_task(client(n)) for n in range(count)]
        seen: set[str] = set()
        while len(seen) < count:
            for request in store.approvals.pending():
                agent_id = request.external_id
                if agent_id not in seen and agent_id in sent:
                    seen.add(agent_id)
                    visible.append(time.perf_counter() - sent[agent_id])
            await asyncio.sleep(0)
        decided: dict[str, float] = {}
        for request in store.approvals.pending():
            decided[request.external_id] = time.perf_counter()
            store.approvals.decide(request.id, True, by="bench", via=Via.KEYBOARD)
        await asyncio.gather(*tasks)
        answered.extend(got[rid] - decided[rid] for rid in decided)
    await gateway.stop()
    return visible, answered


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    os.environ.setdefault("TETHER_TUI_RUNTIME_DIR", tempfile.mkdtemp(prefix="tt-bench-"))
    times = asyncio.run(process_round_trip(runs))
    print(f"`tether-tui hook claude`, decision ready at once, {runs} runs:")
    print(
        f"  median {statistics.median(times) * 1000:.1f} ms   p90 {pct(times, 0.9):.1f} ms   max {max(times) * 1000:.1f} ms"
        f"   goal < 80 ms -> {'met' if statistics.median(times) < 0.08 else 'NOT met'}"
    )
    visible, answered = asyncio.run(waiting_hooks(20, 25))
    print(f"20 hooks waiting at once, {len(visible)} requests:")
    print(f"  request sent -> visible in store: p50 {pct(visible, 0.5):.2f} ms  p99 {pct(visible, 0.99):.2f} ms")
    print(f"  decision -> hook answered:        p50 {pct(answered, 0.5):.2f} ms  p99 {pct(answered, 0.99):.2f} ms")
    print(f"  goal p99 < 10 ms each -> {'met' if max(pct(visible, 0.99), pct(answered, 0.99)) < 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
