"""The real python-telegram-bot against the fake Bot API: the bridge used alone and attached to
the dashboard's store."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from pathlib import Path

import pytest

from bridges import Handlers, TelegramBridge
from runners.launcher import SessionLauncher
from tests.bridgekit import demo_with, started
from tests.fakes.telegram_api import FakeTelegram
from tests.waiting import read_first
from tether_tui.models import SessionState, Via
from tether_tui.store import SessionStore

ROOT = Path(__file__).resolve().parent.parent
GROUP = -1001234567890
ALICE = {"id": 1001, "is_bot": False, "first_name": "Alice", "username": "alice"}
MALLORY = {"id": 666, "is_bot": False, "first_name": "Mallory", "username": "mallory"}

QUICK_START = """
import asyncio
from bridges import TelegramBridge, Handlers

async def on_input(thread_id: str, text: str, username: str | None):
    print(f"[{thread_id}] {username}: {text}")

async def on_approval_response(thread_id: str, request_id: str, approved: bool, **kwargs):
    print(f"[{thread_id}] {'Approved' if approved else 'Denied'} {request_id}")

bridge = TelegramBridge(
    token="BOT_TOKEN",
    forum_group_id=123456,
    handlers=Handlers(on_input=on_input, on_approval_response=on_approval_response),
)

async def main():
    await bridge.start()
    thread_id = await bridge.create_thread("My Agent Task")
    await bridge.send_output(thread_id, "Starting work on your request...")
    await bridge.send_approval_request(
        thread_id, request_id="req_123", tool_name="Bash",
        description='{"command": "rm -rf /tmp/cache"}',
    )
    await bridge.wait_until_stopped()

