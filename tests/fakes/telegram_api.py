"""A fake Telegram Bot API on 127.0.0.1 for the real python-telegram-bot.

It keeps chats, forum topics and messages, serves getUpdates as a long poll, and enforces the
limits that matter: about 1 message per second per chat (small burst), 20 per minute per group,
30 per second overall, 4096 characters of text, 1-64 bytes of callback_data, and valid HTML.
Tests push user messages and button presses, and can inject 429s, 5xx and dropped connections.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import time
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

from tests.fakes.common import FakeServer

ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler", "blockquote", "span"}
LIMITED = {"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendDocument", "createForumTopic"}


class HtmlCheck(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.error: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = self.error or f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = self.error or f'Can\'t find end tag corresponding to start tag "{tag}"'
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(text: str) -> tuple[str | None, str]:
    """(error or None, visible text). Stray '<' or '&' without an entity is an error, as in Telegram."""
    checker = HtmlCheck()
    checker.feed(text)
    checker.close()
    if checker.stack:
        checker.error = checker.error or f'Can\'t find end tag corresponding to start tag "{checker.stack[-1]}"'
    for match in re.finditer(r"&[^;\s]*;?", text):
        entity = match.group(0)
        if not entity.endswith(";") or html.unescape(entity) == entity:
            checker.error = checker.error or f"Unsupported entity {entity!r}"
            break
    return checker.error, "".join(checker.text)


@dataclass
class Message:
    message_id: int
    chat_id: int
    thread_id: int | None
    text: str
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    document: dict[str, Any] | None = None
    edits: int = 0
    from_bot: bool = True


@dataclass
class Group:
    """A group the bot is in, as getChat and getChatMember describe it."""

    title: str = "agents"
    forum: bool = True
    bot_admin: bool = True
    manage_topics: bool = True


@dataclass
class Limits:
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    per_group_per_minute: int = 20
    overall_per_second: int = 30


@dataclass
class FakeTelegram(FakeServer):
    token: str = "123456789:TEST-token-abcdefghijklmnopqrstuvwxyz"
    group_id: int = -1001234567890
    limits: Limits | None = field(default_factory=Limits)
    bot_id: int = 4242
    messages: dict[int, Message] = field(default_factory=dict)
    topics: dict[int, str] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    groups: dict[int, Group] = field(default_factory=dict)
    polled_elsewhere: bool = False
    """Another program polls this bot: getUpdates answers 409 Conflict, as Telegram does."""
    """Groups besides ``group_id`` (which is a forum with the bot an admin that manages topics)."""

    name = "fake Telegram"

    def __post_init__(self) -> None:
        FakeServer.__init__(self)
        self.groups.setdefault(self.group_id, Group())
        self._updates: deque[dict[str, Any]] = deque()
        self._update_id = 0
        self._message_id = 0
        self._thread_id = 100
        self._new_update = asyncio.Event()
        self._chat_tokens: dict[int, tuple[float, float]] = {}
        self._group_sends: dict[int, deque[float]] = {}
        self._overall: deque[float] = deque()
        self._closing = False
        self.send_times: list[tuple[float, str]] = []

    # ----------------------------------------------------------------- lifecycle
    def routes(self, app: web.Application) -> None:
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)

    async def stop(self) -> None:
        self._closing = True
        self._new_update.set()
        await super().stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ----------------------------------------------------------------- test controls
    def user(self, user_id: int = 1001, username: str = "alice") -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": username.title(), "username": username}

    def push_text(
        self,
        text: str,
        *,
        thread_id: int | None,
        user: dict[str, Any] | None = None,
        chat_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        self._message_id += 1
        chat = chat_id if chat_id is not None else self.group_id
        message: dict[str, Any] = {
            "message_id": self._message_id,
            "date": int(time.time()),
            "chat": self._chat_json(chat),
            "from": user or self.user(),
            "text": text,
        }
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if reply_to is not None and reply_to in self.messages:
            replied = self.messages[reply_to]
            message["reply_to_message"] = self._message_json(replied)
        self.messages[self._message_id] = Message(self._message_id, chat, thread_id, text, from_bot=False)
        self._push({"message": message})
        return self._message_id

    def push_callback(self, message_id: int, data: str, user: dict[str, Any] | None = None) -> str:
        message = self.messages[message_id]
        query_id = f"cb{self._update_id + 1}"
        self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user or self.user(),
                    "chat_instance": "ci-1",
                    "data": data,
                    "message": self._message_json(message),
                }
            }
        )
        return query_id

    def _push(self, update: dict[str, Any]) -> None:
        self._update_id += 1
        self._updates.append({"update_id": self._update_id, **update})
        self._new_update.set()

    def bot_messages(self, thread_id: int | None = None) -> list[Message]:
        return [m for m in self.messages.values() if m.from_bot and (thread_id is None or m.thread_id == thread_id)]

    def answers(self, query_id: str) -> list[dict[str, Any]]:
        return [params for method, params in self.calls if method == "answerCallbackQuery" and params.get("callback_query_id") == query_id]

    # ----------------------------------------------------------------- HTTP
    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                if hasattr(value, "file"):
                    params[key] = {"filename": value.filename, "content": value.file.read()}
                else:
                    params[key] = value
        decoded: dict[str, Any] = {}
        for key, value in params.items():
            if isinstance(value, str):
                try:
                    decoded[key] = json.loads(value) if key not in ("text", "caption", "name") else value
                except json.JSONDecodeError:
                    decoded[key] = value
            else:
                decoded[key] = value
        return decoded

    def _ok(self, result: Any) -> web.Response:
        self.changed()
        return web.json_response({"ok": True, "result": result})

    def _error(self, code: int, description: str, retry_after: int | None = None) -> web.Response:
        payload: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if retry_after is not None:
            payload["parameters"] = {"retry_after": retry_after}
        self.changed()
        return web.json_response(payload, status=code)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        if self.down and method != "getUpdates":
            raise web.HTTPServiceUnavailable()
        if self.down:
            await asyncio.sleep(0.2)
            raise web.HTTPBadGateway()
        params = await self._params(request)
        self.calls.append((method, params))
        fault = self.take_fault(method)
        if fault is not None:
            if fault.status == 429:
                self.too_many += 1
                retry_after = int(fault.retry_after)
                return self._error(429, f"Too Many Requests: retry after {retry_after}", retry_after)
            if fault.status == 0:
                request.transport.close()  # type: ignore[union-attr]
                raise web.HTTPBadGateway()
            return self._error(fault.status, "Internal Server Error")
        if method in LIMITED and (limited := self._limit(params)) is not None:
            return limited
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return self._error(404, "Not Found: method not found")
        return await handler(params)

    def _limit(self, params: dict[str, Any]) -> web.Response | None:
        if self.limits is None:
            return None
        now = time.monotonic()
        chat = int(params.get("chat_id", 0) or 0)
        while self._overall and now - self._overall[0] > 1.0:
            self._overall.popleft()
        tokens, stamp = self._chat_tokens.get(chat, (float(self.limits.per_chat_burst), now))
        tokens = min(float(self.limits.per_chat_burst), tokens + (now - stamp) * self.limits.per_chat_per_second)
        window = self._group_sends.setdefault(chat, deque())
        while window and now - window[0] > 60.0:
            window.popleft()
        over_group = chat < 0 and len(window) >= self.limits.per_group_per_minute
        if tokens < 1.0 or over_group or len(self._overall) >= self.limits.overall_per_second:
            self.too_many += 1
            retry = int(60 - (now - window[0])) + 1 if over_group else 1
            self._chat_tokens[chat] = (tokens, now)
            return self._error(429, f"Too Many Requests: retry after {retry}", retry)
        self._chat_tokens[chat] = (tokens - 1.0, now)
        window.append(now)
        self._overall.append(now)
        self.send_times.append((now, str(params.get("text", ""))[:40]))
        return None

    def _check_text(self, text: str, parse_mode: str | None) -> str | None:
        visible = text
        if parse_mode == "HTML":
            error, visible = parse_html(text)
            if error:
                return f"Bad Request: can't parse entities: {error}"
        if not visible.strip():
            return "Bad Request: message text is empty"
        if len(visible) > 4096:
            return "Bad Request: message is too long"
        return None

    def _check_markup(self, markup: Any) -> str | None:
        if not markup:
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    return "Bad Request: BUTTON_DATA_INVALID"
        return None

    def _message_json(self, message: Message) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "date": int(time.time()),
            "chat": self._chat_json(message.chat_id),
            "text": message.text,
        }
        if message.from_bot:
            data["from"] = {"id": self.bot_id, "is_bot": True, "first_name": "Tether", "username": "tether_bot"}
        if message.thread_id is not None:
            data["message_thread_id"] = message.thread_id
            data["is_topic_message"] = True
        if message.reply_markup:
            data["reply_markup"] = message.reply_markup
        return data

    def _chat_json(self, chat_id: int) -> dict[str, Any]:
        group = self.groups.get(chat_id) or (Group() if chat_id < 0 else None)
        if group is None:
            return {"id": chat_id, "type": "private", "first_name": "Alice"}
        return {"id": chat_id, "type": "supergroup", "title": group.title, "is_forum": group.forum}

    # ----------------------------------------------------------------- methods
    async def _m_getChat(self, params: dict[str, Any]) -> web.Response:
        chat_id = int(params.get("chat_id", 0))
        if chat_id < 0 and chat_id not in self.groups:
            return self._error(400, "Bad Request: chat not found")
        return self._ok(
            {
                **self._chat_json(chat_id),
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )

    async def _m_getChatMember(self, params: dict[str, Any]) -> web.Response:
        chat_id, user_id = int(params.get("chat_id", 0)), int(params.get("user_id", 0))
        group = self.groups.get(chat_id)
        if group is None:
            return self._error(400, "Bad Request: chat not found")
        if user_id == self.bot_id:
            user = {"id": self.bot_id, "is_bot": True, "first_name": "Tether", "username": "tether_bot"}
        else:
            user = self.user(user_id, f"user{user_id}")
        if user_id != self.bot_id or not group.bot_admin:
            return self._ok({"status": "member", "user": user})
        rights = dict.fromkeys(
            (
                "can_be_edited",
                "is_anonymous",
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_promote_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
                "can_pin_messages",
            ),
            False,
        )
        rights.update(can_manage_chat=True, can_delete_messages=True, can_invite_users=True)
        return self._ok({"status": "administrator", "user": user, **rights, "can_manage_topics": group.manage_topics})

    async def _m_getMe(self, params: dict[str, Any]) -> web.Response:
        return self._ok(
            {
                "id": self.bot_id,
                "is_bot": True,
                "first_name": "Tether",
                "username": "tether_bot",
                "can_join_groups": True,
                "can_read_all_group_messages": True,
                "supports_inline_queries": False,
            }
        )

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> web.Response:
        return self._ok(True)

    async def _m_setMyCommands(self, params: dict[str, Any]) -> web.Response:
        return self._ok(True)

    async def _m_getUpdates(self, params: dict[str, Any]) -> web.Response:
        if self.polled_elsewhere:
            return self._error(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
        offset = int(params.get("offset") or 0)
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        while not self._updates and time.monotonic() < deadline and not self._closing:
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                break
        return self._ok(list(self._updates))

    async def _m_createForumTopic(self, params: dict[str, Any]) -> web.Response:
        name = str(params.get("name", ""))
        if not 1 <= len(name) <= 128:
            return self._error(400, "Bad Request: TOPIC_NAME_INVALID")
        self._thread_id += 1
        self.topics[self._thread_id] = name
        return self._ok({"message_thread_id": self._thread_id, "name": name, "icon_color": 7322096})

    async def _m_sendMessage(self, params: dict[str, Any]) -> web.Response:
        text = str(params.get("text", ""))
        problem = self._check_text(text, params.get("parse_mode")) or self._check_markup(params.get("reply_markup"))
        if problem:
            self.rejected.append(("sendMessage", problem))
            return self._error(400, problem)
        thread = params.get("message_thread_id")
        if thread is not None and int(thread) not in self.topics:
            return self._error(400, "Bad Request: message thread not found")
        self._message_id += 1
        message = Message(
            self._message_id,
            int(params["chat_id"]),
            int(thread) if thread is not None else None,
            text,
            params.get("parse_mode"),
            params.get("reply_markup"),
        )
        self.messages[message.message_id] = message
        return self._ok(self._message_json(message))

    async def _m_editMessageText(self, params: dict[str, Any]) -> web.Response:
        message = self.messages.get(int(params.get("message_id", 0)))
        if message is None:
            return self._error(400, "Bad Request: message to edit not found")
        text = str(params.get("text", ""))
        problem = self._check_text(text, params.get("parse_mode")) or self._check_markup(params.get("reply_markup"))
        if problem:
            self.rejected.append(("editMessageText", problem))
            return self._error(400, problem)
        if text == message.text and params.get("reply_markup") == message.reply_markup:
            return self._error(400, "Bad Request: message is not modified")
        message.text, message.parse_mode, message.reply_markup = text, params.get("parse_mode"), params.get("reply_markup")
        message.edits += 1
        return self._ok(self._message_json(message))

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> web.Response:
        message = self.messages.get(int(params.get("message_id", 0)))
        if message is None:
            return self._error(400, "Bad Request: message to edit not found")
        message.reply_markup = params.get("reply_markup")
        return self._ok(self._message_json(message))

    async def _m_sendDocument(self, params: dict[str, Any]) -> web.Response:
        document = params.get("document")
        self._message_id += 1
        thread = params.get("message_thread_id")
        message = Message(
            self._message_id,
            int(params["chat_id"]),
            int(thread) if thread is not None else None,
            str(params.get("caption", "")),
            document=document if isinstance(document, dict) else None,
        )
        self.messages[message.message_id] = message
        data = self._message_json(message)
        data["document"] = {
            "file_id": f"f{message.message_id}",
            "file_unique_id": f"u{message.message_id}",
            "file_name": (document or {}).get("filename", "log.txt") if isinstance(document, dict) else "log.txt",
        }
        return self._ok(data)

    async def _m_sendChatAction(self, params: dict[str, Any]) -> web.Response:
        return self._ok(True)

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> web.Response:
        return self._ok(True)
