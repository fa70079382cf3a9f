"""slack-bolt wiring: Socket Mode in, Web API out. A session is a parent message in the channel
and a thread under it; approvals are Block Kit sections with button rows. Slack has no typing
indicator for bots in channels, so ``typing`` does nothing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bridges.inbound import Inbound
from bridges.markup import SlackMrkdwn
from bridges.pacing import RetryLater, Unreachable
from bridges.platform import Buttons, ChatUser
from bridges.textcommands import parse_text_command
from tether_tui.models import Via

log = logging.getLogger(__name__)

SECTION_LIMIT = 3000
BUTTON_TEXT_LIMIT = 75
ACTION_PREFIX = "tether-"
CONNECT_TIMEOUT = 30.0


REQUIRED_SCOPES = (("chat:write",), ("channels:history", "groups:history"), ("users:read",), ("files:write",))
"""The bot token's scopes: each tuple needs one of its members (public or private channels)."""


async def channel_problems(client: AsyncWebClient, chat: str, bot_name: str | None) -> list[str]:
    """The channel must be a channel with the app in it; each problem with its fix."""
    if not chat.startswith(("C", "G")):
        return ["This is not a channel: write the pairing message in the channel where the sessions should go."]
    try:
        info = (await client.conversations_info(channel=chat)).get("channel") or {}
    except Exception as exc:
        return [f"Slack did not describe channel {chat} ({exc}): check the channel id and the app's channels:read scope."]
    if not info.get("is_member"):
        return [f"The app is not in channel {chat}: write /invite @{bot_name or 'the app'} in it."]
    return []


