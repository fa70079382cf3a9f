"""``tether-tui install-hooks claude|codex|gemini``: merge our hook entries into an agent's settings.

Idempotent (our entries are recognised by their command and replaced, nothing else is touched),
written atomically, and ``--dry-run`` prints the result instead of writing it.
"""

from __future__ import annotations

import copy
import json
import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tether_tui.agents import AGENTS, AgentHooks
from tether_tui.paths import write_private_atomic

HOOK_TIMEOUT_SECONDS = 3600
"""Long enough for a human to answer from the phone."""
HOOK_WAIT_SECONDS = HOOK_TIMEOUT_SECONDS - 60
"""The hook gives up (with its fallback) a minute before the agent would kill it."""
MARKER = " hook "


class InstallError(Exception):
    pass


def tether_command() -> list[str]:
    """How to run this installation of tether-tui by absolute path, whatever PATH the agent has."""
    script = Path(sys.executable).with_name("tether-tui")
    if script.exists():
        return [str(script.resolve())]
    return [str(Path(sys.executable).resolve()), "-m", "tether_tui"]


def hook_command(agent: str, fallback: str) -> str:
    parts = [*tether_command(), "hook", agent, "--wait", str(HOOK_WAIT_SECONDS), "--fallback", fallback]
    return " ".join(shlex.quote(part) for part in parts)


def settings_path(agent: str, project: Path | None, env: dict[str, str] | None = None) -> Path:
    env = dict(os.environ) if env is None else env
    home = Path(env.get("HOME") or Path.home())
    if agent == "claude":
        # settings.local.json: the command names this machine's tether-tui, so it stays out of git
        return project / ".claude" / "settings.local.json" if project else home / ".claude" / "settings.json"
    if agent == "codex":
        if project:
            return project / ".codex" / "hooks.json"
        return Path(env.get("CODEX_HOME") or home / ".codex") / "hooks.json"
    if agent == "gemini":
        return project / ".gemini" / "settings.json" if project else home / ".gemini" / "settings.json"
    raise InstallError(f"unknown agent {agent!r} (known: {', '.join(AGENTS)})")


def _is_ours(handler: Any, agent: str) -> bool:
    command = handler.get("command") if isinstance(handler, dict) else None
    return isinstance(command, str) and "tether" in command and f"{MARKER}{agent}" in command


def _handler(hooks: AgentHooks, command: str) -> dict[str, Any]:
    handler: dict[str, Any] = {"type": "command", "command": command}
    # Gemini counts hook timeouts in milliseconds, Claude Code and Codex in seconds
    handler["timeout"] = HOOK_TIMEOUT_SECONDS * 1000 if hooks.name == "gemini" else HOOK_TIMEOUT_SECONDS
    if hooks.name == "gemini":
        handler["name"] = "tether-tui"
    return handler


def merge(settings: dict[str, Any], hooks: AgentHooks, command: str | None) -> dict[str, Any]:
    """``settings`` with our entries removed, then (unless ``command`` is None) added afresh."""
    result = copy.deepcopy(settings)
    table = result.get("hooks")
    if table is None:
        table = {}
    if not isinstance(table, dict):
        raise InstallError("the settings file's 'hooks' is not an object")
    for event in list(table):
        groups = table[event]
        if not isinstance(groups, list):
            raise InstallError(f"hooks.{event} is not a list (the agent expects a list of hook groups); not touched")
        kept_groups = []
        for group in groups:
            if isinstance(group, dict) and isinstance(group.get("hooks"), list):
                handlers = [h for h in group["hooks"] if not _is_ours(h, hooks.name)]
                if not handlers:
                    continue
                group = {**group, "hooks": handlers}
            kept_groups.append(group)
        if kept_groups:
            table[event] = kept_groups
        else:
            del table[event]
    if command is not None:
        for event, matcher in hooks.install_events.items():
            entry: dict[str, Any] = {"hooks": [_handler(hooks, command)]}
            if matcher is not None:
                entry = {"matcher": matcher, **entry}
            table.setdefault(event, []).append(entry)
    if table:
        result["hooks"] = table
    else:
        result.pop("hooks", None)
    return result


