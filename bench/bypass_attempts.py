"""Bypass attempts against the never-auto-approve list and the rules.

Generates disguised dangerous commands from the grammar in tests/shell_grammar.py (quoting,
escapes, env assignments, wrappers, binary folders, flag spellings and shortened options,
separators, subshells, substitutions, control flow, shells inside shells, programs that run
programs or code, the never list's families, zsh-only forms, settings that run code, cd into
/ or home, inline code), submits each as every agent's shell tool (Claude Bash, Codex shell argv
and exec_command, Gemini run_shell_command) to an approval engine running a whole-session
auto-approve rule, and counts what was auto-approved. Then judges the hard cases of each class
under the rule kind they would slip through ("commands like this one", folder rules, whole-session
rules). Also times how long judging one request takes.

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
    hard_cases()


def hard_cases() -> None:
    """The hard cases of each class, under the rule kind each would slip through."""
    import tempfile

    from tests.test_carriers import ASKS, READ
    from tests.test_rules_environment import INLINE_NEVER, OUTSIDE_WRITES, RUNS_CODE
    from tests.test_shell_differential import HARD_CASES, NOT_UNDERSTOOD
    from tether_tui.rules import command_rule_for

    through: list[str] = []
    counts: dict[str, int] = {}

    def judged(kind: str, command: str, request) -> None:
        counts[kind] = counts.get(kind, 0) + 1
        if not request.pending:
            through.append(f"{kind}: {command!r}")

    with tempfile.TemporaryDirectory() as folder:
        repo = Path(folder) / "repo"
        (repo / "sub").mkdir(parents=True)
        store = SessionStore(audit=AuditLog(None))
        store.add_session("s1", "bench", directory=str(repo))
        store.add_session("s2", "bench", directory=str(repo))
        store.approvals.add_rule(RuleScope.DIRECTORY, 60, by="bench", via=Via.KEYBOARD, directory=str(repo))
        for command in OUTSIDE_WRITES:
            judged("folder rule: writes outside", command, store.approvals.submit("s1", "Bash", {"command": command}, cwd=str(repo)))
        for command in INLINE_NEVER[:3]:
            judged("folder rule: inline code", command, store.approvals.submit("s1", "Bash", {"command": command}, cwd=str(repo)))
    store = SessionStore(audit=AuditLog(None))
    store.add_session("s1", "bench", directory="/work/repo")
    store.approvals.add_rule(RuleScope.SESSION, 60, by="bench", via=Via.KEYBOARD, session_id="s1")
    never = ["sudo", "pkexec", "sudoedit", "run0"]  # one word: it stands where the probe program did
    for command in RUNS_CODE + INLINE_NEVER + NOT_UNDERSTOOD + ASKS:
        judged("session rule: not understood or never listed", command, store.approvals.submit("s1", "Bash", {"command": command}))
    for template in HARD_CASES + READ:
        if "zq1" not in template:
            continue  # spelled with escapes: the differential tests run these
        for dangerous in never:
            command = template.replace("zq1", dangerous)
            judged("session rule: a carried never-listed command", command, store.approvals.submit("s1", "Bash", {"command": command}))
    look_alikes = [
        ("npm test", "X=1 npm test"),
        ("python3 -W ignore app.py", "python3 -W ignore -c 'import os'"),
        ("perl -I lib tool.pl", "perl -I lib -e 'system 1'"),
        ("node --require ./setup.js app.js", "node --require ./setup.js -e 'x'"),
        ("uv run pytest", "uv run sudo ls"),
        ("git -C x status", "git -C x -c alias.s='!sudo ls' s"),
        ("tcsh build.sh", "tcsh -c 'sudo ls'"),
        ("busybox sh build.sh", "busybox sh -c 'sudo ls'"),
    ]
    for index, (made_from, other) in enumerate(look_alikes):
        session = f"like{index}"
        store.add_session(session, "bench", directory="/work/repo")
        rule = command_rule_for(made_from)
        if rule is not None:
            store.approvals.add_rule(
                RuleScope.SESSION, 60, by="bench", via=Via.KEYBOARD, session_id=session, command_prefix=rule.text, command_exact=rule.exact
            )
        judged("'commands like this one': a look-alike", other, store.approvals.submit(session, "Bash", {"command": other}))
    print("hard cases under the rule kind they would slip through:")
    for kind, count in counts.items():
        print(f"  {kind}: {count:,}")
    print(f"  auto-approved (goal 0): {len(through):,}")
    for line in through[:20]:
        print("  THROUGH", line)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
