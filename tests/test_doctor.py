"""``tether-tui doctor`` and ``tether-tui setup`` against the fake platform servers with the real
client libraries: a healthy setup, each broken one with its fix, and a guided setup that ends
with a pairing in the group."""

from __future__ import annotations

import asyncio
import io
import json

import pytest

from tests.fakes import discord_api, slack_api
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import FakeTelegram, Group
from tether_tui import doctor
from tether_tui.chat_setup import setup
from tether_tui.gateway import Gateway
from tether_tui.install_hooks import install, settings_path
from tether_tui.store import SessionStore

GROUP = -1001234567890
NOT_FORUM = -1005550000001
ALICE = {"id": 1001, "is_bot": False, "first_name": "Alice", "username": "alice"}


@pytest.fixture
async def fakes(monkeypatch, tmp_path):
    telegram, slack, discord = FakeTelegram(group_id=GROUP), FakeSlack(channel="C0AGENTS"), FakeDiscord()
    telegram.groups[NOT_FORUM] = Group(title="family", forum=False)
    for server in (telegram, slack, discord):
        await server.start()
    monkeypatch.setenv("TETHER_TUI_TELEGRAM_API_URL", telegram.base_url)
    monkeypatch.setenv("TETHER_TUI_SLACK_API_URL", slack.api_url)
    monkeypatch.setenv("TETHER_TUI_DISCORD_API_URL", discord.api_url)
    monkeypatch.setenv("TETHER_TUI_DISCORD_GATEWAY_URL", discord.gateway_url)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CODEX_HOME", raising=False)
    yield telegram, slack, discord
    for server in (telegram, slack, discord):
        await server.stop()


def write_config(path, telegram, slack, discord, *, group=GROUP, telegram_token=None):
    path.write_text(
        f'[telegram]\ntoken = "{telegram_token or telegram.token}"\nforum_group_id = {group}\n\n'
        f'[slack]\nbot_token = "{slack.bot_token}"\napp_token = "{slack.app_token}"\nchannel_id = "C0AGENTS"\n\n'
        f'[discord]\nbot_token = "{discord.token}"\nchannel_id = {discord_api.CHANNEL}\n'
    )
    path.chmod(0o600)


async def run_doctor(config_path) -> tuple[int, str]:
    out = io.StringIO()
    code = await asyncio.to_thread(doctor.run, config_path, out)
    return code, out.getvalue()


async def test_doctor_on_a_healthy_setup_says_all_good(fakes, tmp_path):
    telegram, slack, discord = fakes
    config_path = tmp_path / "config.toml"
    write_config(config_path, telegram, slack, discord)
    for agent in ("claude", "codex", "gemini"):
        install(agent, settings_path(agent, None))
    gateway = Gateway(SessionStore())
    await gateway.start()
    try:
        code, output = await run_doctor(config_path)
    finally:
        await gateway.stop()
    assert code == 0, output
    for line in (
        "✓ Config: ",
        "mode 600, readable by you only",
        "✓ Telegram token: the bot @tether_bot",
        f"✓ Telegram group {GROUP}: a forum, the bot an admin that manages topics",
        "✓ Slack bot token: @tether in Agents",
        "✓ Slack scopes",
        "✓ Slack app token: Socket Mode answers",
        "✓ Slack channel C0AGENTS: the app is in it",
        "✓ Discord token",
        "✓ Discord intents: Message Content on",
        f"✓ Discord channel {discord_api.CHANNEL}: the bot may post",
        "✓ Claude Code hooks in",
        "✓ Codex hooks in",
        "✓ Gemini CLI hooks in",
        "✓ Dashboard: answering on",
    ):
        assert line in output, f"{line!r} not in\n{output}"
    assert output.rstrip().endswith("All good.")
    for secret in (telegram.token, slack.bot_token, slack.app_token, discord.token):
        assert secret not in output


