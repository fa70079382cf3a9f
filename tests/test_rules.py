"""Rule matching, with property tests for the folder and command-prefix rules."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from tether_tui.models import Rule, RuleScope, Via
from tether_tui.rules import (
    CommandRule,
    RequestContext,
    ToolPattern,
    path_within,
    resolve_path,
    rule_matches,
)

segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-.", min_size=1, max_size=8).filter(lambda s: s not in (".", ".."))
segments = st.lists(segment, min_size=1, max_size=4)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def rule(**fields) -> Rule:
    return Rule(
        id="r",
        scope=fields.pop("scope", RuleScope.TOOL),
        created_at=NOW,
        expires_at=NOW,
        expires_mono=1e9,
        created_by="t",
        created_via=Via.KEYBOARD,
        **fields,
    )


@given(segments, segments)
def test_a_path_is_within_a_folder_exactly_when_it_extends_its_components(base, extra):
    directory = "/" + "/".join(base)
    assert path_within(directory, directory)
    assert path_within(directory + "/" + "/".join(extra), directory)


@given(segments, segment)
def test_a_sibling_with_the_same_name_prefix_is_never_inside(base, suffix):
    directory = "/" + "/".join(base)
    assert not path_within(directory + suffix, directory)
    assert not path_within(directory + suffix + "/file.py", directory)
    assert not path_within(directory + "-evil/file.py", directory)


@given(segments, st.integers(min_value=1, max_value=6), segments)
def test_dot_dot_is_resolved_before_matching(base, ups, tail):
    directory = resolve_path("/" + "/".join(base))
    sneaky = directory + "/" + "/".join([".."] * ups) + "/" + "/".join(tail)
    resolved = resolve_path(sneaky)
    inside = resolved == directory or resolved.startswith(directory + "/")
    assert ".." not in resolved.split("/")
    assert path_within(resolved, directory) == inside
    context = RequestContext("s", "Write", {"file_path": sneaky}, None)
    assert rule_matches(rule(scope=RuleScope.DIRECTORY, directory=directory), context) == inside


def test_symlinks_out_of_the_folder_do_not_match(tmp_path):
    repo = tmp_path / "repo"
    outside = tmp_path / "outside"
    repo.mkdir()
    outside.mkdir()
    (repo / "link").symlink_to(outside)
    directory_rule = rule(scope=RuleScope.DIRECTORY, directory=resolve_path(str(repo)))
    inside = RequestContext("s", "Edit", {"file_path": "src/a.py"}, str(repo))
    escape = RequestContext("s", "Edit", {"file_path": "link/secrets.txt"}, str(repo))
    assert rule_matches(directory_rule, inside)
    assert not rule_matches(directory_rule, escape)


def test_relative_paths_resolve_against_the_sessions_folder():
    directory_rule = rule(scope=RuleScope.DIRECTORY, directory="/work/repo")
    assert rule_matches(directory_rule, RequestContext("s", "Edit", {"file_path": "a/b.py"}, "/work/repo"))
    assert not rule_matches(directory_rule, RequestContext("s", "Edit", {"file_path": "../other/b.py"}, "/work/repo"))
    # a shell command is judged by the folder it runs in
    assert rule_matches(directory_rule, RequestContext("s", "Bash", {"command": "ls"}, "/work/repo/sub"))
    assert not rule_matches(directory_rule, RequestContext("s", "Bash", {"command": "ls"}, None))


words = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=6), min_size=1, max_size=4)
operators = st.sampled_from([";", "&&", "||", "|", "&", "`id`", "$(id)", ">", "<", "\n"])


@given(words, words)
def test_a_command_prefix_matches_whole_words(prefix, rest):
    rule = CommandRule(("npm", *prefix))
    assert rule.matches(" ".join(["npm", *prefix, *rest]))
    # a longer last word is not the same word
    assert not rule.matches(" ".join(["npm", *prefix[:-1], prefix[-1] + "x", *rest]))


@given(words, operators, words)
@settings(max_examples=200)
def test_chained_or_substituted_commands_never_match_a_prefix(prefix, operator, rest):
    command = "npm " + " ".join(prefix) + f" {operator} " + " ".join(rest)
    assert not CommandRule(("npm", *prefix)).matches(command)


def test_tool_rules_with_session_and_prefix():
    git_rule = rule(tool_name="Bash", command_prefix="git status", session_id="s1")
    assert rule_matches(git_rule, RequestContext("s1", "Bash", {"command": "git status --short"}, None))
    assert not rule_matches(git_rule, RequestContext("s2", "Bash", {"command": "git status"}, None))
    assert not rule_matches(git_rule, RequestContext("s1", "Bash", {"command": "git push"}, None))
    assert not rule_matches(git_rule, RequestContext("s1", "Edit", {"file_path": "git"}, None))
    assert not rule_matches(git_rule, RequestContext("s1", "Bash", {"command": "git status; rm -rf ~"}, None))


def test_tool_patterns():
    pattern = ToolPattern.parse("Bash(rm -rf *)")
    assert pattern.matches("Bash", {"command": "rm -rf build"})
    assert pattern.matches("Bash", {"command": "make && rm -rf /"})
    assert not pattern.matches("Bash", {"command": "rm build"})
    assert ToolPattern.parse("Write(*.env)").matches("Write", {"file_path": "/repo/.env"})
    assert ToolPattern.parse("WebFetch").matches("WebFetch", {"url": "x"})
    assert str(ToolPattern.parse("  Bash(sudo *) ")) == "Bash(sudo *)"
    for bad in ("", "Bash(x", "two words"):
        try:
            ToolPattern.parse(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} parsed")


def test_resolve_path_expands_home_and_relative():
    assert resolve_path("~/x") == os.path.realpath(os.path.expanduser("~/x"))
    assert resolve_path("b/../c", "/a") == "/a/c"
