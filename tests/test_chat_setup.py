"""A chat bridge set up with only its token: the first pairing binds the group or channel where
it is written (after the platform's checks), the config keeps it, and the person who paired
decides from there. The real client libraries against the fake platform servers."""

from __future__ import annotations

import stat

import pytest

from bridges.supervisor import BridgeSupervisor
from tests.fakes import slack_api
from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import FakeTelegram, Group
from tests.waiting import until
from tether_tui.audit import AuditLog
from tether_tui.commands import CommandRegistry
from tether_tui.config import load_config
from tether_tui.models import Via
from tether_tui.store import SessionStore

GROUP = -1001234567890
NOT_FORUM = -1005550000001
NO_TOPICS_RIGHT = -1005550000002
NOT_ADMIN = -1005550000003
ALICE = {"id": 1001, "is_bot": False, "first_name": "Alice", "username": "alice"}
MALLORY = {"id": 666, "is_bot": False, "first_name": "Mallory", "username": "mallory"}


async def connected(store: SessionStore, name: str, server) -> None:
    await server.wait_for(lambda: store.bridge_health.get(name, ("",))[0] == "connected", 20)


def said_in(fake: FakeTelegram, chat: int, words: str) -> bool:
    return any(words in m.text for m in fake.bot_messages() if m.chat_id == chat)


@pytest.fixture
async def telegram():
    server = FakeTelegram(group_id=GROUP)
    server.groups[NOT_FORUM] = Group(title="family", forum=False)
    server.groups[NO_TOPICS_RIGHT] = Group(title="team", manage_topics=False)
    server.groups[NOT_ADMIN] = Group(title="friends", bot_admin=False)
    await server.start()
    yield server
    await server.stop()


async def test_first_run_telegram_with_only_a_token_pairs_in_a_forum_group(telegram, tmp_path):
    config_path = tmp_path / "config.toml"
    config_path.write_text(f'# my settings\n\n[telegram]\ntoken = "{telegram.token}"  # from BotFather\n')
    config_path.chmod(0o600)
    config = load_config(config_path, env={})
    store = SessionStore(config=config, audit=AuditLog(tmp_path / "audit.jsonl"))
    supervisor = BridgeSupervisor(store, CommandRegistry(store), telegram_api_url=telegram.base_url, config_path=config_path)
    await supervisor.apply(config)
    try:
        await connected(store, "telegram", telegram)
        code = store.pairing_codes["telegram"]
        assert f"write /pair {code}" in store.bridge_health["telegram"][1]
        store.add_session("s1", "claude · api", directory="/work/api")

        # a stranger's wrong code changes nothing: no chat bound, the same code, the config untouched
        telegram.push_text("/pair 0000-0000" if code != "0000-0000" else "/pair 1111-1111", thread_id=None, user=MALLORY, chat_id=GROUP)
        await telegram.wait_for(lambda: said_in(telegram, GROUP, "not the code shown in the dashboard"))
        assert store.pairing_codes["telegram"] == code and "forum_group_id" not in config_path.read_text()
        assert not telegram.topics

        # the right code in groups that cannot hold topics: each answer names the switch to flip
        telegram.push_text(f"/pair {code}", thread_id=None, user=ALICE, chat_id=NOT_FORUM)
        await telegram.wait_for(lambda: said_in(telegram, NOT_FORUM, "switch Topics on"))
        assert said_in(telegram, NOT_FORUM, "Paired, but this chat cannot hold the sessions yet")
        health, detail = store.bridge_health["telegram"]
        assert health == "failing" and "switch Topics on" in detail
        telegram.push_text("/pair", thread_id=None, user=ALICE, chat_id=NO_TOPICS_RIGHT)
        await telegram.wait_for(lambda: said_in(telegram, NO_TOPICS_RIGHT, "switch Manage Topics on"))
        telegram.push_text("/pair", thread_id=None, user=ALICE, chat_id=NOT_ADMIN)
        await telegram.wait_for(lambda: said_in(telegram, NOT_ADMIN, "Add Admin, choose the bot"))
        assert "forum_group_id" not in config_path.read_text() and not telegram.topics

        # the forum group with the bot as a topic-managing admin: bound, kept, mirrored into
        telegram.push_text("/pair@tether_bot", thread_id=None, user=ALICE, chat_id=GROUP)
        await telegram.wait_for(lambda: said_in(telegram, GROUP, "this chat is tether-tui's now"))
        await telegram.wait_for(lambda: list(telegram.topics.values()) == ["claude · api"])
        text = config_path.read_text()
        assert f"forum_group_id = {GROUP}" in text and "# my settings" in text and "# from BotFather" in text
        assert stat.S_IMODE(config_path.stat().st_mode) == 0o600
        assert store.bridge_health["telegram"] == ("connected", None) and "telegram" not in store.pairing_codes
        bridge = supervisor.bridges["telegram"]
        assert bridge.forum_group_id == GROUP and [user.name for user in bridge.paired_users()] == ["alice"]

        # the person who paired decides with a button; a stranger's press does nothing
        request = store.approvals.submit("s1", "Bash", {"command": "make deploy"})
        message = await telegram.wait_for(
            lambda: next((m for m in telegram.bot_messages() if m.reply_markup and "make deploy" in m.text), None)
        )
        assert message.chat_id == GROUP and message.thread_id in telegram.topics
        allow = message.reply_markup["inline_keyboard"][0][0]["callback_data"]
        telegram.push_callback(message.message_id, allow, user=MALLORY)
        telegram.push_callback(message.message_id, allow, user=ALICE)
        await telegram.wait_for(lambda: not request.pending)
        assert request.decision.allowed and request.decision.by == "alice" and request.decision.via is Via.TELEGRAM

        # the reload that follows the config write finds the bridge as configured: no restart
        reloaded = load_config(config_path, env={})
        assert reloaded.telegram.forum_group_id == GROUP
        await supervisor.apply(reloaded)
        assert supervisor.bridges["telegram"] is bridge
    finally:
        await supervisor.stop_all()


