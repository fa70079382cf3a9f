"""The real discord.py against the fake Discord (REST + gateway)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bridges import DiscordBridge, Handlers
from tests.bridgekit import demo_with, started
from tests.fakes.discord_api import ALICE, CHANNEL, MALLORY, PUBLIC_THREAD, FakeDiscord
from tether_tui.logs import RedactingFilter
from tether_tui.models import Via
from tether_tui.store import SessionStore


@pytest.fixture
async def fake():
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()


def make_bridge(fake: FakeDiscord, tmp_path, store: SessionStore | None = None, **kwargs) -> DiscordBridge:
    kwargs.setdefault("allowed_user_ids", [int(ALICE["id"])])
    return DiscordBridge(
        fake.token,
        CHANNEL,
        store=store,
        data_dir=tmp_path / "discord",
        api_url=fake.api_url,
        gateway_url=fake.gateway_url,
        guild_ready_timeout=0.05,
        **kwargs,
    )


def approval(fake: FakeDiscord, text: str = "🔐"):
    return next((m for m in fake.bot_messages() if m.buttons and text in m.content), None)


@pytest.fixture
async def demo(fake, tmp_path):
    async with demo_with(lambda store: make_bridge(fake, tmp_path, store)) as demo:
        yield demo


async def test_demo_session_gets_a_public_thread_and_a_button_unblocks_it(fake, demo):
    store, session_id, _bridge = demo
    message = await fake.wait_for(lambda: approval(fake))
    thread = fake.thread_named(store.session(session_id).title)
    assert thread is not None and message.channel_id == thread
    assert fake.threads[thread]["type"] == PUBLIC_THREAD
    labels = [b["label"] for b in message.buttons]
    assert labels[:4] == ["✅ Allow", "❌ Deny", "💬 Deny with reason", "🔎 Details"]
    assert all(b["custom_id"].startswith("tether:") for b in message.buttons)

    answer = await fake.answer_to(await fake.click(message, message.button("🔎")))
    assert answer == "Details sent."
    await fake.wait_for(lambda: any(m.content.startswith("🔎") for m in fake.bot_messages(thread)))

    request = store.approvals.pending(session_id)[0]
    answer = await fake.answer_to(await fake.click(message, message.button("✅ Allow")))
    assert answer.startswith("Approved by alice via Discord")
    await fake.wait_for(lambda: not message.buttons)
    assert "approved by alice via Discord" in message.content
    assert request.decision is not None and request.decision.via is Via.DISCORD
    await fake.wait_for(lambda: any(m.content.startswith("```") for m in fake.bot_messages(thread)), 20)
    assert fake.rejected == []


async def test_strangers_stale_buttons_and_text_decisions(fake, demo, caplog):
    store, session_id, bridge = demo
    caplog.set_level(logging.WARNING)
    message = await fake.wait_for(lambda: approval(fake))
    request = store.approvals.pending(session_id)[0]
    answer = await fake.answer_to(await fake.click(message, message.button("✅ Allow"), user=MALLORY))
    assert answer == "You are not allowed to act here."
    await fake.push_message("allow", channel_id=message.channel_id, user=MALLORY)
    await fake.push_message("!stop", channel_id=message.channel_id, user=MALLORY)
    await fake.wait_for(lambda: bridge.ignored_updates >= 3)
    assert request.pending and message.buttons
    assert "666666666666666666" in caplog.text

    # a message whose buttons point at requests nobody knows (forged, or long gone)
    for custom_id in ("tether:ap:forgedtoken:y", "tether:ap:=req_gone:y", "tether:nonsense"):
        stale = fake.bot_message(
            message.channel_id,
            "🔐 old",
            [{"type": 1, "components": [{"type": 2, "style": 2, "label": "✅ Allow", "custom_id": custom_id}]}],
        )
        assert await fake.answer_to(await fake.click(stale, stale.buttons[0])) == "This button has expired."
    assert request.pending

    allow = message.button("✅ Allow")
    await fake.push_message("deny: not on a Friday", channel_id=message.channel_id)
    await fake.wait_for(lambda: not message.buttons)
    assert request.decision is not None and request.decision.reason == "not on a Friday"
    assert "❌ denied by alice via Discord" in message.content
    # a copy of the message that still shows the buttons (an edit that has not landed yet)
    late = fake.bot_message(message.channel_id, "🔐 Bash", [{"type": 1, "components": [allow]}])
    assert (await fake.answer_to(await fake.click(late, allow))).startswith("Already denied by alice")
    assert fake.rejected == []


async def test_pairing_nobody_by_default_a_one_time_code_lockout(fake, tmp_path, caplog):
    # even discord.py's debug log of raw gateway events keeps the code out, through tether-tui's filter
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(RedactingFilter())
    store = SessionStore()
    store.add_session("s1", "agent")
    bridge = await started(make_bridge(fake, tmp_path, store, allowed_user_ids=None))
    try:
        code = store.pairing_codes["discord"]
        assert code == bridge.pairing_code and len(code) == 9
        store.approvals.submit("s1", "Bash", {"command": "ls"})
        message = await fake.wait_for(lambda: approval(fake))
        # nobody is allowed by default
        assert await fake.answer_to(await fake.click(message, message.button("✅ Allow"))) == "You are not allowed to act here."

        for guess in ("0000-0001", "0000-0002"):
            await fake.push_message(f"!pair {guess}", user=MALLORY)
        await fake.wait_for(lambda: sum("not the code" in m.content for m in fake.bot_messages(str(CHANNEL))) == 2)
        await fake.push_message("!pair 0000-0003", user=MALLORY)
        await fake.wait_for(lambda: any("Too many wrong codes" in m.content for m in fake.bot_messages(str(CHANNEL))))
        await fake.push_message(f"!pair {code}", user=MALLORY)  # locked out, even with the right code
        await fake.wait_for(lambda: sum("Too many wrong codes" in m.content for m in fake.bot_messages(str(CHANNEL))) == 2)
        assert bridge.pairing_code == code

        await fake.push_message(f"!pair {code}", user=ALICE)
        await fake.wait_for(lambda: any("Paired" in m.content for m in fake.bot_messages(str(CHANNEL))))
        # used once; somebody may act now, so no code is offered (or shown) any more
        assert bridge.pairing_code != code and "discord" not in store.pairing_codes
        answer = await fake.answer_to(await fake.click(message, message.button("✅ Allow")))
        assert answer.startswith("Approved by alice via Discord")
        assert code not in caplog.text and bridge.pairing_code not in caplog.text and fake.token not in caplog.text
    finally:
        await bridge.stop()
    # paired users are remembered across a restart; the old code is not
    again = make_bridge(fake, tmp_path, SessionStore(), allowed_user_ids=None)
    assert again.pairing is not None and ALICE["id"] in again.pairing.paired and again.pairing_code != code


async def test_dropped_gateway_resumes_and_a_429_is_waited_out(fake, demo):
    _store, _session_id, _bridge = demo
    message = await fake.wait_for(lambda: approval(fake))
    assert fake.identifies == 1
    await fake.drop_gateway()
    await fake.wait_for(lambda: fake.resumes == 1, 20)
    fake.fail_next("PATCH channels", 429, retry_after=0.5)
    answer = await fake.answer_to(await fake.click(message, message.button("✅ Allow")), 15)
    assert answer.startswith("Approved by alice")
    await fake.wait_for(lambda: not message.buttons, 15)
    assert "approved by alice via Discord" in message.content and fake.too_many >= 1


async def test_used_alone_commands_long_output_and_code_blocks(fake, tmp_path):
    heard = []

    async def on_approval_response(thread_id, request_id, approved, **kwargs):
        heard.append((thread_id, request_id, approved, kwargs["timer"]))

    bridge = await started(make_bridge(fake, tmp_path, handlers=Handlers(on_approval_response=on_approval_response)))
    try:
        thread = await bridge.create_thread("Refactor *everything*", directory="/srv/app")
        assert fake.threads[thread]["name"] == "Refactor *everything*"
        await bridge.send_approval_request(thread, request_id="q1", tool_name="Edit", description='{"file_path": "/srv/app/a.py"}')
        await fake.wait_for(lambda: approval(fake))
        await fake.push_message("allow dir", channel_id=thread)
        await fake.wait_for(lambda: heard)
        assert heard[0] == (thread, "q1", True, "dir")

        final = (
            "Done. Here is the new module:\n```python\n"
            + "\n".join(f"def f{i}(): return {i}  # `{i}`" for i in range(300))
            + "\n```\n**End**"
        )
        bridge.store.append_output(bridge.mirror.session_of(thread), final, final=True)
        await fake.wait_for(lambda: any("**End**" in m.content for m in fake.bot_messages(thread)), 30)
        finals = [m for m in fake.bot_messages(thread) if "def f" in m.content]
        assert len(finals) >= 3 and all(len(m.content) <= 2000 and m.content.count("```") % 2 == 0 for m in finals)

        await fake.push_message("!help", channel_id=thread)
        await fake.wait_for(lambda: any("!timers — " in m.content for m in fake.bot_messages(thread)))
        await fake.push_message("!timers", channel_id=thread)
        await fake.wait_for(lambda: any("Auto-approve timers" in m.content for m in fake.bot_messages(thread)))
        await fake.push_message("!log", channel_id=thread)
        upload = await fake.wait_for(lambda: next((m for m in fake.bot_messages(thread) if m.attachments), None), 15)
        assert "def f299" in upload.attachments[0]["content"]
        await bridge.send_typing(thread)
        assert thread in fake.typing
        assert fake.rejected == []
    finally:
        await bridge.stop()


async def test_buttons_keep_working_after_the_bridge_restarts(fake, tmp_path):
    store = SessionStore()
    store.add_session("s1", "agent")
    request = store.approvals.submit("s1", "Bash", {"command": "make release"})
    bridge = await started(make_bridge(fake, tmp_path, store))
    message = await fake.wait_for(lambda: approval(fake))
    thread = message.channel_id
    await fake.wait_for(lambda: bridge.threads.approval_message(request.id))
    await bridge.stop()

    bridge = await started(make_bridge(fake, tmp_path, store))
    try:
        # the same thread is used again, the waiting request is not asked twice, and the button
        # on the message from before the restart still decides and loses its buttons
        await asyncio.sleep(1.0)
        assert len(fake.threads) == 1 and len([m for m in fake.bot_messages() if m.buttons]) == 1
        answer = await fake.answer_to(await fake.click(message, message.button("✅ Allow")))
        assert answer.startswith("Approved by alice via Discord") and request.decision is not None
        await fake.wait_for(lambda: not message.buttons)
        assert "approved by alice via Discord" in message.content and message.channel_id == thread
    finally:
        await bridge.stop()


async def test_discord_down_at_start_then_back(fake, tmp_path):
    store = SessionStore()
    store.add_session("s1", "agent")
    fake.down = True
    bridge = make_bridge(fake, tmp_path, store)
    task = asyncio.create_task(bridge.start())
    await fake.wait_for(lambda: store.bridge_health["discord"][0] == "failing", 10)
    store.approvals.submit("s1", "Bash", {"command": "ls -la"})
    fake.down = False
    await asyncio.wait_for(task, 20)
    try:
        await fake.wait_for(lambda: approval(fake, "ls -la"), 15)
        assert store.bridge_health["discord"][0] == "connected"
    finally:
        await bridge.stop()


async def test_a_refused_token_stops_the_start_with_a_clear_error(fake, tmp_path):
    import discord

    bridge = DiscordBridge("not-the-token", CHANNEL, data_dir=tmp_path, api_url=fake.api_url, gateway_url=fake.gateway_url)
    with pytest.raises(discord.LoginFailure):
        await asyncio.wait_for(bridge.start(), 10)
    await bridge.stop()


async def test_a_thread_deleted_in_discord_is_replaced_by_a_new_one(fake, tmp_path):
    store = SessionStore()
    store.add_session("s1", "agent")
    bridge = await started(make_bridge(fake, tmp_path, store))
    try:
        store.approvals.submit("s1", "Bash", {"command": "make one"})
        first = await fake.wait_for(lambda: approval(fake, "make one"))
        del fake.threads[first.channel_id]  # someone deleted the thread
        store.approvals.submit("s1", "Bash", {"command": "make two"})
        second = await fake.wait_for(lambda: approval(fake, "make two"), 15)
        assert second.channel_id != first.channel_id and second.channel_id in fake.threads
        assert bridge.threads.thread_of("s1") == second.channel_id
    finally:
        await bridge.stop()
