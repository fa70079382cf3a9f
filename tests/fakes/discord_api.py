"""A fake Discord (REST v10 + gateway) on 127.0.0.1 for the real discord.py.

REST lives under ``/api/v10`` and the gateway at ``/gateway/`` (HELLO, IDENTIFY -> READY and
GUILD_CREATE, heartbeats, RESUME -> RESUMED). One guild with one text channel; threads, messages
with components, interaction callbacks, typing and files. Limits: 2,000 characters of content, 5
rows of 5 buttons, custom ids of 100 characters, labels of 80, and 5 messages per 5 s per channel
(answered with Discord's 429 body and headers). Answers are ``application/json`` exactly, as
discord.py needs. Tests push messages and button clicks, drop the gateway, and inject 429s.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.common import FakeServer, Windows

GUILD = 900000000000000001
CHANNEL = 900000000000000002
BOT = {"id": "900000000000000003", "username": "tether", "discriminator": "0", "global_name": "Tether", "avatar": None, "bot": True}
ALICE = {"id": "111111111111111111", "username": "alice", "discriminator": "0", "global_name": "Alice", "avatar": None}
MALLORY = {"id": "666666666666666666", "username": "mallory", "discriminator": "0", "global_name": "Mallory", "avatar": None}
STAMP = "2026-11-25T12:00:00.000000+00:00"
PUBLIC_THREAD = 11


@dataclass
class DiscordMessage:
    id: str
    channel_id: str
    content: str
    author: dict[str, Any]
    components: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    edits: int = 0

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [c for row in self.components for c in row.get("components", [])]

    def button(self, label_start: str) -> dict[str, Any]:
        for button in self.buttons:
            if button["label"].startswith(label_start):
                return button
        raise AssertionError(f"no button {label_start!r} in {[b['label'] for b in self.buttons]}")

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "channel_id": self.channel_id,
            "guild_id": str(GUILD),
            "author": self.author,
            "content": self.content,
            "timestamp": STAMP,
            "edited_timestamp": STAMP if self.edits else None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self.attachments,
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            "components": self.components,
        }


class FakeDiscord(FakeServer):
    name = "fake Discord"

    def __init__(self, *, limits: bool = True) -> None:
        super().__init__()
        self.token = "MTAwMDAwMDAwMDAwMDAwMDAz.Gfake.discord-bot-token-for-tests"
        self.limits = limits
        self.threads: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, DiscordMessage] = {}
        self.interaction_answers: dict[str, dict[str, Any]] = {}
        self.typing: list[str] = []
        self.requests: list[tuple[str, str, Any]] = []
        self.identifies = 0
        self.resumes = 0
        self._ids = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = 0
        self._channel_windows = Windows(5, 5.0)
        self.send_times: list[tuple[float, str]] = []
        self.app_flags = 1 << 19
        """The application's flags: GATEWAY_MESSAGE_CONTENT_LIMITED is what the portal's Message
        Content Intent switch gives a bot in fewer than 100 servers."""
        self.denied_in_channel = 0
        """Permission bits the channel's overwrites take from the bot."""

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/gateway/", self._gateway)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway/"

    def _id(self) -> str:
        return str(910000000000000000 + next(self._ids))

    # ----------------------------------------------------------------- test controls
    def bot_messages(self, channel_id: str | None = None) -> list[DiscordMessage]:
        return [m for m in self.messages.values() if m.author["id"] == BOT["id"] and (channel_id is None or m.channel_id == channel_id)]

    def bot_message(self, channel_id: str, content: str, components: list[dict[str, Any]]) -> DiscordMessage:
        """A message as the bot once sent it (from before a restart, say)."""
        message = DiscordMessage(self._id(), channel_id, content, BOT, components)
        self.messages[message.id] = message
        return message

    def thread_named(self, name: str) -> str | None:
        return next((tid for tid, t in self.threads.items() if name in t["name"]), None)

    async def push_message(self, content: str, *, channel_id: str | int = CHANNEL, user: dict[str, Any] = ALICE) -> DiscordMessage:
        message = DiscordMessage(self._id(), str(channel_id), content, user)
        self.messages[message.id] = message
        await self.dispatch("MESSAGE_CREATE", {**message.json(), "member": self._member(user)})
        return message

    async def click(self, message: DiscordMessage, button: dict[str, Any], *, user: dict[str, Any] = ALICE) -> str:
        interaction_id = self._id()
        channel = self.threads.get(message.channel_id) or self._channel()
        await self.dispatch(
            "INTERACTION_CREATE",
            {
                "id": interaction_id,
                "application_id": BOT["id"],
                "type": 3,
                "token": f"itoken-{interaction_id}",
                "version": 1,
                "guild_id": str(GUILD),
                "channel_id": message.channel_id,
                "channel": channel,
                "member": {**self._member(user), "permissions": "2248473465835073"},
                "message": message.json(),
                "data": {"custom_id": button["custom_id"], "component_type": 2},
                "app_permissions": "2248473465835073",
                "locale": "en-US",
                "guild_locale": "en-US",
                "attachment_size_limit": 10 * 1024 * 1024,
                "entitlements": [],
                "authorizing_integration_owners": {"0": str(GUILD)},
                "context": 0,
            },
        )
        return interaction_id

    async def answer_to(self, interaction_id: str, timeout: float = 10.0) -> str:
        answer = await self.wait_for(lambda: self.interaction_answers.get(interaction_id), timeout)
        return str(answer.get("data", {}).get("content", ""))

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close the gateway connection (Discord does this now and then); the client resumes."""
        sockets, self._sockets = self._sockets, []
        for ws in sockets:
            await ws.close(code=code)
        self.changed()

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        live = [ws for ws in self._sockets if not ws.closed]
        if not live:
            raise AssertionError("fake Discord: no gateway connection")
        self._seq += 1
        await live[-1].send_str(json.dumps({"op": 0, "t": event, "s": self._seq, "d": data}))

    # ----------------------------------------------------------------- gateway
    def _member(self, user: dict[str, Any]) -> dict[str, Any]:
        return {"user": user, "roles": [], "joined_at": STAMP, "deaf": False, "mute": False, "flags": 0}

    def _channel(self) -> dict[str, Any]:
        overwrites = [{"id": BOT["id"], "type": 1, "allow": "0", "deny": str(self.denied_in_channel)}] if self.denied_in_channel else []
        return {
            "id": str(CHANNEL),
            "type": 0,
            "guild_id": str(GUILD),
            "name": "agents",
            "position": 0,
            "permission_overwrites": overwrites,
            "parent_id": None,
            "topic": None,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    def _guild(self) -> dict[str, Any]:
        return {
            "id": str(GUILD),
            "name": "Agents",
            "icon": None,
            "owner_id": ALICE["id"],
            "unavailable": False,
            "roles": [
                {
                    "id": str(GUILD),
                    "name": "@everyone",
                    "permissions": "2248473465835073",
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
            ],
            "channels": [self._channel()],
            "threads": list(self.threads.values()),
            "members": [self._member(BOT)],
            "member_count": 3,
            "large": False,
            "features": [],
            "emojis": [],
            "stickers": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "joined_at": STAMP,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "system_channel_flags": 0,
            "afk_timeout": 300,
        }

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            payload = json.loads(message.data)
            op = payload.get("op")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2:
                self.identifies += 1
                await self.dispatch(
                    "READY",
                    {
                        "v": 10,
                        "user": BOT,
                        "guilds": [{"id": str(GUILD), "unavailable": True}],
                        "session_id": f"session-{self.identifies}",
                        "resume_gateway_url": self.gateway_url,
                        "application": {"id": BOT["id"], "flags": self.app_flags},
                        "private_channels": [],
                        "relationships": [],
                    },
                )
                await self.dispatch("GUILD_CREATE", self._guild())
            elif op == 6:
                self.resumes += 1
                await self.dispatch("RESUMED", {})
            self.changed()
        return ws

    # ----------------------------------------------------------------- REST
    def _json(self, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        self.changed()
        body = json.dumps(data).encode() if data is not None else b""
        return web.Response(body=body, status=status, headers={"Content-Type": "application/json", **(headers or {})})

    def _error(self, status: int, message: str, code: int) -> web.Response:
        return self._json({"message": message, "code": code}, status)

    def _too_many(self, retry_after: float) -> web.Response:
        self.too_many += 1
        return self._json(
            {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
            429,
            {
                "Retry-After": str(max(1, int(retry_after + 0.999))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                "X-RateLimit-Bucket": "channel-messages",
                "X-RateLimit-Scope": "user",
                "Via": "1.1 google",
            },  # without Via, discord.py takes it for a Cloudflare ban
        )

    async def _body(self, request: web.Request) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        if request.content_type.startswith("multipart/"):
            data: dict[str, Any] = {}
            files = []
            form = await request.post()
            for key, value in form.items():
                if key == "payload_json":
                    data = json.loads(str(value))
                elif hasattr(value, "file"):
                    files.append({"filename": value.filename, "content": value.file.read()})
            return data, files
        if request.can_read_body:
            text = await request.text()
            return (json.loads(text) if text else {}), []
        return {}, []

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        if self.down:
            raise web.HTTPServiceUnavailable()
        if request.headers.get("Authorization") != f"Bot {self.token}" and not request.path.startswith("/api/v10/interactions/"):
            return self._error(401, "401: Unauthorized", 0)
        path = "/" + request.match_info["path"]
        body, files = await self._body(request)
        self.requests.append((request.method, path, body))
        route = f"{request.method} {path}"
        fault = self.take_fault(request.method + " " + path.split("/")[1])
        if fault is not None:
            if fault.status == 429:
                return self._too_many(fault.retry_after)
            return self._error(fault.status, "Server error", 0)
        parts = path.strip("/").split("/")
        if route == "GET /users/@me":
            return self._json(BOT)
        if route == "GET /oauth2/applications/@me":
            return self._json(
                {
                    "id": BOT["id"],
                    "name": "Tether",
                    "icon": None,
                    "description": "",
                    "rpc_origins": [],
                    "bot_public": False,
                    "bot_require_code_grant": False,
                    "owner": ALICE,
                    "summary": "",
                    "verify_key": "00",
                    "flags": self.app_flags,
                    "team": None,
                }
            )
        if parts[0] == "channels" and len(parts) == 2 and request.method == "GET":
            channel = self.threads.get(parts[1]) or (self._channel() if parts[1] == str(CHANNEL) else None)
            return self._json(channel) if channel else self._error(404, "Unknown Channel", 10003)
        if parts[0] == "channels" and parts[2:] == ["threads"]:
            return self._create_thread(parts[1], body)
        if parts[0] == "channels" and parts[2:] == ["messages"] and request.method == "POST":
            return self._send(parts[1], body, files)
        if parts[0] == "channels" and len(parts) == 4 and parts[2] == "messages" and request.method == "PATCH":
            return self._edit(parts[1], parts[3], body)
        if parts[0] == "channels" and parts[2:] == ["typing"]:
            self.typing.append(parts[1])
            return self._json(None, 204)
        if parts[0] == "interactions" and parts[3:] == ["callback"]:
            self.interaction_answers[parts[1]] = body
            return self._json({"interaction": {"id": parts[1], "type": body.get("type", 4), "response_message_ephemeral": True}})
        return self._error(404, f"404: Not Found ({route})", 0)

    def _limit(self, channel_id: str, what: str) -> web.Response | None:
        if not self.limits:
            return None
        wait = self._channel_windows.take(channel_id)
        if wait is None:
            self.send_times.append((time.monotonic(), what[:40]))
            return None
        return self._too_many(wait)

    def _create_thread(self, channel_id: str, body: dict[str, Any]) -> web.Response:
        if channel_id != str(CHANNEL):
            return self._error(404, "Unknown Channel", 10003)
        if body.get("type") != PUBLIC_THREAD:
            self.rejected.append(("create thread", f"type {body.get('type')!r} is not a public thread"))
        name = str(body.get("name", ""))
        if not 1 <= len(name) <= 100:
            return self._error(400, "Invalid Form Body (name)", 50035)
        thread_id = self._id()
        self.threads[thread_id] = {
            "id": thread_id,
            "type": body.get("type", 12),
            "guild_id": str(GUILD),
            "parent_id": channel_id,
            "name": name,
            "owner_id": BOT["id"],
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "flags": 0,
            "last_message_id": None,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 1440),
                "archive_timestamp": STAMP,
                "locked": False,
            },
        }
        return self._json(self.threads[thread_id], 201)

    def _problem(self, body: dict[str, Any]) -> str | None:
        content = str(body.get("content") or "")
        if len(content) > 2000:
            return "content over 2000 characters"
        if content.count("```") % 2:
            return "an unclosed code block"
        rows = body.get("components") or []
        if len(rows) > 5 or any(len(row.get("components", [])) > 5 for row in rows):
            return "more than 5 rows or 5 buttons in a row"
        for row in rows:
            for button in row.get("components", []):
                if len(button.get("custom_id", "")) > 100 or len(button.get("label", "")) > 80:
                    return "custom_id or label too long"
        if body.get("allowed_mentions", {}).get("parse") not in ([], None) or "allowed_mentions" not in body:
            return "mentions are not switched off"
        return None

    def _send(self, channel_id: str, body: dict[str, Any], files: list[dict[str, Any]]) -> web.Response:
        if channel_id != str(CHANNEL) and channel_id not in self.threads:
            return self._error(404, "Unknown Channel", 10003)
        problem = self._problem(body)
        if problem:
            self.rejected.append(("send", problem))
            if "2000" in problem:
                return self._error(400, "Invalid Form Body (content)", 50035)
        if (limited := self._limit(channel_id, str(body.get("content")))) is not None:
            return limited
        message = DiscordMessage(
            self._id(),
            channel_id,
            str(body.get("content") or ""),
            BOT,
            body.get("components") or [],
            [
                {
                    "id": self._id(),
                    "filename": f["filename"],
                    "size": len(f["content"]),
                    "url": "",
                    "proxy_url": "",
                    "content": f["content"].decode(errors="replace"),
                }
                for f in files
            ],
        )
        self.messages[message.id] = message
        return self._json(message.json())

    def _edit(self, channel_id: str, message_id: str, body: dict[str, Any]) -> web.Response:
        message = self.messages.get(message_id)
        if message is None or message.channel_id != channel_id:
            return self._error(404, "Unknown Message", 10008)
        problem = self._problem({**body, "allowed_mentions": {"parse": []}})
        if problem:
            self.rejected.append(("edit", problem))
        if (limited := self._limit(channel_id, str(body.get("content")))) is not None:
            return limited
        if "content" in body:
            message.content = str(body["content"])
        if "components" in body:
            message.components = body["components"] or []
        message.edits += 1
        return self._json(message.json())
