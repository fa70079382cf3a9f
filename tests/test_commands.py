from __future__ import annotations

import pytest

from bridges import CommandDef, Handlers
from tether_tui.commands import CommandRegistry, UnknownCommandError
from tether_tui.models import RuleScope, Via


async def test_builtin_and_custom_commands(store):
    store.add_session("s1", "claude · repo")
    store.approvals.submit("s1", "Bash", {"command": "ls"})
    store.approvals.add_rule(RuleScope.TOOL, 30, by="a", via=Via.KEYBOARD, tool_name="Edit", session_id="s1")

    async def deploy(thread_id, args):
        return f"deploying {args} from {thread_id}"

    registry = CommandRegistry(store, {"deploy": CommandDef("Deploy the app", deploy)}, disabled={"usage"})
    assert "/deploy — Deploy the app" in await registry.run("help", None, by="a", via=Via.KEYBOARD)
    assert "usage" not in registry.descriptions()
    assert await registry.run("/status", None, by="a", via=Via.KEYBOARD) == "• claude · repo — waiting for approval, 1 pending"
    assert (
        await registry.run("timers", "s1", by="a", via=Via.KEYBOARD)
        == f"• Edit in claude · repo — 30:00 left ({store.approvals.rules()[0].id})"
    )
    assert await registry.run("deploy", "s1", "prod", by="a", via=Via.KEYBOARD) == "deploying prod from s1"
    assert await registry.run("stop", None, by="a", via=Via.KEYBOARD) == "Use /stop inside a session."
    assert await registry.run("stop", "s1", by="a", via=Via.KEYBOARD) == "Cannot stop: claude · repo cannot be stopped from here."
    with pytest.raises(UnknownCommandError):
        await registry.run("usage", "s1", by="a", via=Via.KEYBOARD)
    with pytest.raises(UnknownCommandError):
        await registry.run("nope", "s1", by="a", via=Via.KEYBOARD)


async def test_handlers_are_called_with_keywords_so_partial_signatures_work():
    seen = {}

    async def on_approval_response(thread_id: str, request_id: str, approved: bool, **kwargs):
        seen.update(thread_id=thread_id, request_id=request_id, approved=approved, **kwargs)

    async def on_input(thread_id, text, username):
        seen["input"] = (thread_id, text, username)

    handlers = Handlers(on_input=on_input, on_approval_response=on_approval_response)
    await handlers.call("on_approval_response", thread_id="t", request_id="r", approved=True, reason=None, timer="dir", username="bob")
    assert seen == {"thread_id": "t", "request_id": "r", "approved": True, "reason": None, "timer": "dir", "username": "bob"}
    await handlers.call("on_input", thread_id="t", text="hi", username="bob", extra="ignored")
    assert seen["input"] == ("t", "hi", "bob")
    assert await handlers.call("on_status_request") is None
