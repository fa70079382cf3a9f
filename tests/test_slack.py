"""The real slack-bolt / slack_sdk against the fake Slack (Web API + Socket Mode)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bridges import Handlers, SlackBridge
from tests.bridgekit import demo_with, started
from tests.fakes.slack_api import ALICE, MALLORY, FakeSlack
from tether_tui.models import SessionState, Via
from tether_tui.store import SessionStore


@pytest.fixture
async def fake():
    server = FakeSlack()
    await server.start()
    yield server
    await server.stop()


def make_bridge(fake: FakeSlack, tmp_path, store: SessionStore | None = None, **kwargs) -> SlackBridge:
    kwargs.setdefault("allowed_user_ids", [ALICE["id"]])
    return SlackBridge(
        fake.bot_token, fake.channel, app_token=fake.app_token, store=store, data_dir=tmp_path / "slack", api_url=fake.api_url, **kwargs
    )


def approval(fake: FakeSlack, text: str = "🔐"):
    return next((m for m in fake.bot_messages() if m.buttons and text in m.shown), None)


@pytest.fixture
async def demo(fake, tmp_path):
    async with demo_with(lambda store: make_bridge(fake, tmp_path, store)) as demo:
        yield demo


async def test_demo_session_gets_a_thread_and_a_button_unblocks_it(fake, demo):
    store, session_id, _bridge = demo
    message = await fake.wait_for(lambda: approval(fake))
    thread = fake.thread_named(store.session(session_id).title)
    assert thread is not None and message.thread_ts == thread
    labels = [b["text"]["text"] for b in message.buttons]
    assert labels[:4] == ["✅ Allow", "❌ Deny", "💬 Deny with reason", "🔎 Details"]
    assert any(label.startswith("⏱ Allow session") for label in labels)

    await fake.click(message, message.button("🔎"))
    details = await fake.wait_for(lambda: [m for m in fake.bot_messages(thread) if m.text.startswith("🔎")])
    assert "*Input*" in details[0].text

    request = store.approvals.pending(session_id)[0]
    envelope = await fake.click(message, message.button("✅ Allow"))
    await fake.wait_for(lambda: envelope in fake.acks)
    await fake.wait_for(lambda: not message.buttons)
    assert "approved by alice via Slack" in message.shown
    assert request.decision is not None and request.decision.via is Via.SLACK
    assert any(text.startswith("Approved by alice via Slack") for text in fake.ephemerals_for(ALICE))
    # output of the session arrives in its thread, inside a code block
    await fake.wait_for(lambda: any(m.text.startswith("```") for m in fake.bot_messages(thread)), 20)
    assert fake.rejected == []


async def test_strangers_other_channels_and_stale_buttons_change_nothing(fake, demo, caplog):
    store, session_id, bridge = demo
    caplog.set_level(logging.WARNING)
    message = await fake.wait_for(lambda: approval(fake))
    request = store.approvals.pending(session_id)[0]
    await fake.click(message, message.button("✅ Allow"), user=MALLORY)
    await fake.wait_for(lambda: fake.ephemerals_for(MALLORY))
    assert fake.ephemerals_for(MALLORY) == ["You are not allowed to act here."]
    await fake.push_message("allow", thread_ts=message.thread_ts, user=MALLORY)
    await fake.push_message("!stop", thread_ts=message.thread_ts, user=MALLORY)
    await fake.push_message("allow", user=ALICE, channel="C0ELSEWHERE")
    await fake.wait_for(lambda: bridge.ignored_updates >= 4)
    assert request.pending and message.buttons
    assert "not in allowed_user_ids" in caplog.text and "U0MALLORY" in caplog.text

    forged = dict(message.button("✅ Allow"), value="ap:forgedtoken:y")
    await fake.click(message, forged)
    await fake.wait_for(lambda: "This button has expired." in fake.ephemerals_for(ALICE))
    assert request.pending

    allow = message.button("✅ Allow")
    await fake.push_message("deny: use the staging database", thread_ts=message.thread_ts)
    await fake.wait_for(lambda: not message.buttons)
    assert request.decision is not None and request.decision.reason == "use the staging database"
    assert "❌ denied by alice via Slack" in message.shown and message.shown.endswith(": use the staging database")
    # a press on a button from before the decision (another client's stale view) is told what happened
    await fake.click(message, allow)
    await fake.wait_for(lambda: any(t.startswith("Already denied by alice") for t in fake.ephemerals_for(ALICE)))
    assert store.approvals.get(request.id).decision.outcome.value == "deny"
    assert fake.rejected == []


async def test_used_alone_text_replies_and_the_handler_hears_each_decision(fake, tmp_path):
    heard = []
    inputs = []

    async def on_approval_response(thread_id, request_id, approved, **kwargs):
        heard.append((request_id, approved, kwargs["timer"], kwargs["reason"], kwargs["username"]))

    async def on_input(thread_id, text, username):
        inputs.append((thread_id, text, username))

    bridge = await started(make_bridge(fake, tmp_path, handlers=Handlers(on_approval_response=on_approval_response, on_input=on_input)))
    try:
        thread = await bridge.create_thread("Deploy task", directory="/srv/app")
        assert fake.thread_named("Deploy task") == thread

        async def ask(request_id: str, tool: str, command: str):
            await bridge.send_approval_request(thread, request_id=request_id, tool_name=tool, description=f'{{"command": "{command}"}}')
            return await fake.wait_for(lambda: approval(fake, command))

        await ask("r1", "Bash", "make deploy")
        await fake.push_message("approve", thread_ts=thread)
        await fake.wait_for(lambda: heard)
        assert heard[-1] == ("r1", True, None, None, "alice")

        await ask("r2", "Bash", "make clean")
        await fake.push_message("allow Edit", thread_ts=thread)
        await fake.wait_for(lambda: any("The waiting request is for Bash" in m.text for m in fake.bot_messages(thread)))
        await fake.push_message("deny", thread_ts=thread)
        await fake.wait_for(lambda: len(heard) == 2)
        assert heard[-1][:2] == ("r2", False)

        await ask("r3", "Bash", "make test")
        await fake.push_message("allow bash", thread_ts=thread)
        await fake.wait_for(lambda: len(heard) == 3)
        assert heard[-1][:3] == ("r3", True, "tool")
        await bridge.send_approval_request(thread, request_id="r4", tool_name="Bash", description='{"command": "make lint"}')
        await fake.wait_for(lambda: len(heard) == 4)  # the timer answered by itself
        assert heard[-1][:2] == ("r4", True)

        await ask("r5", "Write", "notes.txt")
        await fake.push_message("allow all", thread_ts=thread)
        await fake.wait_for(lambda: len(heard) == 5)
        assert heard[-1][:3] == ("r5", True, "all")

        # not a decision: the session's input
        await fake.push_message("now also update the changelog", thread_ts=thread)
        await fake.wait_for(lambda: inputs)
        assert inputs == [(thread, "now also update the changelog", "alice")]
        assert fake.rejected == []
    finally:
        await bridge.stop()


async def test_commands_as_text_and_as_slash_command_with_the_custom_registry(fake, demo, tmp_path):
    store, session_id, bridge = demo
    await bridge.stop()
    from tether_tui.commands import CommandDef

    calls = []

    async def deploy(thread_id, args):
        calls.append((thread_id, args))
        return f"deploying {args} <now> & later"

    bridge = await started(
        make_bridge(fake, tmp_path, store, commands={"deploy": CommandDef("Deploy it", deploy)}, disabled_commands={"usage"})
    )
    try:
        message = await fake.wait_for(lambda: approval(fake))
        thread = message.thread_ts
        await fake.push_message("!status", thread_ts=thread)
        await fake.wait_for(lambda: any("claude · invoice-api —" in m.text for m in fake.bot_messages(thread)))
        await fake.push_message("!help", thread_ts=thread)
        help_text = await fake.wait_for(lambda: next((m.text for m in fake.bot_messages(thread) if "!deploy — Deploy it" in m.text), None))
        assert "!usage" not in help_text and "deny: &lt;reason&gt;" in help_text
        await fake.push_message("!deploy staging", thread_ts=thread)
        await fake.wait_for(lambda: any("deploying staging &lt;now&gt; &amp; later" in m.text for m in fake.bot_messages(thread)))
        await fake.push_message("!frobnicate", thread_ts=thread)
        await fake.wait_for(lambda: any("Unknown command !frobnicate. !help lists them." in m.text for m in fake.bot_messages(thread)))

        # the slash command answers only the user who typed it
        await fake.slash("help")
        await fake.wait_for(lambda: any("!timers — " in r.get("text", "") for r in fake.responses))
        await fake.slash("status", user=MALLORY)
        await asyncio.sleep(0.3)
        assert not any("claude · invoice-api" in r.get("text", "") for r in fake.responses)

        fake.fail_next("chat.postMessage", 429, retry_after=1)
        await fake.push_message("!log", thread_ts=thread)
        await fake.push_message("!timers", thread_ts=thread)
        await fake.wait_for(lambda: any("No auto-approve timers." in m.text for m in fake.bot_messages(thread)))
        upload = await fake.wait_for(lambda: fake.files)
        assert upload[0]["thread_ts"] == thread and upload[0]["content"] == store.output(session_id).text().encode()
        assert "lines" in upload[0]["comment"]
        # attached to the dashboard's store, custom commands hear the session (shared by every surface)
        assert fake.too_many >= 1 and calls == [(session_id, "staging")]
        assert fake.rejected == []
    finally:
        await bridge.stop()


async def test_dropped_socket_reconnects_and_a_429_is_waited_out(fake, demo):
    store, session_id, bridge = demo
    message = await fake.wait_for(lambda: approval(fake))
    assert fake.connections == 1
    await fake.drop_sockets()
    await fake.wait_for(lambda: fake.connections == 2, 20)
    # a 429 on the update, then the decision shows anyway
    fake.fail_next("chat.update", 429, retry_after=1)
    fake.fail_next("chat.update", 429, retry_after=1)
    envelope = await fake.click(message, message.button("✅ Allow"))
    await fake.wait_for(lambda: envelope in fake.acks, 10)
    await fake.wait_for(lambda: not message.buttons, 15)
    assert "approved by alice via Slack" in message.shown and fake.too_many == 2
    assert bridge.scheduler.retries >= 1
    assert store.session(session_id).state is not SessionState.ERROR


async def test_final_markdown_is_mrkdwn_and_long_output_is_cut_within_limits(fake, tmp_path):
    store = SessionStore()
    store.add_session("s1", "writer <agent> & co", directory="/work/x")
    bridge = await started(make_bridge(fake, tmp_path, store))
    try:
        thread = await fake.wait_for(lambda: fake.thread_named("writer &lt;agent&gt; &amp; co"))
        final = (
            "## Done\n**All tests pass** — see [the report](https://ci.example.com/r/1).\n\n```python\n"
            + "\n".join(f"x{i} = {i} < {i + 1}" for i in range(400))
            + "\n```\nThat's all & more."
        )
        store.append_output("s1", final, final=True)
        store.append_output("s1", "\n".join(f"line <{i}> & " + "y" * 100 for i in range(300)))
        messages = await fake.wait_for(lambda: [m for m in fake.bot_messages(thread) if "That's all" in m.text], 30)
        finals = [m for m in fake.bot_messages(thread) if "x1 = 1" in m.text or "*All tests pass*" in m.text or "That's all" in m.text]
        assert finals[0].text.startswith("*Done*") and "<https://ci.example.com/r/1|the report>" in finals[0].text
        assert len(finals) >= 2 and all(m.text.count("```") % 2 == 0 for m in finals)
        assert messages[0].text.endswith("That's all &amp; more.")
        await fake.wait_for(lambda: any("line &lt;299&gt;" in m.shown for m in fake.bot_messages(thread)), 30)
        # a request whose text triples when escaped still fits one section, with its buttons
        store.approvals.submit("s1", "Bash", {"command": "echo " + "<&>" * 2000})
        nasty = await fake.wait_for(lambda: approval(fake, "echo &lt;&amp;&gt;"), 15)
        assert nasty.button("✅ Allow") and nasty.shown.rstrip().splitlines()[-1].startswith("📁")
        assert fake.rejected == []
    finally:
        await bridge.stop()


async def test_slack_down_at_start_then_back_and_the_token_never_logged(fake, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    store = SessionStore()
    store.add_session("s1", "agent")
    store.append_output("s1", "\n".join(f"compiling unit {n}" for n in range(1, 501)))  # before the bridge follows
    fake.down = True
    bridge = make_bridge(fake, tmp_path, store)
    task = asyncio.create_task(bridge.start())
    await fake.wait_for(lambda: store.bridge_health["slack"][0] == "failing", 10)
    store.approvals.submit("s1", "Bash", {"command": "ls"})
    fake.down = False
    await asyncio.wait_for(task, 20)
    try:
        await fake.wait_for(lambda: approval(fake), 15)
        assert store.bridge_health["slack"][0] == "connected"
        # what the session wrote before the bridge was there: its newest lines, and how many came before
        caught_up = await fake.wait_for(lambda: next((m for m in fake.bot_messages() if "compiling unit 500" in m.text), None), 15)
        assert caught_up.text.startswith("… ") and "lines skipped (!log sends them all)" in caught_up.text
        assert fake.bot_token not in caplog.text and fake.app_token not in caplog.text
    finally:
        await bridge.stop()


async def test_deny_with_reason_button_then_the_next_message_is_the_reason(fake, demo):
    store, session_id, _bridge = demo
    message = await fake.wait_for(lambda: approval(fake))
    request = store.approvals.pending(session_id)[0]
    await fake.click(message, message.button("💬"))
    await fake.wait_for(lambda: any("your next message here is the reason" in m.text for m in fake.bot_messages(message.thread_ts)))
    await fake.push_message("the tests are flaky on CI, skip them", thread_ts=message.thread_ts)
    await fake.wait_for(lambda: not message.buttons)
    assert request.decision.reason == "the tests are flaky on CI, skip them"
    await fake.wait_for(lambda: "Permission denied for Bash (the tests are flaky on CI, skip them)" in store.output(session_id).text(), 15)


@pytest.mark.parametrize("which", ["bot_token", "app_token"])
async def test_a_refused_token_stops_the_start_with_a_clear_error(fake, tmp_path, which):
    from slack_sdk.errors import SlackApiError

    tokens = {"bot_token": fake.bot_token, "app_token": fake.app_token, which: "xoxb-0000-wrong"}
    bridge = SlackBridge(tokens["bot_token"], fake.channel, app_token=tokens["app_token"], data_dir=tmp_path, api_url=fake.api_url)
    with pytest.raises(SlackApiError, match="invalid_auth"):
        await asyncio.wait_for(bridge.start(), 10)
    assert fake.connections == 0


async def test_pairing_from_slack_lets_the_owner_act_and_strangers_change_nothing(fake, tmp_path):
    store = SessionStore()
    store.add_session("s1", "claude · api", state=SessionState.RUNNING)
    bridge = await started(make_bridge(fake, tmp_path, store, allowed_user_ids=[], require_pairing=True))
    try:
        code = store.pairing_codes["slack"]
        request = store.approvals.submit("s1", "Bash", {"command": "make deploy"})
        message = await fake.wait_for(lambda: approval(fake))
        await fake.click(message, message.button("✅ Allow"))  # not paired: refused
        wrong = "0000-0000" if code != "0000-0000" else "1111-1111"
        await fake.push_message(f"!pair {wrong}", user=MALLORY)
        await fake.wait_for(lambda: any("not the code shown in the dashboard" in m.shown for m in fake.bot_messages()))
        assert request.pending and store.pairing_codes["slack"] == code
        await fake.push_message(f"!pair {code}", user=ALICE)
        await fake.wait_for(lambda: any("Paired: you may act here now." in m.shown for m in fake.bot_messages()))
        await fake.click(message, message.button("✅ Allow"))
        await fake.wait_for(lambda: not request.pending)
        assert request.decision.allowed and request.decision.via is Via.SLACK
    finally:
        await bridge.stop()
