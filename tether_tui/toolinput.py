"""Reading an agent's tool input: the one-line summary, the path it touches and the diff it makes.

Tool names and input keys follow Claude Code's (Bash, Edit, MultiEdit, Write, Read, WebFetch, ...);
Codex's ``exec_command``/``shell`` and Gemini's ``run_shell_command`` are read as shell commands.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shlex
from pathlib import Path
from typing import Any

from tether_tui.printable import printable

SHELL_TOOLS = frozenset({"Bash", "shell", "exec_command", "run_shell_command", "local_shell", "container.exec"})
"""Every agent's shell tool: one class for rules and patterns."""
PATH_KEYS = ("file_path", "path", "filename", "notebook_path", "absolute_path", "dir_path", "directory", "target_file")
PATH_LIST_KEYS = ("paths", "file_paths", "include")
PATTERN_KEYS = ("pattern", "glob")
"""Keys that hold a glob of file names (for the search tools)."""

FILE_TOOLS = frozenset(
    {
        # Claude Code
        "Read",
        "Write",
        "Edit",
        "MultiEdit",
        "NotebookEdit",
        "NotebookRead",
        "Glob",
        "Grep",
        "LS",
        # Gemini CLI
        "read_file",
        "write_file",
        "replace",
        "list_directory",
        "glob",
        "search_file_content",
        "read_many_files",
        # Codex
        "apply_patch",
        "view_image",
    }
)
"""Tools that act on files named in their input and on nothing else: the only tools besides the
shells that a folder rule can cover."""
SEARCH_TOOLS = frozenset({"Glob", "Grep", "glob", "search_file_content"})
"""File tools whose ``pattern`` is a file-name glob (Glob) or text (Grep: ``glob`` is the file filter)."""

_PATCH_FILE = re.compile(r"^\*\*\* (?:Add File|Update File|Delete File|Move to): (.+)$", re.MULTILINE)


def is_shell_tool(tool_name: str) -> bool:
    return tool_name in SHELL_TOOLS


def shell_command(tool_name: str, tool_input: dict[str, Any]) -> str | None:
    """The command line a shell tool wants to run, or None for other tools. An argument vector
    (Codex's ``["bash", "-lc", "…"]``) is quoted back into the exact command line it stands for."""
    if tool_name not in SHELL_TOOLS:
        return None
    for key in ("command", "cmd"):
        value = tool_input.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, list) and value and all(isinstance(part, str) for part in value):
            return shlex.join(value)
    return None


def glob_base(path: str) -> str | None:
    """The part of a glob pattern before its first wildcard (``src/**/*.py`` → ``src``); None
    when the pattern climbs out again after a wildcard (``a*/../../x``), where no folder can be
    named for it."""
    match = re.search(r"[*?\[{]", path)
    if match is None:
        return path
    if ".." in re.split(r"[/\\]", path[match.start() :]):
        return None
    head = path[: match.start()]
    if "/" in head:
        return head.rsplit("/", 1)[0] or "/"
    return "~" if head == "~" else "."


def patch_files(text: str) -> list[str]:
    """The files an ``apply_patch`` patch adds, updates, deletes or moves to."""
    if "*** Begin Patch" not in text:
        return []
    return [match.strip() for match in _PATCH_FILE.findall(text)]


def named_paths(tool_name: str, tool_input: dict[str, Any]) -> list[str] | None:
    """Every file or folder a file tool's input names (globs cut to the folder they search), or
    None when a path-like key holds something that is not text."""
    paths: list[str] = []
    for key in PATH_KEYS:
        if key in tool_input:
            value = tool_input[key]
            if not isinstance(value, str):
                return None
            if value:
                paths.append(value)
    for key in PATH_LIST_KEYS:
        if key in tool_input:
            values = tool_input[key]
            if isinstance(values, str):
                values = [values]
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                return None
            for value in values:
                base = glob_base(value) if value else ""
                if base is None:
                    return None
                if base:
                    paths.append(base)
    if tool_name in SEARCH_TOOLS:
        root = next((tool_input[k] for k in ("path", "dir_path") if isinstance(tool_input.get(k), str) and tool_input[k]), "")
        keys = ("glob",) if tool_name in ("Grep", "search_file_content") else PATTERN_KEYS
        for key in keys:
            value = tool_input.get(key)
            if value is None:
                continue
            if not isinstance(value, str):
                return None
            if value:
                base = glob_base(os.path.join(root, value) if root else value)
                if base is None:
                    return None
                paths.append(base)
    for value in tool_input.values():
        if isinstance(value, str):
            paths.extend(patch_files(value))
    if tool_name == "apply_patch" and not paths:
        return None
    return paths


