"""Telegram, Slack and Discord attached to the dashboard's one store: a decision taken anywhere
resolves the request once and every other surface shows who decided."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from bridges.supervisor import BridgeSupervisor
from tests.fakes import discord_api, slack_api
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import FakeTelegram
from tether_tui.app import TetherApp
from tether_tui.app.widgets.status_bar import StatusBar
from tether_tui.audit import AuditLog
from tether_tui.commands import CommandRegistry
from tether_tui.config import Config, DiscordSettings, SlackSettings, TelegramSettings
from tether_tui.models import Outcome, Via
from tether_tui.runtime import Runtime
from tether_tui.store import SessionStore

TG_ALICE = {"id": 1001, "is_bot": False, "first_name": "Alice", "username": "alice"}


@pytest.fixture
async def fakes(monkeypatch):
    telegram, slack, discord = FakeTelegram(), FakeSlack(), FakeDiscord()
    for server in (telegram, slack, discord):
        await server.start()
    monkeypatch.setenv("TETHER_TUI_SLACK_API_URL", slack.api_url)
    monkeypatch.setenv("TETHER_TUI_DISCORD_API_URL", discord.api_url)
    monkeypatch.setenv("TETHER_TUI_DISCORD_GATEWAY_URL", discord.gateway_url)
    yield telegram, slack, discord
    for server in (telegram, slack, discord):
        await server.stop()


def config_for(telegram: FakeTelegram, slack: FakeSlack, discord: FakeDiscord) -> Config:
    return Config(
        telegram=TelegramSettings(token=telegram.token, forum_group_id=telegram.group_id, allowed_user_ids=(TG_ALICE["id"],)),
        slack=SlackSettings(
            bot_token=slack.bot_token, app_token=slack.app_token, channel_id=slack.channel, allowed_user_ids=(slack_api.ALICE["id"],)
        ),
        discord=DiscordSettings(bot_token=discord.token, channel_id=discord_api.CHANNEL, allowed_user_ids=(int(discord_api.ALICE["id"]),)),
    )


class Surfaces:
    """The approval message for one request on each platform."""

    def __init__(self, telegram: FakeTelegram, slack: FakeSlack, discord: FakeDiscord) -> None:
        self.telegram, self.slack, self.discord = telegram, slack, discord

    async def shown(self, command: str):
        tg = await self.telegram.wait_for(
            lambda: next((m for m in self.telegram.bot_messages() if m.reply_markup and command in m.text), None), 15
        )
        sl = await self.slack.wait_for(lambda: next((m for m in self.slack.bot_messages() if m.buttons and command in m.shown), None), 15)
        dc = await self.discord.wait_for(
            lambda: next((m for m in self.discord.bot_messages() if m.buttons and command in m.content), None), 15
        )
        return tg, sl, dc

    async def all_say(self, messages, text: str) -> None:
        tg, sl, dc = messages
        await self.telegram.wait_for(lambda: text in tg.text and tg.reply_markup is None, 15)
        await self.slack.wait_for(lambda: text in sl.shown and not sl.buttons, 15)
        await self.discord.wait_for(lambda: text in dc.content and not dc.buttons, 15)


def tg_button(message, label_start: str) -> str:
    return next(b["callback_data"] for row in message.reply_markup["inline_keyboard"] for b in row if b["text"].startswith(label_start))


async def test_a_decision_anywhere_updates_every_other_surface(fakes, tmp_path):
    telegram, slack, discord = fakes
    config = config_for(*fakes)
    store = SessionStore(config=config, audit=AuditLog(tmp_path / "audit.jsonl"))
    commands = CommandRegistry(store)
    supervisor = BridgeSupervisor(store, commands, telegram_api_url=telegram.base_url)
    app = TetherApp(Runtime(store, commands=commands, bridges=supervisor), user="dev")
    surfaces = Surfaces(*fakes)
    async with app.run_test(size=(140, 40)) as pilot:
        for name in ("telegram", "slack", "discord"):
            await telegram.wait_for(lambda name=name: store.bridge_health.get(name, ("",))[0] == "connected", 20)
        store.add_session("s1", "claude · shop", directory="/work/shop")
        await pilot.pause()
        # everybody has an allowlist: no code is offered until the owner asks for one; then it
        # is shown in the dashboard's top bar, and only there
        assert not store.pairing_codes
        code = supervisor.bridges["discord"].offer_pairing()
        await pilot.pause()
        assert code and code in str(app.screen.query_one(StatusBar).render())

        async def ask(command: str):
            request = store.approvals.submit("s1", "Bash", {"command": command})
            return request, await surfaces.shown(command)

        # decided on Slack
        request, messages = await ask("make slack")
        await slack.click(messages[1], messages[1].button("✅ Allow"))
        await surfaces.all_say(messages, "approved by alice via Slack")
        await pilot.pause()
        assert app.screen.query_one(StatusBar).pending == 0 and request.decision.via is Via.SLACK

        # decided on Discord (with a reason, in words)
        request, messages = await ask("make discord")
        await discord.push_message("deny: wrong branch", channel_id=messages[2].channel_id)
        await surfaces.all_say(messages, "denied by alice via Discord")
        assert "wrong branch" in messages[0].text and "wrong branch" in messages[1].shown
        assert request.decision.outcome is Outcome.DENY

        # decided on Telegram
        request, messages = await ask("make telegram")
        telegram.push_callback(messages[0].message_id, tg_button(messages[0], "✅"), user=TG_ALICE)
        await surfaces.all_say(messages, "approved by alice via Telegram")

        # decided at the keyboard
        request, messages = await ask("make keyboard")
        await pilot.pause()
        await pilot.press("a")
        await surfaces.all_say(messages, "approved by dev via keyboard")

        # two surfaces at once: exactly one decision, the other is told
        request, messages = await ask("make race")
        await asyncio.gather(
            slack.click(messages[1], messages[1].button("❌ Deny")),
            discord.click(messages[2], messages[2].button("✅ Allow")),
        )
        await telegram.wait_for(lambda: request.decision is not None)
        first = request.decision.describe()
        await surfaces.all_say(messages, first)
        late = (
            slack.ephemerals_for(slack_api.ALICE)[-1:]
            + [a.get("data", {}).get("content", "") for a in discord.interaction_answers.values()][-1:]
        )
        assert any(text.startswith("Already") for text in late)
        assert len([line for line in store.audit.path.read_text().splitlines() if request.id in line]) == 1

        assert telegram.rejected == [] and slack.rejected == [] and discord.rejected == []
        # config edits reach every bridge: Slack switched off stops only Slack
        store.apply_config(replace(config, slack=replace(config.slack, enabled=False)))
        await telegram.wait_for(lambda: "slack" not in supervisor.bridges, 10)
        assert set(supervisor.bridges) == {"telegram", "discord"}
        await supervisor.stop_all()
