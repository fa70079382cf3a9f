"""Programs that run programs, proven against the real programs: each carried command really runs
(a recording shim sees it), and the reader either reports it, with its arguments, or says it does
not understand the command. The never list speaks for a family, checked with real git."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from tests.shell_differential import CARRIERS, RUNNERS, Sandbox, fits, missing_programs, sandbox
from tether_tui import shell
from tether_tui.models import RuleScope, Via
from tether_tui.rules import ToolPattern, never_auto_approved


@pytest.fixture(scope="module")
def box():
    missing = missing_programs(RUNNERS + CARRIERS)
    assert not missing, f"these tests run the real programs: install {', '.join(missing)} (CI does)"
    with sandbox() as made:
        yield made


READ = [
    "script -qc 'zq1 a' /dev/null",
    "script -q -c 'zq1 a' /dev/null",
    "script --command='zq1 a' -q /dev/null",
    "setarch x86_64 zq1 a",
    "setarch x86_64 -R zq1 a",
    "prlimit --nofile=100 zq1 a",
    "prlimit -n100 zq1 a",
    "flock lock -c 'zq1 a'",
    "flock -xw 5 lock zq1 a",
    "flock -x -w5 lock zq1 a",
    "busybox sh -c 'zq1 a'",
    "busybox env zq1 a",
    "busybox env -u X zq1 a",
    "tar -cf a.tar --checkpoint=1 --checkpoint-action=exec='zq1 a' /dev/null",
    "echo x > f; tar cf a.tar f; tar xf a.tar --to-command='zq1 a'",
    "git -c alias.x='!zq1 a' x",
    "rbash -c 'zq1 a'",
    "timeout -vs KILL 5 zq1 a",
    "timeout --sig=KILL 5 zq1 a",
    "exec -la x zq1 a",
    "env -vu X zq1 a",
    "env -S'zq1 a'",
    "env --split-string='zq1 a'",
    "echo a > list; xargs -0a list zq1 a",
    "echo b | xargs -r zq1 a",
    "command zq1 a -v",
    "command -- zq1 a",
    "parallel ::: 'zq1 a'",
    "parallel zq1 ::: a",
    "parallel 'zq1 {}' ::: a",
    "mkdir d; touch d/f; find -L d -type f -exec zq1 {} \\;",
    "mkdir d; touch d/f; find -- d -type f -exec zq1 {} +",
    "nice -n5 zq1 a",
    "nohup zq1 a",
    "zip -q a.zip lock -T -TT 'zq1 a'",
]


@pytest.mark.parametrize("command", READ)
def test_a_carried_command_is_read_as_the_program_runs_it(box: Sandbox, command):
    setup = "echo x > lock; " if "lock" in command else ""
    ran = box.run(setup + command)
    assert any(argv[0] == "zq1" for argv in ran), f"the real program did not run zq1: {ran}"
    parsed = shell.parse(setup + command)
    assert parsed.understood, parsed.problems
    for argv in ran:
        if argv[0] == "zq1":  # a carrier may also run helpers of its own (parallel runs tput)
            assert any(fits(argv, reported.words, str(box.home)) for reported in parsed.commands), (argv, parsed.commands)


ASKS = [
    "tcsh -c 'zq1 a'",
    "mkdir d; cat ../bin/zq1 > d/zq1; chmod +x d/zq1; find d -type f -exec {} \\;",
    "echo zq1 | xargs -I{} sh -c {}",
    "echo zq1 | xargs -I % sh -c %",
    "echo zq1 | parallel",
    "echo 'zq1 a' | at now 2>/dev/null; zq1",
    "tmux -L tt-test new-session -d 'zq1 a; sleep 0.2'; sleep 0.5; tmux -L tt-test kill-server 2>/dev/null; git -c core.pager='zq1' log -1 2>/dev/null; zq1",
    "git -c core.sshCommand='zq1' fetch 2>/dev/null; zq1",
]


@pytest.mark.parametrize("command", ASKS)
def test_a_carrier_whose_command_cannot_be_read_makes_the_request_not_understood(box: Sandbox, command):
    ran = box.run(command)
    assert any(argv[0] == "zq1" for argv in ran), f"zq1 did not run: {ran}"
    assert not shell.parse(command).understood


def test_tmux_and_watch_run_their_code_and_the_reader_sees_it(box: Sandbox):
    command = "tmux -L tt-test2 new-session -d 'zq1 a; sleep 0.3'; sleep 0.6; tmux -L tt-test2 kill-server"
    ran = box.run(command)
    assert ["zq1", "a"] in ran, ran
    assert "zq1" in {c.name for c in shell.parse(command).commands}
    assert "zq1" in {c.name for c in shell.parse("watch -n 1 'zq1 a'").commands}


# ------------------------------------------------------------------------------------ never list families
DEFAULT_NEVER = tuple(ToolPattern.parse(p) for p in ("Shell(sudo *)", "Shell(rm -r /*)", "Shell(git push --force*)"))


@pytest.mark.parametrize(
    "command",
    [
        "sudoedit /etc/hosts",
        "sudo-rs ls",
        "pkexec ls",
        "run0 ls",
        "doas ls",
        "command sudo ls -v",
        "script -qc 'sudo ls' /dev/null",
        "setarch x86_64 sudo ls",
        "busybox env sudo ls",
        "rm --rec --force /",
        "rm --recur -f /etc",
        "git push --mirror",
        "git push --forc origin main",
        "git -c alias.p='push --force' p",
        "git -c alias.p='!git push --force' p",
        "git send-pack --force ../bare main",
        "git -c remote.origin.push=+refs/heads/main:refs/heads/main push",
        "GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=remote.origin.push GIT_CONFIG_VALUE_0=+main push git push",
        "ssh host sudo ls",
        "ssh -- host 'sudo ls'",
    ],
)
def test_the_never_list_speaks_for_a_whole_family(store, command):
    engine = _session_rule(store)
    assert engine.submit("s1", "Bash", {"command": command}).pending, command
    parsed = shell.parse(command)
    assert not parsed.understood or never_auto_approved(DEFAULT_NEVER, "Bash", {"command": command}) is not None


def _session_rule(store):
    """The engine with a whole-session rule for session s1."""
    store.add_session("s1", "claude · repo", directory="/work/repo")
    store.approvals.add_rule(RuleScope.SESSION, 60, by="dev", via=Via.KEYBOARD, session_id="s1")
    return store.approvals


def _git(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(cwd),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)


@pytest.mark.parametrize(
    "push",
    [
        ["-c", "alias.p=push --force", "p", "origin", "main"],
        ["-c", "alias.p=!git push --force origin main", "p"],
        ["push", "--force-w", "origin", "main"],
        ["push", "--mirror", "origin"],
        ["-c", "remote.origin.push=+refs/heads/main:refs/heads/main", "push", "origin"],
        ["send-pack", "--force", "../bare.git", "main"],
    ],
)
def test_each_spelling_really_force_pushes_with_git_and_asks(tmp_path: Path, store, push):
    """Each spelling rewrites the remote's history in a real git, so each is a forced push."""
    assert _git("init", "-q", "--bare", "-b", "main", "bare.git", cwd=tmp_path).returncode == 0
    assert _git("clone", "-q", "bare.git", "work", cwd=tmp_path).returncode == 0
    work = tmp_path / "work"
    _git("checkout", "-q", "-b", "main", cwd=work)
    for message in ("one", "two"):
        _git("commit", "-q", "--allow-empty", "-m", message, cwd=work)
    assert _git("push", "-q", "origin", "main", cwd=work).returncode == 0
    _git("reset", "-q", "--hard", "HEAD~1", cwd=work)
    _git("commit", "-q", "--allow-empty", "-m", "rewritten", cwd=work)
    assert _git("push", "-q", "origin", "main", cwd=work).returncode != 0  # a plain push is refused
    result = _git(*push, cwd=work)
    remote = _git("--git-dir", str(tmp_path / "bare.git"), "log", "-1", "--format=%s", "main", cwd=tmp_path).stdout.strip()
    assert remote == "rewritten", (push, result.stderr)
    command = shlex.join(["git", *push])
    assert _session_rule(store).submit("s1", "Bash", {"command": command}).pending, command
