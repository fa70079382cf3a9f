"""A fake Slack (Web API + Socket Mode) on 127.0.0.1 for the real slack-bolt / slack_sdk.

Web API calls are POSTs to ``/api/<method>`` (JSON or form) with the token in the Authorization
header; Socket Mode is a WebSocket at ``/link/`` handed out by ``apps.connections.open``. The
fake keeps messages by ``ts`` with their thread, enforces the limits that matter (chat.postMessage
about 1 a second per channel with a small burst, chat.update 50 a minute, section text 3,000
characters, message text 40,000, 50 blocks, unique action ids, button text 75, values 2,000) and
checks mrkdwn for stray ``<``/``&``. Tests push messages, button clicks and slash commands as
Socket Mode envelopes, drop the WebSocket, and inject 429s.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.common import FakeServer, Windows

ALICE = {"id": "U0ALICE", "name": "alice"}
MALLORY = {"id": "U0MALLORY", "name": "mallory"}
USERS = {u["id"]: u for u in (ALICE, MALLORY)}
VALID_ANGLE = re.compile(r"<(?:https?://[^>|]+(?:\|[^>]*)?|mailto:[^>]+|[@#][A-Z0-9]+(?:\|[^>]*)?|![a-z]+(?:\^[^>]*)?(?:\|[^>]*)?)>")
VALID_ENTITY = re.compile(r"&(?:amp|lt|gt);")


@dataclass
class SlackMessage:
    ts: str
    channel: str
    thread_ts: str | None
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    user: str | None = None
    """None for the bot."""
    edits: int = 0

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [element for block in self.blocks if block.get("type") == "actions" for element in block["elements"]]

    def button(self, label_start: str) -> dict[str, Any]:
        for element in self.buttons:
            if element["text"]["text"].startswith(label_start):
                return element
        raise AssertionError(f"no button {label_start!r} in {[b['text']['text'] for b in self.buttons]}")

    @property
    def shown(self) -> str:
        """What a person reads: the section text when there are blocks, else the text."""
        sections = [b["text"]["text"] for b in self.blocks if b.get("type") == "section"]
        return "\n".join(sections) if sections else self.text


def mrkdwn_problem(text: str) -> str | None:
    stripped = VALID_ANGLE.sub("", VALID_ENTITY.sub("", text))
    if "<" in stripped or ">" in stripped:
        return "unescaped < or > in mrkdwn"
    if "&" in stripped:
        return "unescaped & in mrkdwn"
    return None


class FakeSlack(FakeServer):
    name = "fake Slack"

    def __init__(self, *, channel: str = "C0AGENTS", limits: bool = True) -> None:
        super().__init__()
        self.bot_token = "xoxb-1111-2222-fakebottoken"
        self.app_token = "xapp-1-A0APP-3333-fakeapptoken"
        self.channel = channel
        self.limits = limits
        self.messages: dict[str, SlackMessage] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.files: list[dict[str, Any]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.acks: set[str] = set()
        self.connections = 0
        self.responses: list[dict[str, Any]] = []
        self._sockets: list[web.WebSocketResponse] = []
        self._ts = itertools.count(1)
        self._envelopes = itertools.count(1)
        self._uploads: dict[str, bytes] = {}
        self._post_windows = Windows(4, 4.0)  # ~1 a second per channel, bursts of a few
        self._update_windows = Windows(50, 60.0)
        self.send_times: list[tuple[float, str]] = []
        self.scopes = ["chat:write", "channels:history", "groups:history", "users:read", "files:write", "commands"]
        """The bot token's scopes (auth.test names them in the X-OAuth-Scopes header)."""
        self.member_of = {channel}
        """Channels the bot was invited to."""

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_get("/link/", self._socket)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/respond/{token}", self._respond)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    # ----------------------------------------------------------------- test controls
    def bot_messages(self, thread_ts: str | None = None) -> list[SlackMessage]:
        return [m for m in self.messages.values() if m.user is None and (thread_ts is None or m.thread_ts == thread_ts)]

    def threads(self) -> dict[str, str]:
        """Parent ts -> title for every thread the bot opened."""
        return {m.ts: m.text for m in self.bot_messages() if m.thread_ts is None and m.text.startswith("🧵")}

    def thread_named(self, title: str) -> str | None:
        return next((ts for ts, text in self.threads().items() if title in text), None)

    async def push_message(
        self, text: str, *, thread_ts: str | None = None, user: dict[str, str] = ALICE, channel: str | None = None
    ) -> str:
        ts = self._next_ts()
        channel = channel or self.channel
        self.messages[ts] = SlackMessage(ts, channel, thread_ts, text, user=user["id"])
        event: dict[str, Any] = {
            "type": "message",
            "channel": channel,
            "user": user["id"],
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "channel_type": "channel",
            "team": "T0TEAM",
        }
        if thread_ts is not None:
            event["thread_ts"] = thread_ts
        await self._send_envelope(
            "events_api",
            {
                "token": "verification",
                "team_id": "T0TEAM",
                "api_app_id": "A0APP",
                "event": event,
                "type": "event_callback",
                "event_id": f"Ev{ts.replace('.', '')}",
                "event_time": int(time.time()),
                "authorizations": [{"team_id": "T0TEAM", "user_id": "U0BOT", "is_bot": True}],
            },
        )
        return ts

    async def click(self, message: SlackMessage, button: dict[str, Any], *, user: dict[str, str] = ALICE) -> str:
        envelope = await self._send_envelope(
            "interactive",
            {
                "type": "block_actions",
                "user": {"id": user["id"], "username": user["name"], "name": user["name"], "team_id": "T0TEAM"},
                "api_app_id": "A0APP",
                "token": "verification",
                "trigger_id": "1.2.3",
                "team": {"id": "T0TEAM", "domain": "agents"},
                "container": {
                    "type": "message",
                    "message_ts": message.ts,
                    "channel_id": message.channel,
                    "is_ephemeral": False,
                    "thread_ts": message.thread_ts,
                },
                "channel": {"id": message.channel, "name": "agents"},
                "message": {
                    "type": "message",
                    "ts": message.ts,
                    "thread_ts": message.thread_ts,
                    "text": message.text,
                    "blocks": message.blocks,
                    "bot_id": "B0BOT",
                },
                "response_url": f"http://127.0.0.1:{self.port}/respond/click",
                "actions": [
                    {
                        "type": "button",
                        "action_id": button["action_id"],
                        "block_id": "row-0",
                        "value": button.get("value", ""),
                        "text": button["text"],
                        "action_ts": str(time.time()),
                    }
                ],
            },
        )
        return envelope

    async def slash(self, text: str, *, user: dict[str, str] = ALICE, channel: str | None = None) -> str:
        return await self._send_envelope(
            "slash_commands",
            {
                "token": "verification",
                "team_id": "T0TEAM",
                "team_domain": "agents",
                "channel_id": channel or self.channel,
                "channel_name": "agents",
                "user_id": user["id"],
                "user_name": user["name"],
                "command": "/tether",
                "text": text,
                "api_app_id": "A0APP",
                "response_url": f"http://127.0.0.1:{self.port}/respond/slash",
                "trigger_id": "1.2.4",
            },
        )

    async def drop_sockets(self) -> None:
        """Close every Socket Mode connection, as Slack does now and then."""
        sockets, self._sockets = self._sockets, []
        for ws in sockets:
            await ws.close()
        self.changed()

    def ephemerals_for(self, user: dict[str, str]) -> list[str]:
        return [e["text"] for e in self.ephemerals if e.get("user") == user["id"]]

    # ----------------------------------------------------------------- Socket Mode
    def _next_ts(self) -> str:
        return f"{1_700_000_000 + next(self._ts)}.000100"

    async def _send_envelope(self, kind: str, payload: dict[str, Any]) -> str:
        envelope_id = f"env-{next(self._envelopes)}"
        body = {"envelope_id": envelope_id, "type": kind, "payload": payload, "accepts_response_payload": kind != "events_api"}
        if kind == "events_api":
            body["retry_attempt"], body["retry_reason"] = 0, ""
        live = [ws for ws in self._sockets if not ws.closed]
        if not live:
            raise AssertionError("fake Slack: no Socket Mode connection to deliver to")
        await live[-1].send_str(json.dumps(body))
        return envelope_id

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.connections += 1
        self._sockets.append(ws)
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "fake", "approximate_connection_time": 3600},
                    "connection_info": {"app_id": "A0APP"},
                }
            )
        )
        self.changed()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                data = json.loads(message.data)
                if "envelope_id" in data:
                    self.acks.add(data["envelope_id"])
                    self.changed()
        return ws

    # ----------------------------------------------------------------- Web API
    def _ok(self, **data: Any) -> web.Response:
        self.changed()
        return web.json_response({"ok": True, **data})

    def _error(self, error: str, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        self.changed()
        return web.json_response({"ok": False, "error": error}, status=status, headers=headers)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            for key, value in (await request.post()).items():
                params[key] = value
        for key in ("blocks", "files"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if self.down:
            raise web.HTTPServiceUnavailable()
        params = await self._params(request)
        self.calls.append((method, params))
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != expected:
            return self._error("invalid_auth")
        fault = self.take_fault(method)
        if fault is not None:
            if fault.status == 429:
                self.too_many += 1
                return self._error("ratelimited", 429, {"Retry-After": str(int(fault.retry_after))})
            if fault.status == 0:
                request.transport.close()  # type: ignore[union-attr]
                raise web.HTTPBadGateway()
            return self._error("internal_error", fault.status)
        limited = self._limit(method, params)
        if limited is not None:
            return limited
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return self._error("unknown_method", 404)
        return await handler(params)

    def _limit(self, method: str, params: dict[str, Any]) -> web.Response | None:
        if not self.limits:
            return None
        if method == "chat.postMessage":
            wait = self._post_windows.take(str(params.get("channel")))
        elif method == "chat.update":
            wait = self._update_windows.take("workspace")
        else:
            return None
        if wait is None:
            self.send_times.append((time.monotonic(), str(params.get("text", ""))[:40]))
            return None
        self.too_many += 1
        return self._error("ratelimited", 429, {"Retry-After": str(max(1, int(wait + 0.999)))})

    def _check(self, method: str, params: dict[str, Any]) -> str | None:
        text = str(params.get("text") or "")
        blocks = params.get("blocks") or []
        problem = None
        if not text.strip() and not blocks:
            problem = "no_text"
        elif len(text) > 40_000:
            problem = "msg_too_long"
        elif len(blocks) > 50:
            problem = "invalid_blocks: more than 50 blocks"
        action_ids: set[str] = set()
        for block in blocks:
            if block.get("type") == "section" and len(block["text"]["text"]) > 3000:
                problem = problem or "invalid_blocks: section text over 3000 characters"
            for element in block.get("elements", []):
                if element["action_id"] in action_ids:
                    problem = problem or "invalid_blocks: duplicate action_id"
                action_ids.add(element["action_id"])
                if len(element["text"]["text"]) > 75 or len(element.get("value", "")) > 2000:
                    problem = problem or "invalid_blocks: button text or value too long"
        if problem:
            self.rejected.append((method, problem))
            return problem
        for shown in [text] + [b["text"]["text"] for b in blocks if b.get("type") == "section"]:
            if (bad := mrkdwn_problem(shown)) is not None:
                self.rejected.append((method, f"{bad}: {shown[:120]!r}"))
        return None

    async def _m_auth_test(self, params: dict[str, Any]) -> web.Response:
        self.changed()
        return web.json_response(
            {
                "ok": True,
                "url": "https://agents.slack.com/",
                "team": "Agents",
                "user": "tether",
                "team_id": "T0TEAM",
                "user_id": "U0BOT",
                "bot_id": "B0BOT",
                "is_enterprise_install": False,
            },
            headers={"X-OAuth-Scopes": ",".join(self.scopes)},
        )

    async def _m_conversations_info(self, params: dict[str, Any]) -> web.Response:
        channel = str(params.get("channel", ""))
        if not channel.startswith(("C", "G")):
            return self._error("channel_not_found")
        return self._ok(
            channel={
                "id": channel,
                "name": "agents" if channel == self.channel else channel.lower(),
                "is_channel": channel.startswith("C"),
                "is_private": channel.startswith("G"),
                "is_member": channel in self.member_of,
            }
        )

    async def _m_apps_connections_open(self, params: dict[str, Any]) -> web.Response:
        return self._ok(url=f"ws://127.0.0.1:{self.port}/link/")

    async def _m_users_info(self, params: dict[str, Any]) -> web.Response:
        user = USERS.get(str(params.get("user")))
        if user is None:
            return self._error("user_not_found")
        return self._ok(
            user={
                "id": user["id"],
                "name": user["name"],
                "real_name": user["name"].title(),
                "profile": {"display_name": user["name"], "real_name": user["name"].title()},
            }
        )

    async def _m_chat_postMessage(self, params: dict[str, Any]) -> web.Response:
        if params.get("channel") != self.channel:
            return self._error("channel_not_found")
        problem = self._check("chat.postMessage", params)
        if problem:
            return self._error(problem)
        thread = params.get("thread_ts")
        if thread is not None and thread not in self.messages:
            return self._error("thread_not_found")
        ts = self._next_ts()
        self.messages[ts] = SlackMessage(ts, self.channel, thread, str(params.get("text") or ""), params.get("blocks") or [])
        return self._ok(channel=self.channel, ts=ts, message={"ts": ts, "text": params.get("text"), "bot_id": "B0BOT"})

    async def _m_chat_update(self, params: dict[str, Any]) -> web.Response:
        message = self.messages.get(str(params.get("ts")))
        if message is None or message.user is not None:
            return self._error("message_not_found" if message is None else "cant_update_message")
        problem = self._check("chat.update", params)
        if problem:
            return self._error(problem)
        message.text = str(params.get("text") or message.text)
        if "blocks" in params:
            message.blocks = params.get("blocks") or []
        message.edits += 1
        return self._ok(channel=self.channel, ts=message.ts, text=message.text)

    async def _m_chat_postEphemeral(self, params: dict[str, Any]) -> web.Response:
        self.ephemerals.append(params)
        return self._ok(message_ts=self._next_ts())

    async def _m_files_getUploadURLExternal(self, params: dict[str, Any]) -> web.Response:
        file_id = f"F{len(self._uploads) + 1:04d}"
        self._uploads[file_id] = b""
        return self._ok(upload_url=f"http://127.0.0.1:{self.port}/upload/{file_id}", file_id=file_id)

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        if file_id not in self._uploads:
            return web.Response(status=404)
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            part = next(iter(form.values()))
            self._uploads[file_id] = part.file.read() if hasattr(part, "file") else str(part).encode()
        else:
            self._uploads[file_id] = await request.read()
        return web.Response(text="OK - 1")

    async def _m_files_completeUploadExternal(self, params: dict[str, Any]) -> web.Response:
        files = params.get("files") or []
        for item in files:
            self.files.append(
                {
                    "id": item["id"],
                    "title": item.get("title"),
                    "content": self._uploads.get(item["id"], b""),
                    "channel": params.get("channel_id"),
                    "thread_ts": params.get("thread_ts"),
                    "comment": params.get("initial_comment"),
                }
            )
        return self._ok(files=[{"id": item["id"], "title": item.get("title")} for item in files])

    async def _respond(self, request: web.Request) -> web.Response:
        self.responses.append(await request.json())
        self.changed()
        return web.Response(text="ok")
