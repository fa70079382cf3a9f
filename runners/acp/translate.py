"""ACP tool calls as the store's requests: the agent's shell call becomes its shell tool with the
exact command, an edit becomes Edit/Write with the path and text (so the diff shows and the
folder rules apply), a read, fetch or search their usual names; anything else keeps its title."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runners.acp.profiles import AgentProfile


@dataclass
class ToolCallInfo:
    """What the agent said about a tool call so far (updates fill it in)."""

    title: str = ""
    kind: str | None = None
    raw_input: Any = None
    content: list[Any] | None = None
    locations: list[Any] | None = None

    def merge(self, update: Any) -> ToolCallInfo:
        for name in ("title", "kind", "raw_input", "content", "locations"):
            value = getattr(update, name, None)
            if value is not None:
                setattr(self, name, value)
        return self


def _raw(info: ToolCallInfo) -> dict[str, Any]:
    return dict(info.raw_input) if isinstance(info.raw_input, dict) else ({"input": info.raw_input} if info.raw_input is not None else {})


def request_of(info: ToolCallInfo, profile: AgentProfile) -> tuple[str, dict[str, Any]]:
    """``(tool_name, tool_input)`` for the store."""
    raw = _raw(info)
    kind = info.kind
    diffs = [item for item in info.content or [] if getattr(item, "type", None) == "diff"]
    if kind == "execute":
        command = raw.get("command", raw.get("cmd"))
        if not (isinstance(command, str) or (isinstance(command, list) and all(isinstance(p, str) for p in command))):
            command = info.title
        tool_input: dict[str, Any] = {"command": command}
        workdir = raw.get("cwd") or raw.get("workdir")
        if isinstance(workdir, str):
            tool_input["workdir"] = workdir
        if info.title and info.title != command:
            tool_input["description"] = info.title
        return profile.shell_tool, tool_input
    if diffs:
        diff = diffs[0]
        if diff.old_text is None:
            return "Write", {"file_path": diff.path, "content": diff.new_text}
        return "Edit", {"file_path": diff.path, "old_string": diff.old_text, "new_string": diff.new_text}
    path = next((getattr(loc, "path", None) for loc in info.locations or [] if getattr(loc, "path", None)), None)
    if kind == "read":
        return "Read", {"file_path": path or raw.get("file_path") or raw.get("path") or info.title, **raw}
    if kind == "fetch":
        return "WebFetch", {"url": raw.get("url") or info.title, **raw}
    if kind == "edit" and path:
        return "Edit", {"file_path": path, **raw}
    return info.title or kind or "tool", raw
