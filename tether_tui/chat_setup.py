"""``tether-tui setup telegram|slack|discord``: a chat bridge set up in a minute. The token is
typed hidden and checked at once; the bridge then starts with no chat and waits for
``/pair <code>`` (``!pair`` on Slack and Discord) in the group or channel where the sessions
should go; that chat is checked, bound and written into the config with the token (tomlkit,
0600). A dashboard already running picks the new config up by itself."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bridges.probe import probe
from tether_tui.config import Config, ConfigError, DiscordSettings, SlackSettings, TelegramSettings, load_config
from tether_tui.configfile import set_values
from tether_tui.store import SessionStore

Ask = Callable[[str, bool], str]
"""(prompt, hidden) -> the line typed."""
Say = Callable[[str], None]

STEPS = {
    "telegram": [
        "In Telegram, ask @BotFather for a bot: /newbot, then copy the token it gives.",
        "Make a group, switch Topics on in its settings, add the bot and make it an admin with Manage Topics.",
    ],
    "slack": [
        "At api.slack.com/apps create an app; under Socket Mode switch it on and make an app-level token",
        "(connections:write, xapp-…). Under OAuth & Permissions add the bot scopes chat:write, channels:history,",
        "groups:history, users:read, files:write, install the app, and copy the Bot User OAuth Token (xoxb-…).",
        "Under Slash Commands you may add /tether. Then invite the app to the channel: /invite @your-app.",
    ],
    "discord": [
        "At discord.com/developers/applications create an application; under Bot reset and copy the token,",
        "and switch Message Content Intent on. Invite the bot to your server (OAuth2, URL Generator: bot, with",
        "Send Messages, Create Public Threads, Send Messages in Threads, Read Message History, Attach Files).",
    ],
}
PREFIX = {"telegram": "/", "slack": "!", "discord": "!"}
WHERE = {"telegram": "your forum group", "slack": "the channel (or /tether pair …)", "discord": "the channel"}
TRIES = 3


def terminal_ask(prompt: str, hidden: bool) -> str:
    if hidden and sys.stdin.isatty():
        return getpass.getpass(prompt)
    print(prompt, end="", flush=True)
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line.strip()


def _with_tokens(name: str, config: Config, ask: Ask) -> TelegramSettings | SlackSettings | DiscordSettings:
    if name == "telegram":
        return replace(config.telegram, token=ask("Bot token (typed hidden): ", True).strip(), forum_group_id=0, enabled=True)
    if name == "slack":
        bot = ask("Bot User OAuth Token, xoxb-… (typed hidden): ", True).strip()
        app = ask("App-level token, xapp-… (typed hidden): ", True).strip()
        return replace(config.slack, bot_token=bot, app_token=app, channel_id="", enabled=True)
    return replace(config.discord, bot_token=ask("Bot token (typed hidden): ", True).strip(), channel_id=0, enabled=True)


def _bridge(name: str, settings: Any, store: SessionStore, on_bound: Callable[[str], Any]) -> Any:
    options: dict[str, Any] = {"store": store, "require_pairing": True, "on_bound": on_bound, "allowed_user_ids": settings.allowed_user_ids}
    if name == "telegram":
        from bridges.telegram import TelegramBridge

        return TelegramBridge(settings.token, 0, **options)
    if name == "slack":
        from bridges.slack import SlackBridge

        return SlackBridge(settings.bot_token, "", app_token=settings.app_token, **options)
    from bridges.discord import DiscordBridge

    return DiscordBridge(settings.bot_token, 0, **options)


async def setup(name: str, config_path: Path, *, ask: Ask = terminal_ask, say: Say = print, wait: float = 600.0) -> int:
    try:
        config = load_config(config_path, env={})
    except ConfigError as exc:
        say(f"tether-tui: {exc}\nFix the config first (tether-tui config check).")
        return 2
    say(f"Setting up {name.capitalize()} (written to {config_path}).")
    for step in STEPS[name]:
        say(f"  {step}")
    for attempt in range(TRIES):
        try:
            settings = _with_tokens(name, config, ask)
        except (EOFError, KeyboardInterrupt):
            say("\nNothing written.")
            return 1
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

    bridge = _bridge(name, settings, store, on_bound)
    await bridge.start()
    try:
        say(f"\nNow write   {PREFIX[name]}pair {bridge.pairing_code}   in {WHERE[name]}. Waiting… (Ctrl-C stops)")
        chat = await _wait_for_binding(bridge, store, bound, say, wait)
    finally:
        await bridge.stop()
    if chat is None:
        say("No pairing arrived; nothing written. Run the setup again when you are ready.")
        return 1
    chat_value: int | str = int(chat) if isinstance(getattr(settings, settings.chat_key), int) else chat
    tokens = {key: getattr(settings, key) for key in ("token", "bot_token", "app_token") if hasattr(settings, key)}
    set_values(config_path, name, {**tokens, settings.chat_key: chat_value, "enabled": True, "require_pairing": True})
    who = ", ".join(user.name for user in bridge.paired_users()) or "you"
    say(f"✓ Paired {who}; {name.capitalize()} chat {chat} is tether-tui's. Written to {config_path} (mode 600).")
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
