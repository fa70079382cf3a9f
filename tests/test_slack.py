"""The real slack-bolt / slack_sdk against the fake Slack (Web API + Socket Mode)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bridges import Handlers, SlackBridge
from runners.launcher import SessionLauncher
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
    return SlackBridge(fake.bot_token, fake.channel, app_token=fake.app_token, store=store,
                       data_dir=tmp_path / "slack", api_url=fake.api_url, **kwargs)


async def started(bridge: SlackBridge) -> SlackBridge:
    await asyncio.wait_for(bridge.start(), 15)
    return bridge


def approval(fake: FakeSlack, text: str = "🔐"):
    return next((m for m in fake.bot_messages() if m.buttons and text in m.shown), None)


@pytest.fixture
async def demo(fake, tmp_path):
    store = SessionStore()
    session_id = await SessionLauncher(store).start_demo(0, speed=20)
    bridge = await started(make_bridge(fake, tmp_path, store))
    yield store, session_id, bridge
    await bridge.stop()
    await store.stop_session(session_id, by="test", via=Via.SYSTEM)


async def test_demo_session_gets_a_thread_and_a_button_unblocks_it(fake, demo):
    store, session_id, bridge = demo
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