async def test_doctor_names_each_broken_thing_with_its_fix(fakes, tmp_path):
    telegram, slack, discord = fakes
    config_path = tmp_path / "config.toml"
    write_config(config_path, telegram, slack, discord, telegram_token="123456789:refused-token")
    config_path.chmod(0o644)
    slack.scopes = [scope for scope in slack.scopes if scope != "files:write"]
    discord.app_flags = 0
    # hooks left behind by an installation that was removed since
    claude_settings = settings_path("claude", None)
    claude_settings.parent.mkdir(parents=True)
    gone = tmp_path / "old-venv" / "bin" / "tether-tui"
    claude_settings.write_text(
        json.dumps(
            {
                "hooks": {
                    "PreToolUse": [
                        {
                            "matcher": "*",
                            "hooks": [{"type": "command", "command": f"{gone} hook claude --wait 3540 --fallback defer", "timeout": 3600}],
                        }
                    ]
                }
            }
        )
    )

    code, output = await run_doctor(config_path)
    assert code == 1
    expected = {
        "✗ Config: holds tokens and is readable by others (mode 644)": "fix: chmod 600",
        "✗ Telegram token: refused": "fix: copy the token again from @BotFather",
        "✗ Slack scopes: missing files:write": "fix: add them under OAuth & Permissions, Bot Token Scopes, then reinstall the app",
        "✗ Discord intents: Message Content is off": "fix: Developer Portal, your application, Bot: switch Message Content Intent on",
        f"✗ Claude Code hooks in {claude_settings}: point at a removed installation ({gone})": "fix: tether-tui install-hooks claude",
    }
    lines = output.splitlines()
    for failure, fix in expected.items():
        index = next((i for i, line in enumerate(lines) if line.startswith(failure)), None)
        assert index is not None, f"{failure!r} not in\n{output}"
        assert fix in lines[index + 1], (failure, lines[index + 1])
    assert "✓ Slack app token" in output and "✓ Discord token" in output  # what works is said too
    assert output.rstrip().endswith("5 problems found")
    assert "refused-token" not in output and slack.bot_token not in output


async def test_doctor_explains_a_group_without_topics(fakes, tmp_path):
    telegram, _slack, _discord = fakes
    config_path = tmp_path / "config.toml"
    config_path.write_text(f'[telegram]\ntoken = "{telegram.token}"\nforum_group_id = {NOT_FORUM}\n')
    config_path.chmod(0o600)
    code, output = await run_doctor(config_path)
    assert code == 1
    assert f"✗ Telegram group {NOT_FORUM}: This group has no topics" in output
    assert "fix: This group has no topics: in the group's settings (Edit), switch Topics on." in output


async def test_setup_telegram_checks_the_token_and_binds_the_group_where_pair_is_written(fakes, tmp_path):
    telegram, _slack, _discord = fakes
    config_path = tmp_path / "config" / "config.toml"
    config_path.parent.mkdir()
    config_path.write_text("# tether-tui settings\n[dashboard]\nbell = false\n")
    answers = iter(["not-a-token", telegram.token])
    prompts: list[tuple[str, bool]] = []
    said: list[str] = []

    def ask(prompt: str, hidden: bool) -> str:
        prompts.append((prompt, hidden))
        return next(answers)

    task = asyncio.create_task(setup("telegram", config_path, ask=ask, say=said.append, wait=30))
    said_code = await telegram.wait_for(lambda: next((line for line in said if "pair " in line and "Now write" in line), None), 20)
    code = said_code.split("pair ")[1].split()[0]
    assert all(hidden for _prompt, hidden in prompts) and len(prompts) == 2
    assert any("✗ Telegram token: refused" in line for line in said)
    assert "token" not in config_path.read_text()  # nothing is written before the pairing

    telegram.push_text(f"/pair {code}", thread_id=None, user=ALICE, chat_id=NOT_FORUM)
    await telegram.wait_for(lambda: any("switch Topics on" in line for line in said))
    telegram.push_text("/pair", thread_id=None, user=ALICE, chat_id=GROUP)
    assert await asyncio.wait_for(task, 20) == 0
    text = config_path.read_text()
    assert text.startswith("# tether-tui settings") and "bell = false" in text
    assert f'token = "{telegram.token}"' in text and f"forum_group_id = {GROUP}" in text
    assert oct(config_path.stat().st_mode & 0o777) == "0o600"
    assert any("✓ Paired alice" in line for line in said)
    assert not any(telegram.token in line for line in said)


async def test_setup_slack_checks_both_tokens_and_binds_the_channel(fakes, tmp_path):
    _telegram, slack, _discord = fakes
    config_path = tmp_path / "config.toml"
    answers = iter([slack.bot_token, slack.app_token])
    said: list[str] = []
    task = asyncio.create_task(setup("slack", config_path, ask=lambda _p, _h: next(answers), say=said.append, wait=30))
    line = await slack.wait_for(lambda: next((line for line in said if "Now write" in line), None), 20)
    assert "✓ Slack app token: Socket Mode answers" in said and "✓ Slack scopes: chat:write, history, users:read, files:write" in said
    await slack.push_message(f"!pair {line.split('pair ')[1].split()[0]}", user=slack_api.ALICE)
    assert await asyncio.wait_for(task, 20) == 0
    text = config_path.read_text()
    assert 'channel_id = "C0AGENTS"' in text and f'app_token = "{slack.app_token}"' in text
