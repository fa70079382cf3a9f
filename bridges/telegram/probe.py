"""``tether-tui doctor`` for Telegram: the token (getMe), and the group (a forum, the bot an
admin that may manage topics) with the same check a pairing makes."""

from __future__ import annotations

from telegram import Bot
from telegram.error import Forbidden, InvalidToken, NetworkError
from telegram.request import HTTPXRequest

from bridges.base import from_env
from bridges.probe import Finding, fail, note, ok
from bridges.telegram.platform import group_problems
from tether_tui.config import TelegramSettings


async def probe(settings: TelegramSettings) -> list[Finding]:
    base_url = from_env(None, "TETHER_TUI_TELEGRAM_API_URL") or "https://api.telegram.org/bot"
    bot = Bot(settings.token, base_url=base_url, request=HTTPXRequest(connect_timeout=10, read_timeout=15))
    try:
        await bot.initialize()  # getMe
    except (InvalidToken, Forbidden):  # the library's message quotes the token: not shown
        return [fail("Telegram token: refused by Telegram", "copy the token again from @BotFather (/mybots, API Token)")]
    except NetworkError as exc:
        return [fail(f"Telegram: unreachable ({exc.message})", "check the network, or a proxy (HTTPS_PROXY)")]
    try:
        findings = [ok(f"Telegram token: the bot @{bot.username}")]
        if not settings.forum_group_id:
            findings.append(note("Telegram group: none yet", "write /pair <the code the dashboard shows> in the forum group"))
            return findings
        problems = await group_problems(bot, settings.forum_group_id)
        if problems:
            findings.extend(fail(f"Telegram group {settings.forum_group_id}: {problem.split(':')[0]}", problem) for problem in problems)
        else:
            findings.append(ok(f"Telegram group {settings.forum_group_id}: a forum, the bot an admin that manages topics"))
        return findings
    finally:
        await bot.shutdown()
