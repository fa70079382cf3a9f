"""Hooks on a remote machine, through the ssh forward (a real sshd on 127.0.0.1 plays the
remote; needs openssh-server). 20 hooks wait at once, over several rounds: request sent on the
remote -> visible in this dashboard's store, and decision -> hook answered, p50/p99.

Usage: python bench/remote_hooks.py [rounds]
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.sshd import Sshd
from tether_tui.config import Config
from tether_tui.events import ApprovalRequested
from tether_tui.gateway import Gateway
from tether_tui.models import Via
from tether_tui.remotes import RemoteLink
from tether_tui.store import SessionStore

EVENT = {"cwd": "/srv/bench", "hook_event_name": "PermissionRequest", "tool_name": "Bash", "tool_input": {"command": "make test"}}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


async def measure(count: int, rounds: int) -> tuple[list[float], list[float], float]:
    sshd = Sshd(Path(tempfile.mkdtemp(prefix="tt-bench-sshd-")))
    await sshd.start()
    store = SessionStore(config=Config(remotes=(sshd.remote(),)))
    gateway = Gateway(store)
    await gateway.start()
    link = RemoteLink(sshd.remote(), store, gateway)
    started = time.perf_counter()
    link.start()
    await asyncio.wait_for(link.connected.wait(), 60)
    connect_time = time.perf_counter() - started
    remote_socket = str(sshd.remote_runtime / "gateway.sock")
    subscription = store.bus.subscribe("bench")
    visible: list[float] = []
    answered: list[float] = []
    for round_ in range(rounds):
        sent: dict[str, float] = {}
        got: dict[str, float] = {}

        async def hook(n: int, round_: int = round_, sent: dict[str, float] = sent, got: dict[str, float] = got) -> None:
            reader, writer = await asyncio.open_unix_connection(remote_socket)
            session = f"r{round_}-{n}"
            line = json.dumps({"v": 1, "agent": "claude", "event": {**EVENT, "session_id": session}}).encode() + b"\n"
            sent[session] = time.perf_counter()
            writer.write(line)
            await writer.drain()
            await reader.readline()
            got[session] = time.perf_counter()
            writer.close()

        tasks = [asyncio.create_task(hook(n)) for n in range(count)]
        seen: set[str] = set()
        async for batch in subscription:  # what every surface gets: the store's events
            arrived = time.perf_counter()
            for event in batch:
                if isinstance(event, ApprovalRequested):
                    session = event.request.session_id.removesuffix("@devbox")
                    seen.add(session)
                    visible.append(arrived - sent[session])
            if len(seen) == count:
                break
        decided: dict[str, float] = {}
        for request in store.approvals.pending():
            decided[request.session_id.removesuffix("@devbox")] = time.perf_counter()
            store.approvals.decide(request.id, True, by="bench", via=Via.KEYBOARD)
        await asyncio.gather(*tasks)
        answered.extend(got[session] - decided[session] for session in decided)
    await link.stop()
    await gateway.stop()
    await sshd.stop()
    return visible, answered, connect_time


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    os.environ.setdefault("TETHER_TUI_RUNTIME_DIR", tempfile.mkdtemp(prefix="tt-bench-"))
    visible, answered, connect_time = asyncio.run(measure(20, rounds))
    print(f"remote link up (probe + forward + check) in {connect_time * 1000:.0f} ms")
    print(f"20 remote hooks waiting at once through the ssh forward, {len(visible)} requests:")
    print(f"  request sent -> visible in store: p50 {pct(visible, 0.5):.2f} ms  p99 {pct(visible, 0.99):.2f} ms")
    print(f"  decision -> hook answered:        p50 {pct(answered, 0.5):.2f} ms  p99 {pct(answered, 0.99):.2f} ms")
    print(f"  goal p99 < 50 ms each -> {'met' if max(pct(visible, 0.99), pct(answered, 0.99)) < 50 else 'NOT met'}")


if __name__ == "__main__":
    main()
