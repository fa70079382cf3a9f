"""What ``tether-tui doctor`` asks of each chat platform: is the token good, may the bot do
what the bridge needs, is the chat right. Each platform's probe logs in without taking updates
(a running dashboard keeps its own), reuses the checks the bridge itself makes when a pairing
binds a chat, and never shows a token."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from tether_tui.platforms import ChatSettings, platform

Status = Literal["ok", "fail", "note"]


@dataclass(frozen=True)
class Finding:
    status: Status
    text: str
    fix: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "fail"


def ok(text: str) -> Finding:
    return Finding("ok", text)


def fail(text: str, fix: str) -> Finding:
    return Finding("fail", text, fix)


def note(text: str, fix: str = "") -> Finding:
    return Finding("note", text, fix)


async def probe(name: str, settings: ChatSettings) -> list[Finding]:
    spec = platform(name)
    try:
        module = importlib.import_module(spec.probe)
    except ImportError as exc:
        return [fail(f"{spec.label}: its library is missing ({exc.name})", spec.install)]
    check: Callable[..., Awaitable[list[Finding]]] = module.probe
    try:
        return await check(settings)
    except Exception as exc:  # a probe that breaks says so, and the others still run
        return [fail(f"{spec.label}: could not be checked ({type(exc).__name__}: {exc})", "see the log, or try again")]