@pytest.fixture
async def slack(monkeypatch):
    server = FakeSlack(channel="C0AGENTS")
    await server.start()
    monkeypatch.setenv("TETHER_TUI_SLACK_API_URL", server.api_url)
    yield server
    await server.stop()


async def test_first_run_slack_with_only_tokens_pairs_in_a_channel(slack, tmp_path):
    config_path = tmp_path / "config.toml"
    config_path.write_text(f'[slack]\nbot_token = "{slack.bot_token}"\napp_token = "{slack.app_token}"\n')
    config = load_config(config_path, env={})
    store = SessionStore(config=config, audit=AuditLog(tmp_path / "audit.jsonl"))
    supervisor = BridgeSupervisor(store, CommandRegistry(store), config_path=config_path)
    await supervisor.apply(config)
    try:
        await connected(store, "slack", slack)
        code = store.pairing_codes["slack"]
        assert f"write !pair {code}" in store.bridge_health["slack"][1]

        await slack.push_message("!pair 1234-0000" if code != "1234-0000" else "!pair 0000-1234", user=slack_api.MALLORY)
        await slack.wait_for(lambda: any("not the code shown" in m.text for m in slack.bot_messages()))
        assert store.pairing_codes["slack"] == code and "channel_id" not in config_path.read_text()

        # /tether pair in a channel the app was not invited to: paired, but that channel is not used
        await slack.slash(f"pair {code}", channel="C0OTHER")
        await slack.wait_for(lambda: any("/invite @tether" in r.get("text", "") for r in slack.responses))
        assert "channel_id" not in config_path.read_text()

        # in the app's channel, the paired user binds it (any code: they are paired already)
        store.add_session("s1", "codex · web", directory="/work/web")
        await slack.push_message("!pair again", user=slack_api.ALICE)
        await slack.wait_for(lambda: any("tether-tui's now" in m.text for m in slack.bot_messages()))
        assert 'channel_id = "C0AGENTS"' in config_path.read_text()
        await slack.wait_for(lambda: slack.thread_named("codex · web"))

        request = store.approvals.submit("s1", "Bash", {"command": "npm publish"})
        message = await slack.wait_for(lambda: next((m for m in slack.bot_messages() if m.blocks and "npm publish" in m.shown), None))
        await slack.click(message, message.button("✅ Allow"), user=slack_api.MALLORY)
        await slack.click(message, message.button("✅ Allow"), user=slack_api.ALICE)
        await slack.wait_for(lambda: not request.pending)
        assert request.decision.by == "alice" and request.decision.via is Via.SLACK
    finally:
        await supervisor.stop_all()