asyncio.run(main())
"""


@pytest.fixture
async def fake():
    server = FakeTelegram(group_id=GROUP)
    await server.start()
    yield server
    await server.stop()


def make_bridge(fake: FakeTelegram, tmp_path: Path, store: SessionStore | None = None, **kwargs) -> TelegramBridge:
    kwargs.setdefault("allowed_user_ids", [ALICE["id"]])
    return TelegramBridge(
        fake.token,
        fake.group_id,
        store=store,
        data_dir=tmp_path / "tg",
        base_url=fake.base_url,
        base_file_url=fake.file_url,
        poll_timeout=1,
        **kwargs,
    )


def approval_message(fake: FakeTelegram):
    return next((m for m in fake.bot_messages() if m.reply_markup and "🔐" in m.text), None)


def button(message, label_start: str) -> str:
    for row in message.reply_markup["inline_keyboard"]:
        for b in row:
            if b["text"].startswith(label_start):
                return b["callback_data"]
    raise AssertionError(f"no button {label_start!r}")


async def test_quick_start_runs_as_written(fake, tmp_path):
    fake.token = "BOT_TOKEN"
    fake.group_id = 123456
    script = tmp_path / "quickstart.py"
    script.write_text(QUICK_START)
    env = {
        **os.environ,
        "TETHER_TUI_TELEGRAM_API_URL": fake.base_url,
        "TETHER_TUI_DATA_DIR": str(tmp_path / "data"),
        "PYTHONPATH": str(ROOT),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(script), env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        message = await fake.wait_for(lambda: approval_message(fake), 20)
        assert list(fake.topics.values()) == ["My Agent Task"]
        assert "rm -rf /tmp/cache" in message.text and message.thread_id == next(iter(fake.topics))
        output = await fake.wait_for(lambda: [m for m in fake.bot_messages() if "Starting work" in m.text], 20)
        assert output[0].thread_id == message.thread_id
        # nobody is allowlisted in the snippet: a press is answered and changes nothing
        query = fake.push_callback(message.message_id, button(message, "✅"), user=ALICE)
        answers = await fake.wait_for(lambda: fake.answers(query))
        assert answers[0]["text"] == "You are not allowed to act here."
        assert process.returncode is None
    finally:
        process.kill()
        _out, err = await process.communicate()
    assert b"Traceback" not in err, err.decode()[-2000:]


async def test_used_alone_the_handler_hears_the_decision_with_keywords(fake, tmp_path):
    heard = []

    async def on_approval_response(thread_id, request_id, approved, **kwargs):
        heard.append((thread_id, request_id, approved, kwargs))

    bridge = await started(make_bridge(fake, tmp_path, handlers=Handlers(on_approval_response=on_approval_response)))
    try:
        thread_id = await bridge.create_thread("Deploy task")
        await bridge.send_approval_request(thread_id, request_id="req_9", tool_name="Bash", description='{"command": "make deploy"}')
        message = await fake.wait_for(lambda: approval_message(fake))
        fake.push_callback(message.message_id, button(message, "⏱ Allow Bash"), user=ALICE)
        await fake.wait_for(lambda: heard)
        assert heard[0][:3] == (thread_id, "req_9", True)
        assert heard[0][3]["timer"] == "tool" and heard[0][3]["username"] == "alice"
        # the timer now answers the next one by itself
        await bridge.send_approval_request(thread_id, request_id="req_10", tool_name="Bash", description='{"command": "make test"}')
        await fake.wait_for(lambda: len(heard) == 2)
        assert heard[1][:3] == (thread_id, "req_10", True)
    finally:
        await bridge.stop()


@pytest.fixture
async def demo(fake, tmp_path):
    async with demo_with(lambda store: make_bridge(fake, tmp_path, store)) as demo:
        yield demo


async def test_demo_agent_is_unblocked_from_telegram_and_the_message_shows_who(fake, demo):
    _store, _session_id, _bridge = demo
    message = await fake.wait_for(lambda: approval_message(fake))
    assert fake.topics[message.thread_id] == "claude · invoice-api"
    assert "pytest -q tests/test_dates.py" in message.text
    fake.push_callback(message.message_id, button(message, "✅ Allow"), user=ALICE)
    await fake.wait_for(lambda: "approved by alice via Telegram" in fake.messages[message.message_id].text)
    assert fake.messages[message.message_id].reply_markup is None
    # the agent went on: its next request (an Edit) reaches the chat
    await fake.wait_for(lambda: any("src/invoice_api/dates.py" in m.text for m in fake.bot_messages() if m.reply_markup))
    assert fake.rejected == []


async def test_strangers_and_other_chats_change_nothing(fake, demo):
    store, session_id, bridge = demo
    message = await fake.wait_for(lambda: approval_message(fake))
    query = fake.push_callback(message.message_id, button(message, "✅ Allow"), user=MALLORY)
    assert (await fake.wait_for(lambda: fake.answers(query)))[0]["text"] == "You are not allowed to act here."
    fake.push_text("rm -rf / please", thread_id=message.thread_id, user=MALLORY)
    fake.push_text("/stop", thread_id=None, user=ALICE, chat_id=ALICE["id"])  # a private chat with the bot
    await fake.wait_for(lambda: bridge.ignored_updates >= 3)
    assert store.approvals.pending(session_id) and store.session(session_id).state is SessionState.WAITING_APPROVAL
    assert "rm -rf / please" not in store.output(session_id).text()


async def test_keyboard_first_edits_the_telegram_message_and_late_presses_are_told(fake, demo):
    store, session_id, _bridge = demo
    message = await fake.wait_for(lambda: approval_message(fake))
    (request,) = store.approvals.pending(session_id)
    store.approvals.decide(request.id, False, by="dev", via=Via.KEYBOARD, reason="not now")
    await fake.wait_for(lambda: "denied by dev via keyboard" in fake.messages[message.message_id].text)
    assert "not now" in fake.messages[message.message_id].text and fake.messages[message.message_id].reply_markup is None
    query = fake.push_callback(message.message_id, button_from_history(fake), user=ALICE)
    answer = (await fake.wait_for(lambda: fake.answers(query)))[0]["text"]
    assert answer.startswith("Already denied by dev via keyboard")
    forged = fake.push_callback(message.message_id, "ap:AAAAAAAA:y", user=ALICE)
    assert (await fake.wait_for(lambda: fake.answers(forged)))[0]["text"] == "This button has expired."


def button_from_history(fake: FakeTelegram) -> str:
    """The Allow payload the message had before its buttons were removed."""
    for method, params in fake.calls:
        if method == "sendMessage" and params.get("reply_markup") and "🔐" in params.get("text", ""):
            return params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    raise AssertionError("no approval was sent")


async def test_a_restart_reuses_the_topic(fake, tmp_path):
    store = SessionStore()
    store.add_session("hook-1", "claude · api", directory="/work/api")
    bridge = await started(make_bridge(fake, tmp_path, store))
    await fake.wait_for(lambda: bridge.threads.thread_of("hook-1"))
    await bridge.stop()
    assert json.loads((tmp_path / "tg" / "telegram-threads.json").read_text())["threads"]["hook-1"]["title"] == "claude · api"
    assert oct((tmp_path / "tg" / "telegram-threads.json").stat().st_mode & 0o777) == "0o600"

    store2 = SessionStore()
    store2.add_session("hook-1", "claude · api", directory="/work/api")
    store2.add_session("demo-2", "claude · api #2")
    bridge2 = await started(make_bridge(fake, tmp_path, store2))
    try:
        await fake.wait_for(lambda: len(fake.topics) == 2)
        store2.append_output("hook-1", "back again")
        message = await fake.wait_for(lambda: [m for m in fake.bot_messages() if "back again" in m.text])
        assert message[0].thread_id == min(fake.topics)
        assert [method for method, _ in fake.calls].count("createForumTopic") == 2
    finally:
        await bridge2.stop()


async def test_deny_with_reason_by_replying_and_input_and_commands(fake, demo):
    store, session_id, _bridge = demo
    message = await fake.wait_for(lambda: approval_message(fake))
    thread = message.thread_id
    fake.push_callback(message.message_id, button(message, "💬"), user=ALICE)
    prompt = await fake.wait_for(
        lambda: next((m for m in fake.bot_messages(thread) if "your next message here is the reason" in m.text), None)
    )
    fake.push_text("run only the date tests", thread_id=thread, user=ALICE, reply_to=prompt.message_id)
    await fake.wait_for(lambda: "denied by alice via Telegram" in fake.messages[message.message_id].text)
    assert "run only the date tests" in fake.messages[message.message_id].text
    await fake.wait_for(lambda: "Permission denied for Bash (run only the date tests)" in store.output(session_id).text())

    fake.push_text("/status", thread_id=thread, user=ALICE)
    await fake.wait_for(lambda: any("claude · invoice-api —" in m.text for m in fake.bot_messages(thread)))
    fake.push_text("/help", thread_id=thread, user=ALICE)
    await fake.wait_for(lambda: any("/log — " in m.text and "/timers — " in m.text for m in fake.bot_messages(thread)))
    fake.push_text("/frobnicate", thread_id=thread, user=ALICE)
    await fake.wait_for(lambda: any("Unknown command /frobnicate" in m.text for m in fake.bot_messages(thread)))

    # the next request: allow the session for a while, then list and revoke the timer from chat
    second = await fake.wait_for(lambda: next((m for m in fake.bot_messages(thread) if m.reply_markup and "dates.py" in m.text), None))
    fake.push_callback(second.message_id, button(second, "⏱ Allow session"), user=ALICE)
    await fake.wait_for(lambda: store.approvals.rules())
    fake.push_text("/timers", thread_id=thread, user=ALICE)
    listing = await fake.wait_for(lambda: next((m for m in fake.bot_messages(thread) if "Auto-approve timers:" in m.text), None))
    query = fake.push_callback(listing.message_id, button(listing, "Revoke"), user=ALICE)
    assert (await fake.wait_for(lambda: fake.answers(query)))[0]["text"].startswith("Revoked: everything in claude")
    assert store.approvals.rules() == []

    await fake.wait_for(lambda: store.session(session_id).state is SessionState.WAITING_INPUT, 30)
    await fake.wait_for(lambda: any("waiting for input" in m.text for m in fake.bot_messages(thread)))
    fake.push_text("show me the diff", thread_id=thread, user=ALICE)
    await fake.wait_for(lambda: "› show me the diff  (alice via Telegram)" in store.output(session_id).text())

    fake.push_text("/log", thread_id=thread, user=ALICE)
    document = await fake.wait_for(lambda: next((m for m in fake.messages.values() if m.document), None))
    assert b"42 passed" in document.document["content"] and document.thread_id == thread


async def test_limits_html_and_callback_data_hold_for_nasty_input(fake, tmp_path):
    store = SessionStore()
    store.add_session("s1", "weird <agent> & co", directory="/work/x")
    bridge = await started(make_bridge(fake, tmp_path, store))
    try:
        tool = "mcp__some_very_long_server_name__and_an_even_longer_tool_name_<b>"
        store.approvals.submit("s1", tool, {"query": "<script>&amp;</script> " * 50}, request_id="toolu_" + "x" * 80)
        message = await fake.wait_for(lambda: approval_message(fake))
        for row in message.reply_markup["inline_keyboard"]:
            for b in row:
                assert 1 <= len(b["callback_data"].encode()) <= 64
        store.append_output("s1", "\n".join(f"<tag> & {n} " + "é" * 120 for n in range(200)))
        store.append_output("s1", "x" * 10_000)
        await fake.wait_for(lambda: len([m for m in fake.bot_messages() if not m.reply_markup]) >= 1)
        query = fake.push_callback(message.message_id, button(message, "🔎"), user=ALICE)
        await fake.wait_for(lambda: fake.answers(query))
        await fake.wait_for(lambda: any("🔎" in m.text for m in fake.bot_messages()))
        await asyncio.sleep(1.5)
        assert fake.rejected == []
    finally:
        await bridge.stop()


async def test_429_is_obeyed_and_the_approval_still_arrives(fake, tmp_path):
    store = SessionStore()
    store.add_session("s1", "agent")
    fake.fail_next("sendMessage", 429, times=2, retry_after=1)
    bridge = await started(make_bridge(fake, tmp_path, store))
    try:
        store.approvals.submit("s1", "Bash", {"command": "make"})
        await fake.wait_for(lambda: approval_message(fake), 20)
        assert fake.too_many == 2
    finally:
        await bridge.stop()


async def test_api_down_at_start_then_back_delivers_the_pending_approval(fake, tmp_path):
    store = SessionStore()
    store.add_session("s1", "agent")
    store.approvals.submit("s1", "Bash", {"command": "make release"})
    fake.down = True
    bridge = make_bridge(fake, tmp_path, store)
    starting = asyncio.create_task(bridge.start())
    await fake.wait_for(lambda: store.bridge_health.get("telegram", ("",))[0] == "failing", 15)
    fake.down = False
    await asyncio.wait_for(starting, 20)
    try:
        message = await fake.wait_for(lambda: approval_message(fake), 20)
        assert "make release" in message.text
        assert store.bridge_health["telegram"][0] == "connected"
    finally:
        await bridge.stop()


async def test_the_token_never_reaches_the_logs(fake, tmp_path, caplog):
    from tether_tui.logs import RedactingFilter

    caplog.handler.addFilter(RedactingFilter([fake.token]))  # what the dashboard's log handler has
    caplog.set_level(logging.DEBUG)
    store = SessionStore()
    store.add_session("s1", "agent")
    bridge = await started(make_bridge(fake, tmp_path, store))
    try:
        store.approvals.submit("s1", "Bash", {"command": "make"})
        await fake.wait_for(lambda: approval_message(fake))
    finally:
        await bridge.stop()
    text = "\n".join(caplog.messages) + caplog.text
    assert "getUpdates" in text or "sendMessage" in text  # httpx logged the calls ...
    assert fake.token not in text and fake.token.split(":")[1] not in text  # ... without the token


async def test_the_dashboard_runs_the_configured_bridge_and_follows_config_edits(fake, tmp_path):
    from dataclasses import replace

    from bridges.supervisor import BridgeSupervisor
    from tether_tui.app import TetherApp
    from tether_tui.app.widgets.status_bar import StatusBar
    from tether_tui.commands import CommandRegistry
    from tether_tui.config import Config, TelegramSettings
    from tether_tui.runtime import Runtime

    config = Config(telegram=TelegramSettings(token=fake.token, forum_group_id=fake.group_id, allowed_user_ids=(ALICE["id"],)))
    store = SessionStore(config=config)
    commands = CommandRegistry(store)
    supervisor = BridgeSupervisor(store, commands, telegram_api_url=fake.base_url)
    app = TetherApp(Runtime(store, commands=commands, bridges=supervisor), user="dev")
    launcher = SessionLauncher(store)
    async with app.run_test(size=(120, 36)) as pilot:
        await fake.wait_for(lambda: store.bridge_health["telegram"][0] == "connected", 15)
        session_id = await launcher.start_demo(0, speed=20)
        message = await fake.wait_for(lambda: approval_message(fake), 15)
        await pilot.pause()
        assert "connected" in str(app.screen.query_one(StatusBar).bridges["telegram"])
        await read_first(pilot)
        await pilot.press("a")  # the keyboard decides first ...
        await fake.wait_for(lambda: "approved by dev via keyboard" in fake.messages[message.message_id].text)  # ... the chat follows
        # the allowlist changes without a restart
        store.apply_config(replace(config, telegram=replace(config.telegram, allowed_user_ids=())))
        await pilot.pause()
        second = await fake.wait_for(lambda: next((m for m in fake.bot_messages() if m.reply_markup and "dates.py" in m.text), None), 20)
        query = fake.push_callback(second.message_id, button(second, "✅"), user=ALICE)
        assert (await fake.wait_for(lambda: fake.answers(query)))[0]["text"] == "You are not allowed to act here."
        # switched off in the config: the bridge stops
        store.apply_config(replace(config, telegram=replace(config.telegram, enabled=False)))
        await fake.wait_for(lambda: not supervisor.bridges, 10)
        await pilot.pause()
        assert store.bridge_health["telegram"][0] == "off"
        await store.stop_session(session_id, by="test", via=Via.SYSTEM)


async def test_new_starts_a_session_from_chat_and_typing_shows_while_it_works(fake, tmp_path):
    store = SessionStore()
    launcher = SessionLauncher(store)

    async def start_session(choice: str) -> str:
        return await launcher.start_demo(int(choice) - 1 if choice.isdigit() else 0, speed=2)

    bridge = await started(make_bridge(fake, tmp_path, store, start_session=start_session))
    try:
        fake.push_text("/new 2", thread_id=None, user=ALICE)
        await fake.wait_for(lambda: any("Started codex · web-shop" in m.text for m in fake.bot_messages()))
        (session,) = store.sessions()
        await fake.wait_for(lambda: "codex · web-shop" in fake.topics.values())
        # the agent asks first; once allowed (for the session) it works, and the topic shows it typing
        (request,) = await fake.wait_for(lambda: store.approvals.pending(session.id))
        store.approvals.allow_with_timer(request.id, "all", 10, by="test", via=Via.KEYBOARD)
        await fake.wait_for(lambda: any(method == "sendChatAction" for method, _ in fake.calls), 15)
        action = next(params for method, params in fake.calls if method == "sendChatAction")
        assert action["action"] == "typing" and fake.topics[int(action["message_thread_id"])] == "codex · web-shop"
        await store.stop_session(session.id, by="test", via=Via.SYSTEM)
    finally:
        await bridge.stop()


async def test_5xx_and_dropped_connections_mid_run_are_retried_and_nothing_is_lost(fake, tmp_path):
    store = SessionStore()
    store.add_session("s1", "agent", directory="/work/x")
    bridge = await started(make_bridge(fake, tmp_path, store))
    try:
        await fake.wait_for(lambda: bridge.threads.thread_of("s1"))
        fake.fail_next("sendMessage", 500)
        fake.fail_next("sendMessage", 0)  # the connection drops
        store.approvals.submit("s1", "Bash", {"command": "make ship"})
        await fake.wait_for(lambda: store.bridge_health["telegram"][0] == "failing", 15)
        message = await fake.wait_for(lambda: approval_message(fake), 30)
        assert "make ship" in message.text
        await fake.wait_for(lambda: store.bridge_health["telegram"][0] == "connected")
    finally:
        await bridge.stop()


async def test_auto_approvals_are_announced_in_one_notice_and_final_messages_arrive_whole(fake, tmp_path):
    from tether_tui.config import ApprovalSettings, Config
    from tether_tui.models import RuleScope

    store = SessionStore(config=Config(approvals=ApprovalSettings(batch_debounce_seconds=0.5, batch_max_wait_seconds=2)))
    store.add_session("s1", "agent", directory="/work/x")
    bridge = await started(make_bridge(fake, tmp_path, store))
    sweeper = asyncio.create_task(store.approvals.run(0.1))
    try:
        await fake.wait_for(lambda: bridge.threads.thread_of("s1"))
        store.approvals.add_rule(RuleScope.SESSION, 10, by="dev", via=Via.KEYBOARD, session_id="s1")
        for n in range(5):
            store.approvals.submit("s1", "Bash", {"command": f"ls {n}"})
        notice = await fake.wait_for(lambda: next((m for m in fake.bot_messages() if "Auto-approved 5 requests" in m.text), None))
        assert "ls 4" in notice.text and not approval_message(fake)
        final = "Done: " + " ".join(f"step{n}" for n in range(600))  # longer than one message
        await store.on_output("s1", "stdout", final, is_final=True)
        parts = await fake.wait_for(
            lambda: (
                [m.text for m in fake.bot_messages() if "step" in m.text and "<pre>" not in m.text]
                if len([m for m in fake.bot_messages() if "step" in m.text]) >= 2
                else None
            )
        )
        assert " ".join(parts).split() == final.split()  # every word whole, none lost
        # an agent's Markdown arrives as Telegram formatting
        await store.on_output(
            "s1", "stdout", "**Fixed** the `parse_due_date` bug & added tests:\n```python\nassert a < b\n```", is_final=True
        )
        shown = await fake.wait_for(lambda: next((m for m in fake.bot_messages() if "Fixed" in m.text), None))
        assert shown.text.startswith("<b>Fixed</b> the <code>parse_due_date</code> bug &amp; added tests:")
        assert "assert a &lt; b" in shown.text and "<pre>" in shown.text and fake.rejected == []
    finally:
        sweeper.cancel()
        await bridge.stop()


async def test_a_deleted_topic_is_replaced_by_a_new_one(fake, tmp_path):
    store = SessionStore()
    store.add_session("s1", "agent")
    bridge = await started(make_bridge(fake, tmp_path, store))
    try:
        store.approvals.submit("s1", "Bash", {"command": "make one"})
        first = await fake.wait_for(lambda: next((m for m in fake.bot_messages() if "make one" in m.text), None))
        del fake.topics[first.thread_id]  # someone deleted the topic
        store.approvals.submit("s1", "Bash", {"command": "make two"})
        second = await fake.wait_for(lambda: next((m for m in fake.bot_messages() if "make two" in m.text), None), 15)
        assert second.thread_id != first.thread_id and second.thread_id in fake.topics
    finally:
        await bridge.stop()


async def test_new_starts_a_real_agent_from_the_phone_only_in_allowed_folders(fake, tmp_path):
    from runners import default_registry
    from runners.chat_start import ChatStarter
    from tests.test_acp_runner import scripted

    store = SessionStore()
    launcher = SessionLauncher(store, default_registry({"scripted": scripted()}))
    work = tmp_path / "work"
    (work / "api").mkdir(parents=True)
    starter = ChatStarter(launcher, lambda: (str(work),))
    bridge = await started(make_bridge(fake, tmp_path, store, start_session=starter))
    try:
        fake.push_text("/new scripted /etc: make x.txt", thread_id=None, user=ALICE)
        await fake.wait_for(lambda: any("outside the folders chat may start agents in" in m.text for m in fake.bot_messages()))
        fake.push_text(f"/new scripted {work}/../../: make x.txt", thread_id=None, user=ALICE)
        fake.push_text(f"/new nosuch {work}/api: hi", thread_id=None, user=ALICE)
        fake.push_text(f"/new scripted {work}/api", thread_id=None, user=ALICE)
        fake.push_text(f"/new scripted {work}/api: make from-phone.txt", thread_id=None, user=MALLORY)
        await fake.wait_for(lambda: any("Unknown agent 'nosuch'" in m.text for m in fake.bot_messages()))
        await fake.wait_for(
            lambda: any("Write it as: new &lt;agent&gt;" in m.text or "Write it as: new <agent>" in m.text for m in fake.bot_messages())
        )
        assert store.sessions() == []  # the stranger started nothing either
        fake.push_text(f"/new scripted {work}/api: make from-phone.txt", thread_id=None, user=ALICE)
        started_reply = await fake.wait_for(lambda: next((m for m in fake.bot_messages() if "Started scripted · api:" in m.text), None))
        assert "https://t.me/c/" in started_reply.text and "open its topic" in started_reply.text
        (session,) = store.sessions()
        assert session.directory == str(work / "api")
        # its request is answered from the phone, and the real agent runs the command
        message = await fake.wait_for(lambda: approval_message(fake))
        assert "touch from-phone.txt" in message.text
        allow = message.reply_markup["inline_keyboard"][0][0]["callback_data"]
        fake.push_callback(message.message_id, allow, user=ALICE)
        await fake.wait_for(lambda: (work / "api" / "from-phone.txt").exists(), 20)
        await store.stop_session(session.id, by="test", via=Via.SYSTEM)
    finally:
        await bridge.stop()


async def test_pairing_from_telegram_lets_the_owner_act_and_strangers_change_nothing(fake, tmp_path):
    store = SessionStore()
    store.add_session("s1", "claude · api", state=SessionState.RUNNING)
    bridge = await started(make_bridge(fake, tmp_path, store, allowed_user_ids=[], require_pairing=True))
    try:
        code = store.pairing_codes["telegram"]
        assert bridge.pairing_code == code
        request = store.approvals.submit("s1", "Bash", {"command": "make deploy"})
        message = await fake.wait_for(lambda: approval_message(fake))
        allow = message.reply_markup["inline_keyboard"][0][0]["callback_data"]
        fake.push_callback(message.message_id, allow, user=ALICE)  # not paired yet: nothing happens
        fake.push_text("/pair 0000-0000" if code != "0000-0000" else "/pair 1111-1111", thread_id=None, user=MALLORY)
        await fake.wait_for(lambda: any("not the code shown in the dashboard" in m.text for m in fake.bot_messages()))
        assert request.pending and store.pairing_codes["telegram"] == code
        fake.push_text(f"/pair {code}", thread_id=None, user=ALICE)
        await fake.wait_for(lambda: any("Paired: you may act here now." in m.text for m in fake.bot_messages()))
        # used once; with somebody paired no code is offered, so guessing is over
        assert "telegram" not in store.pairing_codes and bridge.pairing.code != code
        fake.push_text(f"/pair {bridge.pairing.code}", thread_id=None, user=MALLORY)
        await fake.wait_for(lambda: any("No pairing code is offered now" in m.text for m in fake.bot_messages()))
        fake.push_callback(message.message_id, allow, user=ALICE)
        await fake.wait_for(lambda: not request.pending)
        assert request.decision.allowed and request.decision.by == "alice"
        paired = json.loads((tmp_path / "tg" / "telegram-paired.json").read_text())["paired"]
        assert list(paired) == [str(ALICE["id"])] and paired[str(ALICE["id"])]["name"] == "alice"
    finally:
        await bridge.stop()


async def test_a_second_dashboard_on_the_same_bot_says_so_and_stops_polling(fake, tmp_path):
    """Telegram answers 409 Conflict to a second poller: the bridge says so and stops asking,
    instead of both dashboards retrying forever."""
    store = SessionStore()
    bridge = await started(make_bridge(fake, tmp_path, store))
    try:
        fake.polled_elsewhere = True
        await fake.wait_for(lambda: store.bridge_health["telegram"][0] == "failing", 20)
        assert "another program is reading this bot's updates" in store.bridge_health["telegram"][1]
        await asyncio.sleep(1.5)
        polls = sum(1 for method, _ in fake.calls if method == "getUpdates")
        await asyncio.sleep(3)
        assert sum(1 for method, _ in fake.calls if method == "getUpdates") == polls  # stopped, not retrying
        # a send that works afterwards does not hide it
        store.add_session("s1", "agent")
        await fake.wait_for(lambda: fake.topics, 20)
        assert store.bridge_health["telegram"][0] == "failing"
    finally:
        await bridge.stop()