class SlackPlatform:
    name = "slack"
    via = Via.SLACK
    markup = SlackMrkdwn()
    command_prefix = "!"

    def __init__(
        self,
        bot_token: str,
        app_token: str,
        channel_id: str,
        *,
        api_url: str | None,
        slash_command: str,
        inbound: Callable[[], Inbound | None],
    ) -> None:
        self.channel_id = channel_id
        self.slash_command = slash_command
        self._inbound = inbound
        self._names: dict[str, str] = {}
        self.client = AsyncWebClient(
            token=bot_token,
            base_url=api_url or AsyncWebClient.BASE_URL,
            timeout=30,
            # one quick retry inside the client; longer waits go back to the bridge's scheduler
            retry_handlers=[
                AsyncConnectionErrorRetryHandler(max_retry_count=2),
                AsyncRateLimitErrorRetryHandler(max_retry_count=1),
                AsyncServerErrorRetryHandler(max_retry_count=1),
            ],
        )
        self.app = AsyncApp(client=self.client, request_verification_enabled=False)
        self.app.action(re.compile(f"^{ACTION_PREFIX}"))(self._on_button)
        self.app.event("message")(self._on_message)
        self.app.command(slash_command)(self._on_slash_command)
        self.app.error(self._on_error)
        self.app_token = app_token
        self.handler = AsyncSocketModeHandler(self.app, app_token)
        self.bot_user_id: str | None = None
        self.bot_name: str | None = None

    # ----------------------------------------------------------------- lifecycle
    async def connect(self) -> None:
        with self._translated_errors():  # a refused token raises: retrying will not help
            auth = await self.client.auth_test()
        self.bot_user_id = auth.get("user_id")
        self.bot_name = auth.get("user")
        # the Socket Mode client retries a refused app token forever: check it here first
        with self._translated_errors():
            await self.client.apps_connections_open(app_token=self.app_token)
        self.handler = AsyncSocketModeHandler(self.app, self.app_token)  # a closed one cannot connect again
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                await self.handler.connect_async()
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            await self.handler.close_async()
            raise Unreachable(f"Slack Socket Mode: {exc}") from None

    async def disconnect(self) -> None:
        await self.handler.close_async()
        session = getattr(self.client, "session", None)
        if session is not None and not session.closed:
            await session.close()

    async def _on_error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error("Slack event failed: %s", error, exc_info=error)

    # ----------------------------------------------------------------- calls
    @staticmethod
    @contextlib.contextmanager
    def _translated_errors() -> Iterator[None]:
        """Slack's answers in the terms of the bridge's scheduler."""
        try:
            yield
        except SlackApiError as exc:
            status = exc.response.status_code
            if status == 429:
                headers = {key.lower(): value for key, value in exc.response.headers.items()}
                retry_after = headers.get("retry-after") or 1
                raise RetryLater(float(retry_after[0] if isinstance(retry_after, list) else retry_after)) from None
            if status >= 500:
                raise Unreachable(f"Slack API answered {status}") from None
            if exc.response.get("error") in ("message_not_found", "thread_not_found"):
                raise LookupError(exc.response.get("error")) from None
            raise
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise Unreachable(f"Slack API: {exc}") from None

    async def _call(self, method: str, **params: Any) -> dict[str, Any]:
        with self._translated_errors():
            response = await self.client.api_call(method, json=params)
        return response.data if isinstance(response.data, dict) else {}

    def _blocks(self, text: str, buttons: Buttons | None) -> list[dict[str, Any]] | None:
        if len(text) > SECTION_LIMIT:
            return None  # a long plain message (no buttons can ride on it)
        blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
        for row_index, row in enumerate(buttons or ()):
            blocks.append(
                {
                    "type": "actions",
                    "block_id": f"row-{row_index}",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": f"{ACTION_PREFIX}{row_index}-{index}",
                            "text": {"type": "plain_text", "text": label[:BUTTON_TEXT_LIMIT], "emoji": True},
                            "value": payload,
                        }
                        for index, (label, payload) in enumerate(row)
                    ],
                }
            )
        return blocks

    def thread_link(self, thread_id: str) -> str | None:
        return None  # a thread is a message; its permalink needs an API call of its own

    async def create_thread(self, title: str) -> str:
        response = await self._call("chat.postMessage", channel=self.channel_id, text=f"🧵 {self.markup.bold(title)}")
        return str(response["ts"])

    async def send(self, thread_id: str | None, text: str, buttons: Buttons | None = None) -> str:
        params: dict[str, Any] = {"channel": self.channel_id, "text": text, "unfurl_links": False, "unfurl_media": False}
        if thread_id is not None:
            params["thread_ts"] = thread_id
        blocks = self._blocks(text, buttons)
        if blocks is not None:
            params["blocks"] = blocks
        response = await self._call("chat.postMessage", **params)
        return str(response["ts"])

    async def edit(self, thread_id: str, message_id: str, text: str, buttons: Buttons | None = None) -> None:
        # blocks are always given: an update without them would keep the old buttons
        blocks = self._blocks(text, buttons) or []
        await self._call("chat.update", channel=self.channel_id, ts=message_id, text=text, blocks=blocks)

    async def send_file(self, thread_id: str, filename: str, data: bytes, caption: str) -> None:
        with self._translated_errors():
            await self.client.files_upload_v2(
                channel=self.channel_id,
                thread_ts=thread_id,
                content=data,
                filename=filename,
                title=filename,
                initial_comment=caption,
            )

    async def typing(self, thread_id: str) -> None:
        """Slack shows no typing indicator for bots in channels."""

    # ----------------------------------------------------------------- the chat
    def bind(self, chat: str) -> None:
        self.channel_id = chat

    async def chat_problems(self, chat: str) -> list[str]:
        return await channel_problems(self.client, chat, self.bot_name)

    async def ephemeral(self, user_id: str, text: str, thread_id: str | None) -> None:
        """A note only ``user_id`` sees (Slack's answer to a button press)."""
        params: dict[str, Any] = {"channel": self.channel_id, "user": user_id, "text": text}
        if thread_id:
            params["thread_ts"] = thread_id
        try:
            await self._call("chat.postEphemeral", **params)
        except Exception as exc:  # an answer that cannot be shown is not worth more
            log.info("Slack: could not show %s a note: %s", user_id, exc)

    # ----------------------------------------------------------------- updates
    async def _user(self, user_id: str) -> ChatUser:
        name = self._names.get(user_id)
        if name is None:
            try:
                info = (await self.client.users_info(user=user_id)).get("user") or {}
                profile = info.get("profile") or {}
                name = profile.get("display_name") or info.get("real_name") or info.get("name") or user_id
            except Exception as exc:
                log.info("Slack: no name for %s (%s)", user_id, exc)
                name = user_id
            self._names[user_id] = name
        return ChatUser(user_id, name)

    def _here(self, channel: str | None, what: str) -> Inbound | None:
        inbound = self._inbound()
        if inbound is None:
            return None
        if channel != self.channel_id:
            inbound.foreign_chat(str(channel), what)
            return None
        return inbound

    async def _on_button(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        user_id = (body.get("user") or {}).get("id", "")
        container = body.get("container") or {}
        inbound = self._here((body.get("channel") or {}).get("id") or container.get("channel_id"), "a button press")
        actions = body.get("actions") or []
        if inbound is None or not actions or not user_id:
            return
        answer = await inbound.button(await self._user(user_id), str(actions[0].get("value", "")))
        thread = container.get("thread_ts") or (body.get("message") or {}).get("thread_ts")
        await self.ephemeral(user_id, self.markup.escape(answer), thread)

    async def _pair_unbound(self, channel: str, user_id: str, text: str) -> str | None:
        """With no channel configured, a pairing message from any channel the app is in may
        make that channel the bridge's own; the answer, or None for anything else."""
        inbound = self._inbound()
        command = parse_text_command(text)
        if inbound is None:
            return None
        if command is None or command[0] != "pair":
            inbound.foreign_chat(channel, "a message (no channel is configured yet: only pair is heard)")
            return None
        return await inbound.pair(await self._user(user_id), command[1], binding=channel)

    async def _on_message(self, event: dict[str, Any]) -> None:
        if event.get("subtype") not in (None, "thread_broadcast") or event.get("bot_id") or not event.get("user"):
            return  # edits, joins, files, bots (ourselves included)
        if not self.channel_id:
            channel = str(event.get("channel") or "")
            answer = await self._pair_unbound(channel, str(event["user"]), str(event.get("text") or ""))
            if answer is not None:
                params: dict[str, Any] = {"channel": channel, "text": self.markup.escape(answer)}
                if event.get("thread_ts"):
                    params["thread_ts"] = event["thread_ts"]
                try:
                    await self._call("chat.postMessage", **params)
                except Exception as exc:
                    log.warning("Slack: could not answer the pairing message in %s: %s", channel, exc)
            return
        inbound = self._here(event.get("channel"), "a message")
        if inbound is None:
            return
        text = str(event.get("text") or "")
        thread = event.get("thread_ts")
        user = await self._user(str(event["user"]))
        command = parse_text_command(text)
        if command is not None:
            reply = await inbound.command(user, thread, *command)
            if reply is not None:
                inbound.reply_in(thread, reply)
        elif thread is not None:  # chat in the channel itself is nobody's input
            await inbound.text(user, thread, text, None)

    async def _on_slash_command(self, ack: Any, command: dict[str, Any], respond: Any) -> None:
        await ack()
        if not self.channel_id:
            text = f"!{str(command.get('text') or '').strip()}"
            answer = await self._pair_unbound(str(command.get("channel_id")), str(command.get("user_id")), text)
            await respond(self.markup.escape(answer or f"No channel is set up yet: write {self.slash_command} pair <code> in it."))
            return
        inbound = self._here(command.get("channel_id"), "a slash command")
        if inbound is None:
            await respond(f"Use {self.slash_command} in the agents' channel.")
            return
        name, _, args = str(command.get("text") or "help").strip().partition(" ")
        reply = await inbound.command(await self._user(str(command.get("user_id"))), None, name or "help", args.strip())
        if reply is not None:
            await respond(text=reply.text, blocks=self._blocks(reply.text, reply.buttons))
