"""The reader against real shells: every program bash (or dash as sh, or zsh given code) runs
for a generated command is one `tether_tui.shell` reports, unless it says it does not understand
the command. The large run is `bench/shell_differential.py`."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from tests.shell_differential import Sandbox, compare, missing_programs, sandbox, shell_cases
from tether_tui import shell


@pytest.fixture(scope="module")
def box():
    missing = missing_programs()
    assert not missing, f"the differential tests run real shells: install {', '.join(missing)} (CI does)"
    with sandbox() as made:
        yield made


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=list(HealthCheck), phases=[Phase.generate, Phase.shrink])
@given(case=shell_cases())
def test_every_program_a_shell_runs_is_reported_or_the_command_is_not_understood(box: Sandbox, case):
    command, shell_name = case
    _, disagreement = compare(box, command, shell_name)
    assert disagreement is None, str(disagreement)


HARD_CASES = [
    # parameter expansions with code inside, nested backquotes
    "v=xy; echo ${v#$(zq1)}",
    "v=xy; echo ${v%%`zq1`}",
    "v=xy; echo ${v^^$(zq1)}",
    "v=xy; echo ${v,`zq1`}",
    "v=xy; echo ${v:+`zq1`}",
    'echo "${v:-`zq1`}"',
    "echo `echo \\`zq1\\``",
    # heredocs fed to a shell
    "bash <<EOF\necho \\`zq1\\`\nEOF",
    "sh <<EOF\nx=1 \\\nzq1\nEOF",
    # $'…' with short escapes
    "$'\\x7aq1'",
    "$'\\u7a\\u71\\u31'",
    "$'\\U7a\\U71\\U31'",
    "$'\\172\\161\\61'",
    "$'\\x7aq'1",
    # options around -c, code from stdin or a substitution
    "bash -c -- zq1",
    "sh -c -x zq1",
    "bash -x -c zq1 name",
    "bash -o errexit -c zq1",
    "sh /dev/stdin <<< zq1",
    ". /dev/stdin <<< zq1",
    "command source /dev/stdin <<< zq1",
    # builtins that run code
    "trap zq1 EXIT",
    "trap -- 'zq1' EXIT; true",
    "eval -- zq1",
    "f() { zq1; }; f",
    "exec -la x zq1",
    "find d >/dev/null -exec zq1 {} \\;",
]


@pytest.mark.parametrize("command", HARD_CASES)
def test_hard_cases_are_read_as_bash_runs_them(box: Sandbox, command):
    if command.startswith("find"):
        command = "mkdir d; touch d/f; " + command
    ran = box.run(command)
    assert any(argv[0] == "zq1" for argv in ran), f"bash did not run zq1: {ran}"
    understood, disagreement = compare(box, command)
    assert understood and disagreement is None, disagreement


NOT_UNDERSTOOD = [
    "v='$(zq1)'; echo ${v@P}",
    "x='a[$(zq1)]'; echo $(( x ))",
    "x='a[$(zq1)]'; [[ $x -eq 0 ]]",
    "x='a[`zq1`]'; let x",
    "printf -v 'a[$(zq1)]' x",
    "declare 'a[$(zq1)]=1'",
    "test -v 'a[$(zq1)]'",
    "declare -a a; a['$(zq1)']=1",
    "bash <(echo zq1)",
    "source <(echo zq1)",
    "shopt -s expand_aliases\nalias ll=zq1\nll",
    "shopt -s expand_aliases\nBASH_ALIASES[ll]=zq1\nll",
    "hash -p ../bin/zq1 ls; ls",
    "PS4='$(zq1)'; set -x; true",
    "export PS4='`zq1`'; set -x; :",
    "echo zq1 > s.sh; bash s.sh",
    "echo zq1 > s.sh; . ./s.sh",
    "zsh -c '=zq1'",
]


@pytest.mark.parametrize("command", NOT_UNDERSTOOD)
def test_constructs_that_cannot_be_read_faithfully_are_not_understood(box: Sandbox, command):
    ran = box.run(command)
    assert any(argv[0] == "zq1" for argv in ran), f"bash did not run zq1: {ran}"
    assert not shell.parse(command).understood


def test_zsh_only_forms_are_read_when_zsh_is_given_the_code(box: Sandbox):
    for code in ("noglob zq1", "nocorrect zq1", "repeat 2 zq1", "nocorrect noglob zq1"):
        command = f"zsh -c '{code}'"
        ran = box.run(command)
        assert ["zq1"] in ran, (code, ran)
        understood, disagreement = compare(box, command)
        assert understood and disagreement is None, disagreement


def test_ansi_c_quoting_in_code_for_sh_is_not_understood(box: Sandbox):
    """dash runs the word as the text it is; bash as sh (macOS) decodes it to zq1."""
    code = "$'" + "\\x7aq1'"
    assert ["zq1"] not in box.run(f'sh -c "{code}"')
    assert ["zq1"] in box.run(f'bash --posix -c "{code}"')
    assert not shell.parse(f'sh -c "{code}"').understood
