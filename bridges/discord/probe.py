"""``tether-tui doctor`` for Discord: the token (login), the Message Content intent (the
application's flags), and the channel's permissions with the same check a pairing makes."""

from __future__ import annotations

import discord

from bridges.base import from_env
from bridges.discord.platform import DiscordPlatform
from bridges.pacing import Unreachable
from bridges.probe import Finding, fail, note, ok
from tether_tui.config import DiscordSettings

INTENT_FIX = "Developer Portal, your application, Bot: switch Message Content Intent on"


async def probe(settings: DiscordSettings) -> list[Finding]:
    platform = DiscordPlatform(
        settings.bot_token,
        settings.channel_id,
        api_url=from_env(None, "TETHER_TUI_DISCORD_API_URL"),
        gateway_url=from_env(None, "TETHER_TUI_DISCORD_GATEWAY_URL"),
        inbound=lambda: None,
        ready_timeout=30,
    )
    try:
        await platform.connect()
    except discord.LoginFailure:
        return [fail("Discord token: refused", "Developer Portal, your application, Bot: Reset Token, and copy it again")]
    except discord.PrivilegedIntentsRequired:
        return [fail("Discord: the Message Content intent is off", INTENT_FIX)]
    except Unreachable as exc:
        return [fail(f"Discord: unreachable ({exc})", "check the network, or a proxy (HTTPS_PROXY)")]
    try:
        client = platform.client
        findings = [ok(f"Discord token: the bot {client.user}")]
        flags = client.application_flags
        if flags.gateway_message_content or flags.gateway_message_content_limited:
            findings.append(ok("Discord intents: Message Content on"))
        else:
            findings.append(fail("Discord intents: Message Content is off (commands and replies are not seen)", INTENT_FIX))
        if not settings.channel_id:
            findings.append(note("Discord channel: none yet", "write !pair <the code the dashboard shows> in the channel"))
        else:
            problems = await platform.chat_problems(str(settings.channel_id))
            findings.extend(fail(f"Discord channel {settings.channel_id}: not usable", problem) for problem in problems)
            if not problems:
                findings.append(ok(f"Discord channel {settings.channel_id}: the bot may post, open threads and attach files"))
        return findings
    finally:
        await platform.disconnect()