async def test_slash_pair_on_a_bound_slack_channel(slack, tmp_path):
    """``/tether pair <code>`` pairs like ``!pair``; once somebody may act, no code is taken."""
    from bridges import SlackBridge

    store = SessionStore()
    bridge = SlackBridge(slack.bot_token, slack.channel, app_token=slack.app_token, store=store, data_dir=tmp_path, require_pairing=True)
    await bridge.start()
    try:
        code = store.pairing_codes["slack"]
        await slack.slash(f"pair {code}", user=slack_api.ALICE)
        await slack.wait_for(lambda: any("Paired: you may act here now." in r.get("text", "") for r in slack.responses))
        assert "slack" not in store.pairing_codes
        await slack.slash(f"pair {bridge.pairing_code}", user=slack_api.MALLORY)
        await slack.wait_for(lambda: any("No pairing code is offered now" in r.get("text", "") for r in slack.responses))
        assert [user.id for user in bridge.paired_users()] == [slack_api.ALICE["id"]]
        # the owner asks for a code again (the dashboard's "Pair a chat user"), and may revoke
        again = bridge.offer_pairing()
        assert store.pairing_codes["slack"] == again
        assert bridge.unpair(slack_api.ALICE["id"]) and bridge.paired_users() == []
    finally:
        await bridge.stop()


async def test_dashboard_lists_chat_users_pairs_on_demand_and_revokes(telegram, tmp_path):
    from textual.widgets import DataTable

    from tether_tui.app.app import TetherApp
    from tether_tui.app.screens.chat_users import ChatUsersScreen
    from tether_tui.app.screens.dialogs import MessageDialog
    from tether_tui.app.widgets.status_bar import StatusBar
    from tether_tui.config import Config, TelegramSettings
    from tether_tui.runtime import Runtime

    config = Config(telegram=TelegramSettings(token=telegram.token, forum_group_id=GROUP, allowed_user_ids=(4242_0,)))
    store = SessionStore(config=config, audit=AuditLog(tmp_path / "audit.jsonl"))
    commands = CommandRegistry(store)
    supervisor = BridgeSupervisor(store, commands, telegram_api_url=telegram.base_url)
    app = TetherApp(Runtime(store, commands=commands, bridges=supervisor), user="dev")
    async with app.run_test(size=(140, 40)) as pilot:
        await connected(store, "telegram", telegram)
        assert "telegram" not in store.pairing_codes  # somebody is allowed: no code offered
        app.action_pair_chat_user()
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, MessageDialog)
        code = store.pairing_codes["telegram"]
        assert f"/pair {code}" in dialog.text and code in str(app.screen_stack[-2].query_one(StatusBar).render())
        await pilot.press("escape")

        telegram.push_text(f"/pair {code}", thread_id=None, user=ALICE)
        await telegram.wait_for(lambda: said_in(telegram, GROUP, "Paired: you may act here now."))
        await pilot.pause()
        assert "telegram" not in store.pairing_codes  # the offer ended with the pairing

        app.action_chat_users()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ChatUsersScreen)
        assert [(row.name, row.source) for row in screen.shown] == [("42420", "config"), ("alice", "paired")]
        await pilot.press("r")  # the cursor is on the allowlisted user: the config decides there
        await pilot.pause()
        assert len(screen.shown) == 2
        assert "42420 is in allowed_user_ids: remove them from the config file" in str(screen.query_one("#said").render())
        await pilot.press("down", "r")
        await pilot.pause()
        assert [row.source for row in screen.shown] == ["config"]
        assert "alice may no longer act from Telegram" in str(screen.query_one("#said").render())
        assert screen.query_one(DataTable).row_count == 1
        assert supervisor.bridges["telegram"].paired_users() == []

        # alice's press is ignored now
        store.add_session("s1", "agent")
        request = store.approvals.submit("s1", "Bash", {"command": "make"})
        message = await telegram.wait_for(lambda: next((m for m in telegram.bot_messages() if m.reply_markup and "make" in m.text), None))
        query = telegram.push_callback(message.message_id, message.reply_markup["inline_keyboard"][0][0]["callback_data"], user=ALICE)
        await telegram.wait_for(lambda: telegram.answers(query))
        assert request.pending and "not allowed" in telegram.answers(query)[0]["text"]
        await supervisor.stop_all()


