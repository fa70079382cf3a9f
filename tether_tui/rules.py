"""Matching requests against auto-approve rules and the never-auto-approve list. Pure functions."""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
from dataclasses import dataclass
from typing import Any

from tether_tui.models import Rule
from tether_tui.toolinput import shell_command, target_path

# Anything that chains, substitutes or redirects: a command holding one of these is never matched
# by a command-prefix rule, so "allow `git status`" cannot let "git status; rm -rf ~" through.
_SHELL_CONTROL = re.compile(r"[;&|`<>\n\r]|\$\(")
_SHELL_SPLIT = re.compile(r"&&|\|\||[;|\n&]")


def resolve_path(path: str, base: str | None = None) -> str:
    """Absolute, normalised path with ``..`` and symlinks resolved (the path need not exist)."""
    expanded = os.path.expanduser(path)
    if not os.path.isabs(expanded):
        expanded = os.path.join(base or os.getcwd(), expanded)
    return os.path.realpath(expanded)


def path_within(path: str, directory: str) -> bool:
    """True when resolved ``path`` is ``directory`` or inside it (component-wise, so ``/repo``
    does not contain ``/repo-evil``)."""
    try:
        return os.path.commonpath([path, directory]) == directory
    except ValueError:
        return False


def command_has_prefix(command: str, prefix: str) -> bool:
    """Token-wise prefix match of a simple command (no chaining, pipes or substitution)."""
    if _SHELL_CONTROL.search(command):
        return False
    try:
        tokens = shlex.split(command)
        wanted = shlex.split(prefix)
    except ValueError:
        return False
    return bool(wanted) and tokens[: len(wanted)] == wanted


@dataclass(frozen=True)
class RequestContext:
    """What a rule is matched against."""

    session_id: str
    tool_name: str
    tool_input: dict[str, Any]
    cwd: str | None

    def touched_path(self) -> str | None:
        """The resolved path the request acts on: its file for file tools, else its working folder."""
        path = target_path(self.tool_input)
        if path is not None:
            return resolve_path(path, self.cwd)
        if self.cwd:
            return resolve_path(self.cwd)
        return None


def rule_matches(rule: Rule, request: RequestContext) -> bool:
    if rule.session_id is not None and rule.session_id != request.session_id:
        return False
    if rule.tool_name is not None and rule.tool_name != request.tool_name:
        return False
    if rule.command_prefix is not None:
        command = shell_command(request.tool_name, request.tool_input)
        if command is None or not command_has_prefix(command, rule.command_prefix):
            return False
    if rule.directory is not None:
        touched = request.touched_path()
        if touched is None or not path_within(touched, rule.directory):
            return False
    return True


@dataclass(frozen=True)
class ToolPattern:
    """``Tool`` or ``Tool(glob)``: the glob is matched against the command (each part of a chained
    command too), the file path or the URL of the request."""

    tool: str
    glob: str | None = None

    @classmethod
    def parse(cls, text: str) -> "ToolPattern":
        text = text.strip()
        match = re.fullmatch(r"([^()\s]+)(?:\((.*)\))?", text, flags=re.DOTALL)
        if not match:
            raise ValueError(f"not a tool pattern: {text!r} (expected Tool or Tool(glob))")
        return cls(match.group(1), match.group(2))

    def matches(self, tool_name: str, tool_input: dict[str, Any]) -> bool:
        if not fnmatch.fnmatchcase(tool_name, self.tool):
            return False
        if self.glob is None:
            return True
        subjects: list[str] = []
        command = shell_command(tool_name, tool_input)
        if command is not None:
            subjects.append(command.strip())
            subjects.extend(part.strip() for part in _SHELL_SPLIT.split(command) if part.strip())
        for key in ("file_path", "path", "notebook_path", "url"):
            value = tool_input.get(key)
            if isinstance(value, str):
                subjects.append(value)
        return any(fnmatch.fnmatchcase(subject, self.glob) for subject in subjects)

    def __str__(self) -> str:
        return self.tool if self.glob is None else f"{self.tool}({self.glob})"


def never_auto_approved(patterns: tuple[ToolPattern, ...], tool_name: str, tool_input: dict[str, Any]) -> ToolPattern | None:
    for pattern in patterns:
        if pattern.matches(tool_name, tool_input):
            return pattern
    return None
