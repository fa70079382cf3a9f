"""``tether-tui setup telegram|slack|discord``: a chat bridge set up in a minute. The token is
typed hidden and checked at once; the bridge then starts with no chat and waits for
``/pair <code>`` (``!pair`` on Slack and Discord) in the group or channel where the sessions
should go; that chat is checked, bound and written into the config with the token (tomlkit,
0600). A dashboard already running picks the new config up by itself."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import signal
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bridges.probe import probe
from tether_tui.config import Config, ConfigError, load_config
from tether_tui.configfile import set_values
from tether_tui.platforms import ChatSettings, platform
from tether_tui.store import SessionStore

Ask = Callable[[str, bool], str]
"""(prompt, hidden) -> the line typed."""
Say = Callable[[str], None]

TRIES = 3


def terminal_ask(prompt: str, hidden: bool) -> str:
    """A line typed at the terminal; ctrl+c stops at once (KeyboardInterrupt), even while the
    event loop holds SIGINT for itself."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        if hidden and sys.stdin.isatty():
            return getpass.getpass(prompt)
        print(prompt, end="", flush=True)
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        return line.strip()
    finally:
        signal.signal(signal.SIGINT, previous)


# ----------------------------------------------------------------- shared with the setup dialog
def settings_with_tokens(name: str, config: Config, tokens: Mapping[str, str]) -> ChatSettings:
    """The platform's settings from ``config`` with these tokens and no chat yet."""
    spec = platform(name)
    return spec.with_tokens(spec.settings_of(config), {key: value.strip() for key, value in tokens.items()})


async def check_tokens(name: str, settings: ChatSettings) -> list[tuple[bool, str]]:
    """The doctor's checks of typed tokens, as (passed, what) lines (nothing is saved)."""
    return [
        (not finding.failed, finding.text + (f": {finding.fix}" if finding.failed else ""))
        for finding in await probe(name, settings)
        if finding.status != "note"
    ]


def save_tokens(config_path: Path, name: str, settings: ChatSettings, *, chat: int | str | None = None) -> None:
    """Write the tokens (and the chat, once one is bound) into the config: 0600, comments kept."""
    spec = platform(name)
    values: dict[str, Any] = {**spec.token_values(settings), "enabled": True}
    if chat is not None:
        values.update({spec.chat_key: chat, "require_pairing": True})
    set_values(config_path, name, values)


def pairing_instruction(name: str, code: str) -> str:
    spec = platform(name)
    return f"write  {spec.command_prefix}pair {code}  in {spec.chat_place}"


# ----------------------------------------------------------------- the command
def _asked_tokens(name: str, config: Config, ask: Ask) -> ChatSettings:
    return settings_with_tokens(name, config, {token.key: ask(token.prompt, True) for token in platform(name).tokens})


async def setup(name: str, config_path: Path, *, ask: Ask = terminal_ask, say: Say = print, wait: float = 600.0) -> int:
    try:
        config = load_config(config_path, env={})
    except ConfigError as exc:
        say(f"tether-tui: {exc}\nFix the config first (tether-tui config check).")
        return 2
    spec = platform(name)
    missing = spec.missing_library()
    if missing is not None:
        say(f"{spec.label} needs its library ({missing} is not installed): {spec.install}")
        return 1
    say(f"Setting up {spec.label} (written to {config_path}).")
    for step in spec.setup_steps:
        say(f"  {step}")
    for attempt in range(TRIES):
        try:
            settings = _asked_tokens(name, config, ask)
        except (EOFError, KeyboardInterrupt):
            say("\nNothing written.")
            return 1
        empty = [token.label for token in spec.tokens if not getattr(settings, token.key)]
        if empty:
            say(f"✗ No {' and no '.join(empty)} typed")
            if attempt == TRIES - 1:
                say("Nothing written.")
                return 1
            continue
        findings = await probe(name, settings)
        token_refused = findings[0].failed
        for finding in findings:
            if finding.status != "note":
                say(f"{'✗' if finding.failed else '✓'} {finding.text}" + (f"\n    fix: {finding.fix}" if finding.failed else ""))
        if not token_refused:
            break
        if attempt == TRIES - 1:
            say("Nothing written.")
            return 1
    store = SessionStore(config=config)
    bound: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    async def on_bound(chat: str) -> None:
        if not bound.done():
            bound.set_result(chat)

    bridge = spec.build(settings, store=store, require_pairing=True, on_bound=on_bound, allowed_user_ids=settings.allowed_user_ids)
    await bridge.start()
    try:
        say(f"\nNow {pairing_instruction(name, bridge.pairing_code or '')}. Waiting… (Ctrl-C stops)")
        chat = await _wait_for_binding(bridge, store, bound, say, wait)
    finally:
        await bridge.stop()
    if chat is None:
        say("No pairing arrived; nothing written. Run the setup again when you are ready.")
        return 1
    chat_value: int | str = int(chat) if isinstance(getattr(settings, spec.chat_key), int) else chat
    save_tokens(config_path, name, settings, chat=chat_value)
    who = ", ".join(user.name for user in bridge.paired_users()) or "you"
    say(f"✓ Paired {who}; {spec.label} chat {chat} is tether-tui's. Written to {config_path} (mode 600).")
    say("Start the dashboard with: tether-tui   (one already running picks this up by itself)")
    return 0


async def _wait_for_binding(bridge: Any, store: SessionStore, bound: asyncio.Future[str], say: Say, wait: float) -> str | None:
    """The bound chat, saying each problem the bridge meets on the way (a group without topics…)."""
    last: Any = None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    with contextlib.suppress(KeyboardInterrupt, asyncio.CancelledError):
        while not bound.done() and loop.time() < deadline:
            health = store.bridge_health.get(bridge.platform_name)
            if health != last and health is not None and health[0] == "failing":
                say(f"✗ {health[1]}")
            last = health
            await asyncio.wait({bound}, timeout=0.2)
    return bound.result() if bound.done() else None
