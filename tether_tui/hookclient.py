"""``tether-tui hook claude|codex|gemini``: what an agent's hook runs.

Reads the hook JSON on stdin, asks the running dashboard through the gateway socket, waits for
the decision and prints the answer in the agent's own format. It never allows on its own: when
the dashboard is not running, goes away mid-wait or does not answer within ``--wait`` seconds,
it answers with the fallback, "no decision" (the agent's own prompt takes over) or deny.

Start-up time matters here (an agent runs it for every tool call): it imports only the standard
library and the agents' tables.
"""

from __future__ import annotations

import json
import socket
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from tether_tui.agents import AGENTS, AgentHooks, HookKind
from tether_tui.agents.base import NO_DECISION, Answer
from tether_tui.paths import UnsafeRuntimeError, check_own_socket, gateway_socket_path

PROTOCOL_VERSION = 1
DEFAULT_WAIT = 3540.0
CONNECT_TIMEOUT = 1.0
USAGE = "usage: tether-tui hook claude|codex|gemini [--wait SECONDS] [--fallback defer|deny] [--socket PATH]"


def _fallback(hooks: AgentHooks, event: dict[str, Any], mode: str, why: str) -> Answer:
    if mode == "deny" and hooks.kind(event) is HookKind.APPROVAL:
        return hooks.deny(event, f"tether-tui: {why}; denied by the hook's fallback")
    return NO_DECISION


def ask_gateway(path: Path, agent: str, event: dict[str, Any], wait: float) -> dict[str, Any]:
    """Send one request and wait for its answer; raises OSError or TimeoutError."""
    deadline = time.monotonic() + wait
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(CONNECT_TIMEOUT)
        sock.connect(str(path))
        sock.sendall(json.dumps({"v": PROTOCOL_VERSION, "agent": agent, "event": event}).encode() + b"\n")
        buffer = b""
        while not buffer.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no answer in time")
            sock.settimeout(min(remaining, 60.0))
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                raise ConnectionError("the dashboard closed the connection")
            buffer += chunk
    reply = json.loads(buffer)
    if not isinstance(reply, dict):
        raise ValueError("unexpected answer")
    return reply


def run(argv: list[str], stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    if argv[:1] in (["-h"], ["--help"]):
        print(
            f"{USAGE}\n\nWhat an agent's hook runs: reads the hook event on stdin, asks the running dashboard, prints\nthe decision in the agent's own format. tether-tui install-hooks AGENT sets it up.",
            file=stdout,
        )
        return 0
    if not argv or argv[0] not in AGENTS:
        print(f"tether-tui hook: {USAGE}", file=stderr)
        return 1
    hooks = AGENTS[argv[0]]
    wait, mode, path = DEFAULT_WAIT, "defer", None
    options = argv[1:]
    try:
        while options:
            flag, value, options = options[0], options[1], options[2:]
            if flag == "--wait":
                wait = float(value)
            elif flag == "--fallback" and value in ("defer", "deny"):
                mode = value
            elif flag == "--socket":
                path = Path(value)
            else:
                raise ValueError(flag)
    except (IndexError, ValueError):
        print(f"tether-tui hook: {USAGE}", file=stderr)
        return hooks.error_exit

    text = stdin.read()
    try:
        event = json.loads(text)
        if not isinstance(event, dict):
            raise ValueError("not a JSON object")
    except ValueError as exc:
        preview = text.strip().replace("\n", " ")[:80]
        print(f"tether-tui hook: stdin is not a hook event ({exc}): {preview!r}", file=stderr)
        return hooks.error_exit

    problem = hooks.problem(event)
    if problem is not None:
        print(f"tether-tui hook: {problem}; no decision", file=stderr)
        return NO_DECISION[1]

    socket_path = path or gateway_socket_path()
    try:
        if socket_path.exists() or socket_path.is_symlink():
            check_own_socket(socket_path)
        reply = ask_gateway(socket_path, hooks.name, event, wait)
        if "error" in reply:
            print(f"tether-tui hook: the dashboard refused the event: {reply['error']}", file=stderr)
            answer = _fallback(hooks, event, mode, "the dashboard refused the event")
        else:
            answer = (reply.get("stdout"), int(reply.get("exit", 0)))
    except UnsafeRuntimeError as exc:
        print(f"tether-tui hook: not asking through a socket that may not be the dashboard's: {exc}", file=stderr)
        answer = _fallback(hooks, event, mode, "the dashboard's socket is not safe to use")
    except FileNotFoundError:
        answer = _fallback(hooks, event, mode, "the dashboard is not running")
    except ConnectionRefusedError:
        answer = _fallback(hooks, event, mode, "the dashboard is not running")
    except TimeoutError:
        print(f"tether-tui hook: no decision within {wait:g} s", file=stderr)
        answer = _fallback(hooks, event, mode, f"no decision within {wait:g} s")
    except (OSError, ValueError) as exc:
        print(f"tether-tui hook: lost the dashboard ({exc})", file=stderr)
        answer = _fallback(hooks, event, mode, "lost the dashboard")

    output, exit_code = answer
    if output is not None:
        stdout.write(json.dumps(output) + "\n")
        stdout.flush()
    return exit_code


def main(argv: list[str] | None = None) -> int:
    return run(sys.argv[2:] if argv is None else argv, sys.stdin, sys.stdout, sys.stderr)
