"""Bypass attempts against the never-auto-approve list.

Generates disguised dangerous commands from the grammar in tests/shell_grammar.py (quoting,
escapes, env assignments, wrappers, binary folders, flag spellings, separators, subshells,
substitutions, control flow, shells inside shells), submits each as every agent's shell tool
(Claude Bash, Codex shell argv and exec_command, Gemini run_shell_command) to an approval engine
running a whole-session auto-approve rule, and counts what was auto-approved. Also times how long
judging one request takes.

Usage: python bench/bypass_attempts.py [attempts]      (default 20000)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.shell_grammar import disguised, shell_requests
from tether_tui.audit import AuditLog
from tether_tui.models import RuleScope, Via
from tether_tui.rules import shell_understood
from tether_tui.store import SessionStore


def main(attempts: int) -> None:
    store = SessionStore(audit=AuditLog(None))
    store.add_session("s1", "bench", directory="/work/repo")
    store.approvals.add_rule(RuleScope.SESSION, 60, by="bench", via=Via.KEYBOARD, session_id="s1")
    through: list[str] = []
    unreadable = 0
    judged = 0
    timings: list[float] = []

    @settings(max_examples=attempts, suppress_health_check=list(HealthCheck), database=None, deadline=None)
    @given(disguised())
    def attempt(command: str) -> None:
        nonlocal unreadable, judged
        for tool_name, tool_input in shell_requests(command):
            judged += 1
            started = time.perf_counter()
            request = store.approvals.submit("s1", tool_name, tool_input)
            timings.append(time.perf_counter() - started)
            if not request.pending:
                through.append(f"{tool_name}: {command!r}")
            else:
                store.approvals.decide(request.id, False, by="bench", via=Via.KEYBOARD)
            if not shell_understood(tool_name, tool_input):
                unreadable += 1

    started = time.perf_counter()
    attempt()
    elapsed = time.perf_counter() - started
    timings.sort()
    print(f"generated commands:           {attempts:,}")
    print(f"requests judged (4 shells):   {judged:,}")
    print(f"auto-approved (goal 0):       {len(through):,}")
    print(f"  asked: matched the list     {judged - unreadable - len(through):,}")
    print(f"  asked: not understood       {unreadable:,}")
    print(f"judging a request: median {statistics.median(timings) * 1e6:.0f} µs, p99 {timings[int(len(timings) * 0.99)] * 1e6:.0f} µs")
    print(f"wall time: {elapsed:.1f} s")
    for line in through[:20]:
        print("  THROUGH", line)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