def target_path(tool_input: dict[str, Any]) -> str | None:
    """The one file a tool acts on, for summaries and diffs."""
    for key in PATH_KEYS:
        value = tool_input.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def summarize(tool_name: str, tool_input: dict[str, Any], limit: int = 200) -> str:
    """One line that says what the tool will do."""
    command = shell_command(tool_name, tool_input)
    if command is not None:
        text = command
    elif (path := target_path(tool_input)) is not None:
        text = path
    elif isinstance(tool_input.get("url"), str):
        text = tool_input["url"]
    elif isinstance(tool_input.get("pattern"), str):
        text = tool_input["pattern"]
    elif isinstance(tool_input.get("query"), str):
        text = tool_input["query"]
    else:
        text = _json(tool_input)
    text = printable(" ".join(text[: limit * 4].split()), one_line=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def pretty_input(tool_input: dict[str, Any]) -> str:
    """The whole input as indented JSON, safe to show (see :func:`tether_tui.printable.printable`)."""
    return printable(_json(tool_input, indent=2))


def _json(value: Any, indent: int | None = None) -> str:
    """JSON for showing: keys of any type and values JSON cannot spell are written as text."""
    try:
        return json.dumps(value, indent=indent, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return json.dumps(value, indent=indent, ensure_ascii=False, default=str)


def _read_text(path: Path, max_bytes: int = 1_000_000) -> str | None:
    try:
        if path.stat().st_size > max_bytes:
            return None
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError):  # ValueError: a NUL byte in the path
        return None


def _diff(old: str, new: str, name: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"a/{name}",
        tofile=f"b/{name}",
    )
    return printable("".join(line if line.endswith("\n") else line + "\n" for line in lines))


def unified_diff(tool_name: str, tool_input: dict[str, Any], cwd: str | None = None) -> str | None:
    """The change an Edit, MultiEdit or Write request makes, as a unified diff; None otherwise.

    Edits are shown against the file on disk when it can be read (so the diff carries context
    lines and real line numbers), else against the old string alone.
    """
    path_text = target_path(tool_input)
    if path_text is None:
        return None
    path = Path(path_text)
    if not path.is_absolute() and cwd:
        path = Path(cwd) / path
    name = path_text.lstrip(os.sep)
    current = _read_text(path)

    if tool_name in ("Edit", "MultiEdit", "replace"):
        edits = tool_input.get("edits") if tool_name == "MultiEdit" else [tool_input]
        if not isinstance(edits, list):
            return None
        pairs = []
        for edit in edits:
            if not isinstance(edit, dict):
                return None
            old, new = edit.get("old_string"), edit.get("new_string")
            if not isinstance(old, str) or not isinstance(new, str):
                return None
            pairs.append((old, new, bool(edit.get("replace_all"))))
        if current is not None and all(old in current for old, _, _ in pairs):
            updated = current
            for old, new, replace_all in pairs:
                updated = updated.replace(old, new) if replace_all else updated.replace(old, new, 1)
            return _diff(current, updated, name)
        return "".join(_diff(old, new, name) for old, new, _ in pairs)

    if tool_name in ("Write", "write_file"):
        content = tool_input.get("content")
        if not isinstance(content, str):
            return None
        return _diff(current or "", content, name)
    return None


def short_path(path: str | None) -> str:
    """``path`` with the home folder shown as ``~``."""
    if not path:
        return ""
    home = os.path.expanduser("~")
    if path == home or path.startswith(home + os.sep):
        path = "~" + path[len(home) :]
    return printable(path, one_line=True)
