"""discord.py wiring: a public thread per session under the control channel, buttons that keep
working after a restart (their custom ids carry the payload and a dynamic item matches them),
commands written as ``!name``."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any, Literal

import aiohttp
import discord
import yarl

from bridges.inbound import Inbound
from bridges.markup import DiscordMarkdown
from bridges.pacing import RetryLater, Unreachable
from bridges.platform import Buttons, ChatUser
from bridges.textcommands import parse_text_command
from tether_tui.models import Via

log = logging.getLogger(__name__)

CUSTOM_ID_PREFIX = "tether:"
LABEL_LIMIT = 80
READY_TIMEOUT = 60.0
ARCHIVE_AFTER_MINUTES: Literal[10080] = 10080  # a week: a session's thread stays in the list while it matters
NEEDED_PERMISSIONS = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("read_message_history", "Read Message History"),
    ("create_public_threads", "Create Public Threads"),
    ("send_messages_in_threads", "Send Messages in Threads"),
    ("attach_files", "Attach Files"),
)
"""What the bot needs in the control channel, as the channel settings name it."""


class TetherClient(discord.Client):
    """A Client that knows the platform its button presses go to."""

    platform: DiscordPlatform


class TetherButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=re.escape(CUSTOM_ID_PREFIX) + r"(?P<payload>.+)"):
    def __init__(self, payload: str, label: str = "…") -> None:
        super().__init__(discord.ui.Button(label=label[:LABEL_LIMIT], custom_id=CUSTOM_ID_PREFIX + payload))
        self.payload = payload

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> TetherButton:
        return cls(match["payload"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        client = interaction.client
        if isinstance(client, TetherClient):
            await client.platform.on_button(interaction, self.payload)


class DiscordPlatform:
    name = "discord"
    via = Via.DISCORD
    markup = DiscordMarkdown()
    command_prefix = "!"

    def __init__(
        self,
        token: str,
        channel_id: int,
        *,
        api_url: str | None,
        gateway_url: str | None,
        inbound: Callable[[], Inbound | None],
        on_health: Callable[[bool, str | None], None] = lambda _ok, _why: None,
        ready_timeout: float = READY_TIMEOUT,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        if api_url:
            discord.http.Route.BASE = api_url.rstrip("/")
        if gateway_url:
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
        self.token = token
        self.channel_id = channel_id
        self._inbound = inbound
        self._on_health = on_health
        self.ready_timeout = ready_timeout
        # text only: no warnings at start-up about the voice libraries
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        self.guild_ready_timeout = guild_ready_timeout
        self.client = self._new_client()
        self._runner: asyncio.Task[None] | None = None
        self._closing = False

    def _new_client(self) -> TetherClient:
        """A Client that has been closed cannot log in again: each attempt gets a new one."""
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_messages = True
        intents.message_content = True  # privileged: switch it on for the bot in the developer portal
        client = TetherClient(
            intents=intents,
            guild_ready_timeout=self.guild_ready_timeout,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        client.platform = self
        client.add_dynamic_items(TetherButton)
        client.event(self.on_message)
        return client

    # ----------------------------------------------------------------- lifecycle
    async def connect(self) -> None:
        self._closing = False
        try:
            await self.client.login(self.token)
        except discord.LoginFailure:
            raise  # a refused token: retrying will not help
        except (TimeoutError, aiohttp.ClientError, discord.HTTPException, OSError) as exc:
            await self.client.close()
            self.client = self._new_client()
            raise Unreachable(f"Discord API: {exc}") from None
        self._runner = asyncio.create_task(self.client.connect(reconnect=True), name="discord gateway")
        self._runner.add_done_callback(self._gateway_ended)
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait({ready, self._runner}, timeout=self.ready_timeout, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            failure = self._runner.exception() if self._runner in done else None
            await self.disconnect()
            self.client = self._new_client()
            if isinstance(failure, (discord.LoginFailure, discord.PrivilegedIntentsRequired)):
                raise failure
            raise Unreachable(f"Discord gateway: {failure or 'not ready in time'}")

    def _gateway_ended(self, task: asyncio.Task[None]) -> None:
        """discord.py reconnects by itself; if its gateway loop still ends, say so loudly."""
        if self._closing or task.cancelled():
            return
        error = task.exception()
        log.error("Discord gateway stopped: %r", error, exc_info=error)
        self._on_health(False, f"gateway stopped: {error!r}")

    async def disconnect(self) -> None:
        self._closing = True
        await self.client.close()
        if self._runner is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._runner, 10)
            self._runner = None

    # ----------------------------------------------------------------- calls
    @staticmethod
    @contextlib.contextmanager
    def _translated_errors() -> Iterator[None]:
        """discord.py waits out 429s itself; what is left, in the scheduler's terms."""
        try:
            yield
        except discord.NotFound as exc:
            raise LookupError(str(exc)) from None
        except discord.RateLimited as exc:
            raise RetryLater(exc.retry_after) from None
        except discord.DiscordServerError as exc:
            raise Unreachable(f"Discord answered {exc.status}") from None
        except discord.HTTPException as exc:
            if exc.status == 429:  # one discord.py did not wait out itself (a Cloudflare limit)
                raise RetryLater(60.0) from None
            raise
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise Unreachable(f"Discord API: {exc}") from None

    def _target(self, thread_id: str | None) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(int(thread_id) if thread_id is not None else self.channel_id)

    @staticmethod
    def _view(buttons: Buttons | None) -> discord.ui.View | None:
        if not buttons:
            return None
        view = discord.ui.View(timeout=None)
        for row_index, row in enumerate(buttons[:5]):
            for label, payload in row[:5]:
                button = TetherButton(payload, label)
                button.item.row = row_index
                view.add_item(button)
        return view

    def thread_link(self, thread_id: str) -> str | None:
        return f"<#{int(thread_id)}>"  # a channel mention: a link to the thread, pinging nobody

    async def create_thread(self, title: str) -> str:
        channel = self.client.get_channel(self.channel_id)
        with self._translated_errors():
            if not isinstance(channel, discord.TextChannel):
                channel = await self.client.fetch_channel(self.channel_id)
            if not isinstance(channel, discord.TextChannel):
                raise RuntimeError(f"Discord channel {self.channel_id} is not a text channel")
            thread = await channel.create_thread(
                name=title[:100],
                type=discord.ChannelType.public_thread,
                auto_archive_duration=ARCHIVE_AFTER_MINUTES,
            )
        return str(thread.id)

    async def send(self, thread_id: str | None, text: str, buttons: Buttons | None = None) -> str:
        view = self._view(buttons)
        with self._translated_errors():
            message = await self._target(thread_id).send(
                content=text,
                view=view or discord.utils.MISSING,
                suppress_embeds=True,
            )
        self._forget(view)
        return str(message.id)

    async def edit(self, thread_id: str, message_id: str, text: str, buttons: Buttons | None = None) -> None:
        message = self._target(thread_id).get_partial_message(int(message_id))
        view = self._view(buttons)
        with self._translated_errors():
            await message.edit(content=text, view=view)
        self._forget(view)

    @staticmethod
    def _forget(view: discord.ui.View | None) -> None:
        """Presses reach TetherButton's dynamic item, by custom id, whether or not this process
        sent the message; a view kept in memory as well would handle each press twice."""
        if view is not None:
            view.stop()

    async def send_file(self, thread_id: str, filename: str, data: bytes, caption: str) -> None:
        with self._translated_errors():
            await self._target(thread_id).send(content=caption[:1900], file=discord.File(io.BytesIO(data), filename=filename))

    async def typing(self, thread_id: str) -> None:
        with self._translated_errors():
            await self._target(thread_id).typing()

    # ----------------------------------------------------------------- the chat
    def bind(self, chat: str) -> None:
        self.channel_id = int(chat)

    async def chat_problems(self, chat: str) -> list[str]:
        channel = self.client.get_channel(int(chat))
        if not isinstance(channel, discord.TextChannel):
            return ["This is not a text channel: write the pairing message in the text channel where the sessions should go."]
        allowed = channel.permissions_for(channel.guild.me)
        missing = [label for attribute, label in NEEDED_PERMISSIONS if not getattr(allowed, attribute)]
        if missing:
            return [f"The bot lacks {', '.join(missing)} in #{channel.name}: allow it in the channel's settings, Permissions."]
        return []

    # ----------------------------------------------------------------- updates
    def _where(self, channel_id: int | None) -> tuple[Inbound, str | None] | None:
        """(inbound, thread id or None for the control channel), or None for anywhere else."""
        inbound = self._inbound()
        if inbound is None or channel_id is None:
            return None
        if channel_id == self.channel_id:
            return inbound, None
        if inbound.mirror.session_of(str(channel_id)) is not None:
            return inbound, str(channel_id)
        return None

    @staticmethod
    def _user(user: discord.abc.User) -> ChatUser:
        return ChatUser(str(user.id), user.name)

    async def on_button(self, interaction: discord.Interaction[Any], payload: str) -> None:
        where = self._where(interaction.channel_id)
        inbound = self._inbound()
        if where is None:
            if inbound is not None:
                inbound.foreign_chat(str(interaction.channel_id), "a button press")
            answer = "This button does not belong here."
        else:
            answer = await where[0].button(self._user(interaction.user), payload)
        with contextlib.suppress(discord.HTTPException):
            await interaction.response.send_message(answer[:1900], ephemeral=True)

    async def _pair_unbound(self, message: discord.Message, command: tuple[str, str] | None) -> None:
        """With no channel configured, a pairing message from any channel the bot sees may make
        that channel the bridge's own; everything else waits for that."""
        inbound = self._inbound()
        if inbound is None or command is None:
            return
        if command[0] != "pair":
            inbound.foreign_chat(str(message.channel.id), f"!{command[0]} (no channel is configured yet: only !pair is heard)")
            return
        if message.guild is None:
            answer = "Write !pair with the code in the server channel where the sessions should go."
        else:
            answer = await inbound.pair(self._user(message.author), command[1], binding=str(message.channel.id))
        try:
            with self._translated_errors():
                await message.channel.send(answer[:1900])
        except Exception as exc:
            log.warning("Discord: could not answer the pairing message in %s: %s", message.channel.id, exc)

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id is not None:
            return
        command = parse_text_command(message.content)
        if not self.channel_id:
            await self._pair_unbound(message, command)
            return
        where = self._where(message.channel.id)
        if where is None:
            inbound = self._inbound()
            if command is not None and inbound is not None:  # chat elsewhere in the server is not ours to log
                inbound.foreign_chat(str(message.channel.id), f"!{command[0]}")
            return
        inbound, thread = where
        user = self._user(message.author)
        if command is not None:
            reply = await inbound.command(user, thread, *command)
            if reply is not None:
                inbound.reply_in(thread, reply)
        elif thread is not None:
            reference = message.reference.message_id if message.reference is not None else None
            await inbound.text(user, thread, message.content, str(reference) if reference else None)
