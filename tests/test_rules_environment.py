"""The environment and the working folder are part of the command, and inline code is code:
each case is run in a real bash first (it really reaches outside the folder, or really runs the
program), then judged by the engine under the rule kind it would slip through."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from tether_tui.models import RuleScope, Via


def bash(command: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True, timeout=20, check=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    folder = tmp_path / "repo"
    (folder / "sub").mkdir(parents=True)
    (folder / "file").write_text("x")
    return folder


def session_rule(store, directory: str = "/work/repo"):
    """A whole-session rule for session s1."""
    store.add_session("s1", "claude · repo", directory=directory)
    store.approvals.add_rule(RuleScope.SESSION, 30, by="alice", via=Via.KEYBOARD, session_id="s1")
    return store.approvals


def folder_rule(store, repo: Path):
    store.add_session("s1", "claude · repo", directory=str(repo))
    store.approvals.add_rule(RuleScope.DIRECTORY, 30, by="alice", via=Via.KEYBOARD, directory=str(repo))
    return store.approvals


OUTSIDE_WRITES = [
    "cd .. && touch escaped",
    "cd sub && cd ../.. && touch escaped",
    "pushd .. >/dev/null && touch escaped",
    "export OLDPWD=..; cd - >/dev/null; touch escaped",
    "TMPDIR=.. mktemp --tmpdir escaped.XXXX >/dev/null",
    "cp -t.. file && mv ../file ../escaped",
    "tar -cf ../a.tar file && tar -C.. -xf ../a.tar && mv ../file ../escaped",
    "ln -s .. link && touch link/escaped",
    "ln -s ../.. sub/up && touch sub/up/repo/../escaped",
    "find -L . -maxdepth 0 -exec touch {}/../escaped \\;",
    "python3 -c \"open('../escaped', 'w')\"",
    "CDPATH=.. cd repo >/dev/null && cd .. && touch escaped",
]


@pytest.mark.parametrize("command", OUTSIDE_WRITES)
async def test_a_folder_rule_asks_for_what_really_writes_outside(store, repo: Path, command):
    result = bash(command, repo)
    assert list(repo.parent.glob("escaped*")), (command, result.stderr)
    engine = folder_rule(store, repo)
    request = engine.submit("s1", "Bash", {"command": command}, cwd=str(repo))
    assert request.pending, command


@pytest.mark.parametrize(
    "command",
    [
        "cd sub && touch inside",
        "cd sub && touch a b",
        "find -L sub -type f",
        "cp -tsub file",
        "mkdir -p sub/d && ln -s ../file sub/d/link",
    ],
)
async def test_a_folder_rule_still_covers_what_stays_inside(store, repo: Path, command):
    engine = folder_rule(store, repo)
    assert not engine.submit("s1", "Bash", {"command": command}, cwd=str(repo)).pending, command


async def test_proc_self_is_never_resolved_in_the_dashboards_own_process(store, repo: Path):
    engine = folder_rule(store, repo)
    for command in ("cat /proc/self/cwd/file", "touch /proc/self/cwd/../x", "ls /dev/fd/3/x"):
        assert engine.submit("s1", "Bash", {"command": command}, cwd=str(repo)).pending, command
    assert engine.submit("s1", "Read", {"file_path": "/proc/self/root/etc/passwd"}, cwd=str(repo)).pending


# ------------------------------------------------------------------------------------ settings that run code
RUNS_CODE = [
    "PS4='$(zq1)' bash -xc true",
    "LD_PRELOAD=./evil.so ls",
    "PATH=.:$PATH ls",
    "export PYTHONPATH=.; python3 app.py",
    "npm_config_script_shell=./evil npm test",
    "env GIT_SSH_COMMAND='./evil' git fetch",
    "declare -x BASH_ENV=./evil; bash s.sh",
    "sudo LD_LIBRARY_PATH=. ls",
    "GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.pager GIT_CONFIG_VALUE_0=./evil git log",
    "EDITOR=./evil git commit",
    "PROMPT_COMMAND=./evil bash -i",
    "NODE_OPTIONS='--require ./evil.js' node app.js",
]


@pytest.mark.parametrize("command", RUNS_CODE)
async def test_settings_that_make_programs_run_code_ask_under_every_rule(store, command):
    session_rule(store)
    assert store.approvals.submit("s1", "Bash", {"command": command}).pending, command


async def test_ps4_really_runs_code_in_bash(tmp_path: Path):
    marker = tmp_path / "ran"
    bash(f"PS4='$(touch {shlex.quote(str(marker))})'; set -x; true", tmp_path)
    assert marker.exists()


async def test_a_rule_made_from_npm_test_never_covers_a_setting_before_it(store):
    store.add_session("s1", "claude · repo", directory="/work/repo")
    store.approvals.add_rule(RuleScope.SESSION, 30, by="a", via=Via.KEYBOARD, session_id="s1", command_prefix="npm test")
    assert not store.approvals.submit("s1", "Bash", {"command": "npm test -- --run x"}).pending
    for command in ("X=1 npm test", "npm_config_script_shell=./evil npm test", "env X=1 npm test", "FOO=bar npm test"):
        assert store.approvals.submit("s1", "Bash", {"command": command}).pending, command


# ------------------------------------------------------------------------------------ interpreters
@pytest.mark.parametrize(
    ("made_from", "other"),
    [
        ("python3 -W ignore app.py", "python3 -W ignore -c 'import os'"),
        ("python3 -X dev app.py", "python3 -X dev -c 'import os'"),
        ("perl -I lib tool.pl", "perl -I lib -e 'system 1'"),
        ("ruby -I lib tool.rb", "ruby -I lib -e 'system 1'"),
        ("node --require ./setup.js app.js", "node --require ./setup.js -e 'process.exit()'"),
        ("node --title x app.js", "node --title x -e 'process.exit()'"),
    ],
)
async def test_a_rule_made_after_an_option_with_a_value_never_covers_inline_code(store, made_from, other):
    from tether_tui.rules import command_rule_for

    rule = command_rule_for(made_from)
    assert rule is not None
    store.add_session("s1", "claude · repo", directory="/work/repo")
    store.approvals.add_rule(
        RuleScope.SESSION, 30, by="a", via=Via.KEYBOARD, session_id="s1", command_prefix=rule.text, command_exact=rule.exact
    )
    assert not store.approvals.submit("s1", "Bash", {"command": made_from}).pending
    assert store.approvals.submit("s1", "Bash", {"command": other}).pending, (rule, other)


async def test_python_really_runs_inline_code_after_an_option_with_a_value(tmp_path: Path):
    result = bash("python3 -W ignore -c 'print(40 + 2)'", tmp_path)
    assert result.stdout.strip() == "42"


@pytest.mark.parametrize("shell_name", ["rbash", "tcsh", "busybox sh", "fish", "csh"])
async def test_shells_the_reader_does_not_know_get_exact_rules_only(shell_name):
    from tether_tui.rules import command_rule_for

    rule = command_rule_for(f"{shell_name} build.sh")
    assert rule is None or rule.exact


INLINE_NEVER = [
    "python3 -c 'import os; os.system(\"sudo id\")'",
    'perl -e \'exec "sudo", "id"\'',
    'node -e \'require("child_process").execSync("sudo id")\'',
    "ruby -e '%x(sudo id)'",
    "awk 'BEGIN { system(\"sudo id\") }'",
    "sed -n '1e sudo id' file",
    "sqlite3 :memory: '.shell sudo id'",
    "vim -c '!sudo id' -c q",
    "make --eval='x: ; sudo id' x",
    "python3 -c \"import subprocess; subprocess.run(['git', 'push', '-f'])\"",
    'python3 -c "$CODE"',
]


@pytest.mark.parametrize("command", INLINE_NEVER)
async def test_inline_code_naming_a_never_listed_program_asks_under_a_session_rule(store, command):
    session_rule(store)
    assert store.approvals.submit("s1", "Bash", {"command": command}).pending, command
    assert not store.approvals.submit("s1", "Bash", {"command": "python3 -c 'print(1)'"}).pending


async def test_awk_really_runs_a_program_named_in_its_code(tmp_path: Path):
    marker = tmp_path / "ran"
    bash(f"awk 'BEGIN {{ system(\"touch {marker}\") }}'", tmp_path)
    assert marker.exists()


# ------------------------------------------------------------------------------------ cd / and home
@pytest.mark.parametrize(
    ("command", "cwd"),
    [
        ("cd / && rm -rf *", "/work/repo"),
        ("cd ~ && rm -rf -- *", "/work/repo"),
        ("cd /tmp; cd /; rm -rf -- *", "/work/repo"),
        ("pushd / && rm -rf *", "/work/repo"),
        ("cd - && rm -rf *", "/work/repo"),
        ("rm -rf *", "/"),
        ("rm -rf -- *", str(Path.home())),
    ],
)
async def test_removing_everything_in_root_or_home_is_the_never_lists_rm_r(store, command, cwd):
    from tether_tui.config import ApprovalSettings
    from tether_tui.rules import never_auto_approved

    assert never_auto_approved(ApprovalSettings().never_patterns, "Bash", {"command": command}, cwd) is not None
    assert session_rule(store, cwd).submit("s1", "Bash", {"command": command}, cwd=cwd).pending


async def test_rm_rf_star_in_a_project_folder_is_not_the_never_list(store):
    from tether_tui.config import ApprovalSettings
    from tether_tui.rules import never_auto_approved

    assert never_auto_approved(ApprovalSettings().never_patterns, "Bash", {"command": "rm -rf build/*"}, "/work/repo") is None
