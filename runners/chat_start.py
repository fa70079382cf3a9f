"""Starting a session from a chat message: ``new <agent> <folder>: <prompt>`` (``new`` or
``new N`` alone starts demo scenario N), ``new <agent>@<remote> <folder>: <prompt>`` on a remote.
Only in folders under the configured allowed roots (``[runners]``, or the remote's own), so a
chat message cannot start an agent in /etc."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass

from runners.launcher import SessionLauncher
from tether_tui.config import RemoteSettings
from tether_tui.remotes import remote_folder
from tether_tui.rules import path_within, resolve_path

USAGE = "new <agent>[@<remote>] <folder>: <prompt>   e.g. new claude ~/src/api: fix the failing tests"


class ChatStartError(ValueError):
    """Why a chat message could not start a session (said back in the chat)."""


@dataclass(frozen=True)
class ChatStart:
    agent: str
    folder: str
    prompt: str
    host: str | None = None


def parse_new(args: str) -> ChatStart | int:
    """``claude ~/src/api: fix it`` → a ChatStart; ``""`` or ``"2"`` → a demo scenario index."""
    text = args.strip()
    if not text or text.isdigit():
        return max(0, int(text) - 1) if text else 0
    head, colon, prompt = text.partition(":")
    agent, _, folder = head.strip().partition(" ")
    if not colon or not folder.strip() or not prompt.strip():
        raise ChatStartError(f"Write it as: {USAGE}")
    name, _, host = agent.strip().lower().partition("@")
    return ChatStart(name, folder.strip(), prompt.strip(), host or None)


class ChatStarter:
    def __init__(self, launcher: SessionLauncher, allowed_roots: Callable[[], tuple[str, ...]], *, demo_speed: float = 1.0) -> None:
        self.launcher = launcher
        self.allowed_roots = allowed_roots
        self.demo_speed = demo_speed

    def check_folder(self, folder: str) -> str:
        resolved = resolve_path(folder)
        if resolved is None or not os.path.isdir(resolved):
            raise ChatStartError(f"{folder} is not a folder here")
        roots = [r for r in (resolve_path(root) for root in self.allowed_roots()) if r]
        if not any(path_within(resolved, root) for root in roots):
            allowed = ", ".join(self.allowed_roots()) or "none"
            raise ChatStartError(f"{folder} is outside the folders chat may start agents in ([runners] allowed_roots: {allowed})")
        return resolved

    async def __call__(self, args: str) -> str:
        """Start what ``args`` asks for; returns the new session's id."""
        from runners.protocol import RunnerUnavailableError

        wanted = parse_new(args)
        if isinstance(wanted, int):
            return await self.launcher.start_demo(wanted, speed=self.demo_speed)
        registry = self.launcher.registry
        if wanted.agent == "demo" or not registry.has(wanted.agent) or not registry.runs_in_folder(wanted.agent):
            known = ", ".join(name for name in registry.list() if registry.runs_in_folder(name))
            raise ChatStartError(f"Unknown agent {wanted.agent!r} (known: {known})")
        try:
            if wanted.host is not None:
                folder = await self.check_remote_folder(self.launcher.remote(wanted.host), wanted.folder)
            else:
                folder = self.check_folder(wanted.folder)
            return await self.launcher.start(wanted.agent, wanted.prompt, directory=folder, host=wanted.host)
        except RunnerUnavailableError as exc:
            raise ChatStartError(str(exc)) from None

    async def check_remote_folder(self, remote: RemoteSettings, folder: str) -> str:
        """``folder`` on ``remote``, absolute, and under one of that remote's allowed roots."""
        try:
            resolved = await remote_folder(remote, folder)
        except ValueError as exc:
            raise ChatStartError(str(exc)) from None
        roots = []
        for root in remote.allowed_roots:
            with contextlib.suppress(ValueError):
                roots.append(await remote_folder(remote, root))
        if not any(path_within(resolved, root) for root in roots):
            allowed = ", ".join(remote.allowed_roots) or "none"
            raise ChatStartError(
                f"{folder} is outside the folders chat may start agents in on {remote.name} ([remotes.{remote.name}] allowed_roots: {allowed})"
            )
        return resolved
