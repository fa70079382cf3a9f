"""``tether-tui remote setup NAME AGENT...`` and ``tether-tui remote check NAME``: what a
remote needs, done from here over the same ssh the dashboard uses. ``setup`` runs
``tether-tui install-hooks AGENT`` there for each agent; ``check`` says whether the dashboard
can reach the remote and what to do if not."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Sequence
from typing import TextIO

from tether_tui.config import Config, RemoteSettings
from tether_tui.remotes import RemoteLink, RemoteProblem, explain, ssh_argv


def find(config: Config, name: str) -> RemoteSettings | None:
    return next((remote for remote in config.remotes if remote.name == name), None)


def setup(remote: RemoteSettings, agents: Sequence[str], out: TextIO) -> int:
    failed = 0
    for agent in agents:
        result = subprocess.run(
            ssh_argv(remote, "-T", command=["tether-tui", "install-hooks", agent]),
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        if result.returncode == 0:
            print(f"✓ {remote.name}: {result.stdout.strip() or f'{agent} hooks installed'}", file=out)
        else:
            failed += 1
            reason = explain(result.stderr or result.stdout, result.returncode, remote.destination)
            print(f"✗ {remote.name}: {agent}: {reason}", file=out)
    return 1 if failed else 0


def check(remote: RemoteSettings, out: TextIO) -> int:
    from tether_tui.gateway import Gateway
    from tether_tui.store import SessionStore

    link = RemoteLink(remote, SessionStore(), Gateway(SessionStore()))
    try:
        machine = asyncio.run(link.probe())
    except RemoteProblem as exc:
        print(f"✗ {remote.name} ({remote.destination}): {exc}", file=out)
        return 1
    state = {"answering": "a dashboard there (or this one's forward) answers on it", "none": "free", "stale": "stale, replaced at connect"}
    print(f"✓ {remote.name}: {machine.hostname}, tether-tui {machine.version}", file=out)
    print(f"  its hooks ask {machine.gateway_socket} ({state.get(machine.socket, machine.socket)})", file=out)
    return 0