@dataclass
class InstallResult:
    path: Path
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def describe(self) -> list[str]:
        before_events = set((self.before.get("hooks") or {}).keys())
        after_events = set((self.after.get("hooks") or {}).keys())
        lines = []
        for event in sorted(after_events | before_events):
            old = json.dumps((self.before.get("hooks") or {}).get(event), sort_keys=True)
            new = json.dumps((self.after.get("hooks") or {}).get(event), sort_keys=True)
            if old != new:
                verb = "added" if event not in before_events else "removed" if event not in after_events else "updated"
                lines.append(f"  {verb} {event}")
        return lines


def install(agent: str, path: Path, *, uninstall: bool = False, fallback: str = "defer", dry_run: bool = False) -> InstallResult:
    hooks = AGENTS.get(agent)
    if hooks is None:
        raise InstallError(f"unknown agent {agent!r} (known: {', '.join(AGENTS)})")
    before: dict[str, Any] = {}
    commented = False
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InstallError(f"{path} cannot be read ({exc}); not touched") from None
        plain, commented = strip_json_comments(text)
        try:
            before = json.loads(plain or "{}")
        except json.JSONDecodeError as exc:
            raise InstallError(f"{path} is not valid JSON (line {exc.lineno}: {exc.msg}); not touched") from None
        if not isinstance(before, dict):
            raise InstallError(f"{path} does not hold a JSON object; not touched")
    try:
        after = merge(before, hooks, None if uninstall else hook_command(agent, fallback))
    except InstallError as exc:
        raise InstallError(f"{path}: {exc}") from None
    if commented and after != before and not dry_run:
        snippet = json.dumps({"hooks": after.get("hooks", {})}, indent=2)
        raise InstallError(
            f'{path} has comments, which rewriting it would lose; not touched. Put this "hooks" entry into it yourself:\n{snippet}'
        )
    result = InstallResult(path, before, after)
    if result.changed and not dry_run:
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
        write_private_atomic(path, json.dumps(after, indent=2) + "\n")
        os.chmod(path, mode)
    return result


def strip_json_comments(text: str) -> tuple[str, bool]:
    """``text`` without ``//`` and ``/* */`` comments (outside strings), and whether it had any.
    Gemini CLI reads its settings with comments allowed."""
    out: list[str] = []
    index, length, found = 0, len(text), False
    in_string = False
    while index < length:
        char = text[index]
        if in_string:
            out.append(char)
            if char == "\\" and index + 1 < length:
                out.append(text[index + 1])
                index += 2
                continue
            if char == '"':
                in_string = False
            index += 1
            continue
        if char == '"':
            in_string = True
            out.append(char)
            index += 1
        elif text.startswith("//", index):
            found = True
            end = text.find("\n", index)
            index = length if end < 0 else end
        elif text.startswith("/*", index):
            found = True
            end = text.find("*/", index + 2)
            index = length if end < 0 else end + 2
        else:
            out.append(char)
            index += 1
    return "".join(out), found


def main(args: Any) -> int:
    project = Path(args.project).expanduser().resolve() if args.project else None
    if project is not None and not project.is_dir():
        print(f"tether-tui install-hooks: --project {args.project}: no such folder; nothing written", file=sys.stderr)
        return 2
    try:
        path = settings_path(args.agent, project)
        result = install(args.agent, path, uninstall=args.uninstall, fallback=args.fallback, dry_run=args.dry_run)
    except InstallError as exc:
        print(f"tether-tui install-hooks: {exc}", file=sys.stderr)
        return 2
    if args.dry_run:
        print(f"# {path} would become:")
        print(json.dumps(result.after, indent=2))
        return 0
    if not result.changed:
        print(f"{path}: already up to date")
        return 0
    print(f"{path}: {'removed tether-tui hooks' if args.uninstall else 'installed tether-tui hooks'}")
    print("\n".join(result.describe()))
    return 0
