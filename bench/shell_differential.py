"""The shell reader against real shells, the large run.

Generates commands from the grammar in tests/shell_differential.py (parameter expansions with
code inside, nested backquotes, heredocs fed to shells, `$'…'` escapes, arithmetic and
subscripts, options around `-c`, code from stdin and substitutions, aliases, `hash -p`, traps,
`eval --`, functions, `PS4`, wrappers, zsh-only forms), runs each in a real bash (or dash as sh)
whose PATH holds only recording shims, and compares the programs that ran with what
`tether_tui.shell` reports. Then times how long judging each command takes as a request under a
whole-session rule (the parse is not cached: every command is new to the engine).

Usage: python bench/shell_differential.py [cases]      (default 5000)
"""

from __future__ import annotations

import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.shell_differential import compare, missing_programs, sandbox, shell_cases
from tether_tui import shell
from tether_tui.audit import AuditLog
from tether_tui.models import RuleScope, Via
from tether_tui.store import SessionStore

WORKERS = 2


def generate(count: int) -> list[tuple[str, str]]:
    cases: list[tuple[str, str]] = []

    @settings(max_examples=count, database=None, deadline=None, suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    @given(shell_cases())
    def collect(case: tuple[str, str]) -> None:
        cases.append(case)

    collect()
    return cases


def run(cases: list[tuple[str, str]]) -> tuple[int, list[str]]:
    """Run every case in real shells, two sandboxes at a time: (understood, disagreements)."""
    understood = 0
    found: list[str] = []
    with sandbox() as first, sandbox() as second:
        boxes = [first, second]

        def one(index: int) -> tuple[bool, str | None]:
            command, shell_name = cases[index]
            read, disagreement = compare(boxes[index % WORKERS], command, shell_name)
            return read, None if disagreement is None else str(disagreement)

        with ThreadPoolExecutor(WORKERS) as pool:
            # each sandbox is used by one case at a time: run the cases in pairs
            for start in range(0, len(cases), WORKERS):
                for read, disagreement in pool.map(one, range(start, min(start + WORKERS, len(cases)))):
                    understood += read
                    if disagreement is not None:
                        found.append(disagreement)
    return understood, found


def judging_cost(cases: list[tuple[str, str]]) -> list[float]:
    store = SessionStore(audit=AuditLog(None))
    store.add_session("s1", "bench", directory="/work/repo")
    store.approvals.add_rule(RuleScope.SESSION, 60, by="bench", via=Via.KEYBOARD, session_id="s1")
    timings: list[float] = []
    shell._parse_cached.cache_clear()
    for command, _ in cases:
        started = time.perf_counter()
        request = store.approvals.submit("s1", "Bash", {"command": command})
        timings.append(time.perf_counter() - started)
        if request.pending:
            store.approvals.decide(request.id, False, by="bench", via=Via.KEYBOARD)
    return sorted(timings)


def main(count: int) -> None:
    missing = missing_programs()
    if missing:
        sys.exit(f"install {', '.join(missing)} first")
    started = time.perf_counter()
    cases = generate(count)
    understood, found = run(cases)
    elapsed = time.perf_counter() - started
    timings = judging_cost(cases)
    by_shell = {name: sum(1 for _, shell_name in cases if shell_name == name) for name in ("bash", "sh")}
    print(f"cases run in real shells:     {len(cases):,} (bash {by_shell['bash']:,}, dash as sh {by_shell['sh']:,})")
    print(f"  read as understood:         {understood:,}")
    print(f"  not understood (they ask):  {len(cases) - understood:,}")
    print(f"disagreements (goal 0):       {len(found):,}")
    print(
        f"judging one request: median {statistics.median(timings) * 1e3:.2f} ms, "
        f"p99 {timings[int(len(timings) * 0.99)] * 1e3:.2f} ms (goal < 2 ms), max {timings[-1] * 1e3:.2f} ms"
    )
    print(f"wall time: {elapsed:.1f} s")
    for line in found[:20]:
        print(line)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