async def test_first_run_discord_with_only_a_token_checks_permissions_and_binds_the_channel(tmp_path, monkeypatch):
    from tests.fakes import discord_api
    from tests.fakes.discord_api import FakeDiscord

    discord = FakeDiscord()
    await discord.start()
    monkeypatch.setenv("TETHER_TUI_DISCORD_API_URL", discord.api_url)
    monkeypatch.setenv("TETHER_TUI_DISCORD_GATEWAY_URL", discord.gateway_url)
    discord.denied_in_channel = 1 << 35  # Create Public Threads taken away in the channel
    config_path = tmp_path / "config.toml"
    config_path.write_text(f'[discord]\nbot_token = "{discord.token}"\n')
    config = load_config(config_path, env={})
    store = SessionStore(config=config, audit=AuditLog(tmp_path / "audit.jsonl"))
    supervisor = BridgeSupervisor(store, CommandRegistry(store), config_path=config_path)
    await supervisor.apply(config)
    channel = str(discord_api.CHANNEL)
    try:
        await connected(store, "discord", discord)
        code = store.pairing_codes["discord"]
        await discord.push_message(f"!pair {code}", user=discord_api.ALICE)
        await discord.wait_for(lambda: any("Create Public Threads" in m.content for m in discord.bot_messages(channel)))
        assert "channel_id" not in config_path.read_text() and store.bridge_health["discord"][0] == "failing"
        discord.denied_in_channel = 0  # fixed in the channel's settings; the gateway tells the bot
        await discord.dispatch("CHANNEL_UPDATE", discord._channel())
        store.add_session("s1", "gemini · docs")
        await discord.push_message("!pair", user=discord_api.ALICE)
        await discord.wait_for(lambda: any("tether-tui's now" in m.content for m in discord.bot_messages(channel)))
        assert f"channel_id = {channel}" in config_path.read_text()
        await discord.wait_for(lambda: discord.thread_named("gemini · docs"))
    finally:
        await supervisor.stop_all()
        await discord.stop()


async def test_setup_dialog_checks_the_token_saves_it_and_the_bridge_then_pairs(telegram, tmp_path, monkeypatch):
    from textual.widgets import Button

    from tether_tui.app.app import TetherApp
    from tether_tui.app.screens.chat_setup import ChatSetupDialog
    from tether_tui.runtime import Runtime

    config_path = tmp_path / "config.toml"
    config_path.write_text("# my settings\n[dashboard]\nbell = false\n")
    monkeypatch.setenv("TETHER_TUI_TELEGRAM_API_URL", telegram.base_url)  # the checks and the bridge
    store = SessionStore(config=load_config(config_path, env={}), audit=AuditLog(tmp_path / "audit.jsonl"))
    commands = CommandRegistry(store)
    supervisor = BridgeSupervisor(store, commands, config_path=config_path)
    app = TetherApp(Runtime(store, commands=commands, bridges=supervisor, config_path=config_path), user="dev")
    async with app.run_test(size=(120, 40)) as pilot:
        app.action_chat_setup()
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ChatSetupDialog) and dialog.query_one("#token").password

        def results() -> str:
            return str(dialog.query_one("#results").render())

        dialog.query_one("#token").value = "123456789:not-the-token"
        dialog.query_one("#check", Button).press()
        await until(lambda: "✗ Telegram token: refused by Telegram" in results(), 20)
        assert dialog.query_one("#save", Button).disabled and "not-the-token" not in results()
        dialog.query_one("#token").value = telegram.token
        await pilot.pause()
        dialog.query_one("#check", Button).press()
        await until(lambda: "✓ Telegram token: the bot @tether_bot" in results(), 20)
        assert not dialog.query_one("#save", Button).disabled
        dialog.query_one("#save", Button).press()
        await pilot.pause()
        assert "Saved in" in results() and "/pair <the code in the top bar>" in results()
        text = config_path.read_text()
        assert text.startswith("# my settings") and f'token = "{telegram.token}"' in text
        assert stat.S_IMODE(config_path.stat().st_mode) == 0o600

        # the reload starts the bridge with no group yet; the code in the top bar pairs and binds
        await until(lambda: "telegram" in store.pairing_codes, 30)
        telegram.push_text(f"/pair {store.pairing_codes['telegram']}", thread_id=None, user=ALICE, chat_id=GROUP)
        await telegram.wait_for(lambda: said_in(telegram, GROUP, "this chat is tether-tui's now"))
        await until(lambda: f"forum_group_id = {GROUP}" in config_path.read_text(), 10)
        await supervisor.stop_all()
