"""The dashboard closes with its terminal, and ``serve`` with SIGTERM: gone within 3 s, every
time, with nothing of theirs left running. The dashboard runs in a real pseudo-terminal; closing
its master side is what closing a terminal window does (SIGHUP, then EIO on every write)."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GONE_WITHIN = 3.0
TIMES = 20


def environment(tmp_path: Path) -> dict[str, str]:
    marker = uuid.uuid4().hex
    env = {
        **os.environ,
        "TETHER_TUI_DATA_DIR": str(tmp_path / "data"),
        "TETHER_TUI_RUNTIME_DIR": str(tmp_path / "run"),
        "TETHER_TUI_CONFIG_DIR": str(tmp_path / "config"),
        "EXIT_TEST_MARKER": marker,
        "TERM": "xterm-256color",
    }
    (tmp_path / "run").mkdir(mode=0o700, parents=True, exist_ok=True)
    return env


def processes_with(marker: str) -> list[int]:
    """Processes (ours or their children) that carry the test's marker in their environment."""
    found = []
    needle = f"EXIT_TEST_MARKER={marker}".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if needle in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def spawn_in_pty(argv: list[str], env: dict[str, str]) -> tuple[int, int]:
    pid, master = pty.fork()
    if pid == 0:  # the child: a session of its own, the pty its controlling terminal
        try:
            os.chdir(ROOT)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 45, 160, 0, 0))
    return pid, master


def read_until(master: int, needle: bytes, timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {needle!r} on the screen within {timeout} s; last bytes: {seen[-300:]!r}")
        ready, _, _ = select.select([master], [], [], left)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
    return seen


def gone_within(pid: int, seconds: float) -> float | None:
    """Seconds until ``pid`` exited (reaped), or None when it is still there."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return time.monotonic() - start
        time.sleep(0.02)
    return None


def waiting_hook(env: dict[str, str]) -> subprocess.Popen[str]:
    """A Claude Code hook asking the dashboard, as Claude Code runs it."""
    event = {
        "session_id": "exit-test",
        "transcript_path": "/tmp/t.jsonl",
        "cwd": str(ROOT),
        "permission_mode": "default",
        "hook_event_name": "PermissionRequest",
        "tool_name": "Bash",
        "tool_input": {"command": "make deploy"},
    }
    hook = subprocess.Popen(
        [sys.executable, "-m", "tether_tui", "hook", "claude"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert hook.stdin is not None
    hook.stdin.write(json.dumps(event))
    hook.stdin.close()
    return hook


def audit_records(env: dict[str, str]) -> list[dict[str, object]]:
    path = Path(env["TETHER_TUI_DATA_DIR"]) / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.slow
def test_closing_the_terminal_ends_the_dashboard_within_3_s_every_time(tmp_path):
    argv = [sys.executable, "-m", "tether_tui", "--demo-speed", "20"]
    times = []
    for attempt in range(TIMES):
        env = environment(tmp_path / str(attempt))
        pid, master = spawn_in_pty(argv, env)
        hook = None
        try:
            read_until(master, b"Approvals", 30)
            if attempt == 0:
                hook = waiting_hook(env)
                deadline = time.monotonic() + 10
                while not any(r.get("event") == "asked" for r in audit_records(env)) and time.monotonic() < deadline:
                    time.sleep(0.05)
            os.write(master, b"jja")  # move the selection and decide, as a person would
            time.sleep(0.3)  # not read from here on: the dashboard's writes fill the terminal
        finally:
            os.close(master)  # the terminal window closes
        took = gone_within(pid, GONE_WITHIN)
        if took is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise AssertionError(f"attempt {attempt + 1}: the dashboard was still running {GONE_WITHIN} s after its terminal closed")
        times.append(took)
        time.sleep(0.1)
        assert processes_with(env["EXIT_TEST_MARKER"]) == [] or (hook is not None and hook.poll() is None)
        if hook is not None:
            hook.wait(GONE_WITHIN)
            out = hook.stdout.read() if hook.stdout else ""
            assert hook.returncode == 0  # answered: the agent's own prompt decides
            assert "deny" not in out and "allow" not in out
            reasons = {r.get("reason") for r in audit_records(env) if r.get("event") == "decision"}
            assert "left to the agent: the dashboard stopped" in reasons
            assert processes_with(env["EXIT_TEST_MARKER"]) == []
    print(f"gone after SIGHUP: median {sorted(times)[len(times) // 2]:.2f} s, slowest {max(times):.2f} s over {TIMES} closes")


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_stops_within_3_s_on_a_signal(tmp_path, signum):
    times = []
    for attempt in range(TIMES if signum == signal.SIGTERM else 3):
        env = environment(tmp_path / str(attempt))
        serve = subprocess.Popen(
            [sys.executable, "-m", "tether_tui", "serve"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env, cwd=ROOT
        )
        assert serve.stderr is not None
        line = serve.stderr.readline()
        assert "tether-tui serve: running" in line, line + serve.stderr.read()
        hook = waiting_hook(env) if attempt == 0 else None
        if hook is not None:
            deadline = time.monotonic() + 10
            while not any(r.get("event") == "asked" for r in audit_records(env)) and time.monotonic() < deadline:
                time.sleep(0.05)
        serve.send_signal(signum)
        start = time.monotonic()
        try:
            code = serve.wait(GONE_WITHIN)
        except subprocess.TimeoutExpired:
            serve.kill()
            raise AssertionError(f"serve was still running {GONE_WITHIN} s after {signal.Signals(signum).name}") from None
        times.append(time.monotonic() - start)
        assert code == 0, serve.stderr.read()
        assert "Traceback" not in serve.stderr.read()
        if hook is not None:
            assert hook.wait(GONE_WITHIN) == 0
            reasons = {r.get("reason") for r in audit_records(env) if r.get("event") == "decision"}
            assert "left to the agent: the dashboard stopped" in reasons
        assert processes_with(env["EXIT_TEST_MARKER"]) == []
    print(f"serve gone after {signal.Signals(signum).name}: slowest {max(times):.2f} s over {len(times)} stops")
