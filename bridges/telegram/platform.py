"""python-telegram-bot wiring: the Bot API calls the shared bridge code needs, and the updates
it gets back, checked for the configured group before anything happens."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatAction, ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, Conflict, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bridges.markup import TelegramHtml
from bridges.pacing import RetryLater, Unreachable
from bridges.platform import Buttons, ChatUser
from bridges.textcommands import parse_text_command
from tether_tui.models import Via

if TYPE_CHECKING:
    from bridges.inbound import Inbound

log = logging.getLogger(__name__)
T = TypeVar("T")


CONFLICT_REASON = (
    "another program is reading this bot's updates (a second tether-tui on another machine or terminal?): "
    "polling stopped here; stop the other one, then switch Telegram off and on in the config (or restart)"
)


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def group_problems(bot: Bot, chat: int) -> list[str]:
    """The group must be a forum (a topic per session) and the bot an admin that may manage
    topics; each problem names the switch to flip."""
    try:
        info = await bot.get_chat(chat)
        member = await bot.get_chat_member(chat, bot.id)
    except Exception as exc:  # an answer the library cannot read is no reason to bind
        log.warning("Telegram: could not check chat %s: %r", chat, exc)
        return [f"Telegram did not say what this group allows ({exc}); is the bot in the group?"]
    problems = []
    if info.type != ChatType.SUPERGROUP or not info.is_forum:
        problems.append("This group has no topics: in the group's settings (Edit), switch Topics on.")
    if member.status != ChatMemberStatus.ADMINISTRATOR:
        problems.append(
            "The bot is not an admin here: in the group's settings open Administrators, Add Admin, "
            "choose the bot and keep Manage Topics on."
        )
    elif not getattr(member, "can_manage_topics", False):
        problems.append("The bot may not manage topics: in Administrators, open the bot and switch Manage Topics on.")
    return problems


class TelegramPlatform:
    name = "telegram"
    via = Via.TELEGRAM
    markup = TelegramHtml()
    command_prefix = "/"

    def __init__(
        self,
        token: str,
        chat_id: int,
        *,
        base_url: str | None,
        base_file_url: str | None,
        poll_timeout: float,
        inbound: Callable[[], Inbound | None],
        on_halt: Callable[[str], None] = lambda _why: None,
    ) -> None:
        """``on_halt`` is told why updates stopped for good (another program polls the bot)."""
        self.chat_id = chat_id
        self._on_halt = on_halt
        self._halting: asyncio.Task[None] | None = None
        self.poll_timeout = poll_timeout
        self._inbound = inbound
        builder = (
            Application.builder()
            .token(token)
            .rate_limiter(AIORateLimiter(max_retries=5))
            .request(HTTPXRequest(connection_pool_size=16, connect_timeout=10, read_timeout=30, write_timeout=30))
            .get_updates_request(HTTPXRequest(connect_timeout=10, read_timeout=poll_timeout + 10))
        )
        if base_url:
            builder = builder.base_url(base_url)
        if base_file_url:
            builder = builder.base_file_url(base_file_url)
        self.app = builder.build()
        # Chat actions bypass the rate limiter: they are cheap for Telegram, but inside PTB's
        # limiter they would fill the group's bucket and slow every message behind them.
        self._actions = Bot(
            token, base_url=base_url or "https://api.telegram.org/bot", request=HTTPXRequest(connect_timeout=10, read_timeout=10)
        )
        self.app.add_handler(CallbackQueryHandler(self._on_button))
        self.app.add_handler(MessageHandler(filters.COMMAND, self._on_command))
        self.app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self._on_text))
        self.app.add_error_handler(self._on_error)

    # ----------------------------------------------------------------- lifecycle
    async def connect(self) -> None:
        try:
            await self.app.initialize()
            await self._actions.initialize()
        except BadRequest:
            raise
        except NetworkError as exc:
            raise Unreachable(str(exc)) from None
        await self.app.start()
        assert self.app.updater is not None
        await self.app.updater.start_polling(poll_interval=0.0, timeout=int(self.poll_timeout), error_callback=self._polling_error)

    async def disconnect(self) -> None:
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        await self._actions.shutdown()

    def _polling_error(self, error: TelegramError) -> None:
        if isinstance(error, Conflict):
            if self._halting is None:
                why = CONFLICT_REASON
                log.error("Telegram: %s (%s)", why, error.message)
                self._on_halt(why)
                self._halting = asyncio.create_task(self._stop_polling(), name="telegram: stop polling")
            return
        log.warning("Telegram polling: %s", error)

    async def _stop_polling(self) -> None:
        """Stop asking for updates: two programs polling one bot only take turns failing."""
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("Telegram update failed: %s", context.error, exc_info=context.error)

    # ----------------------------------------------------------------- calls
    async def _call(self, call: Awaitable[T]) -> T:
        try:
            return await call
        except RetryAfter as exc:
            raise RetryLater(_seconds(exc.retry_after)) from None
        except BadRequest:
            raise
        except NetworkError as exc:
            raise Unreachable(str(exc)) from None

    @staticmethod
    def _keyboard(buttons: Buttons | None) -> InlineKeyboardMarkup | None:
        if not buttons:
            return None
        return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in buttons])

    def thread_link(self, thread_id: str) -> str | None:
        chat = str(self.chat_id)
        if not chat.startswith("-100"):
            return None
        return f'<a href="https://t.me/c/{chat[4:]}/{int(thread_id)}">open its topic</a>'

    async def create_thread(self, title: str) -> str:
        topic = await self._call(self.app.bot.create_forum_topic(self.chat_id, name=title))
        return str(topic.message_thread_id)

    async def send(self, thread_id: str | None, text: str, buttons: Buttons | None = None) -> str:
        try:
            message = await self._call(
                self.app.bot.send_message(
                    self.chat_id,
                    text,
                    message_thread_id=int(thread_id) if thread_id is not None else None,
                    parse_mode=ParseMode.HTML,
                    reply_markup=self._keyboard(buttons),
                    disable_web_page_preview=True,
                )
            )
        except BadRequest as exc:
            if "thread not found" in exc.message.lower():
                raise LookupError(exc.message) from None  # the topic was deleted
            raise
        return str(message.message_id)

    async def edit(self, thread_id: str, message_id: str, text: str, buttons: Buttons | None = None) -> None:
        try:
            await self._call(
                self.app.bot.edit_message_text(
                    text,
                    chat_id=self.chat_id,
                    message_id=int(message_id),
                    parse_mode=ParseMode.HTML,
                    reply_markup=self._keyboard(buttons),
                    disable_web_page_preview=True,
                )
            )
        except BadRequest as exc:
            if "not modified" in exc.message:
                return
            if "not found" in exc.message:
                raise LookupError(exc.message) from None
            raise

    async def send_file(self, thread_id: str, filename: str, data: bytes, caption: str) -> None:
        await self._call(
            self.app.bot.send_document(
                self.chat_id, InputFile(data, filename=filename), caption=caption[:1000], message_thread_id=int(thread_id)
            )
        )

    async def typing(self, thread_id: str) -> None:
        await self._actions.send_chat_action(self.chat_id, ChatAction.TYPING, message_thread_id=int(thread_id))

    # ----------------------------------------------------------------- the chat
    def bind(self, chat: str) -> None:
        self.chat_id = int(chat)

    async def chat_problems(self, chat: str) -> list[str]:
        return await group_problems(self.app.bot, int(chat))

    # ----------------------------------------------------------------- updates
    def _checked(self, update: Update, what: str) -> tuple[Inbound, ChatUser, str | None] | None:
        inbound = self._inbound()
        chat = update.effective_chat
        user = update.effective_user
        if inbound is None or user is None:
            return None
        if chat is None or chat.id != self.chat_id:
            inbound.foreign_chat(str(chat.id if chat else "?"), what)
            return None
        message = update.effective_message
        thread = message.message_thread_id if message is not None and message.is_topic_message else None
        name = user.username or user.full_name or str(user.id)
        return inbound, ChatUser(str(user.id), name), str(thread) if thread is not None else None

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        checked = self._checked(update, "a button press")
        if checked is None:
            await query.answer()
            return
        inbound, user, _thread = checked
        answer = await inbound.button(user, query.data or "")
        await query.answer(answer[:190])

    async def _pair_unbound(self, update: Update) -> None:
        """With no group configured, a pairing message from any group the bot is in may make
        that group the bridge's own; everything else waits for that."""
        inbound, chat, user, message = self._inbound(), update.effective_chat, update.effective_user, update.effective_message
        if inbound is None or chat is None or user is None or message is None or not message.text:
            return
        command = parse_text_command(message.text)
        if command is None or command[0] != "pair":
            inbound.foreign_chat(str(chat.id), "a command (no group is configured yet: only /pair is heard)")
            return
        if chat.type == ChatType.PRIVATE:
            answer = "Write /pair with the code in the forum group where the sessions should go (with the bot in it)."
        else:
            name = user.username or user.full_name or str(user.id)
            answer = await inbound.pair(ChatUser(str(user.id), name), command[1], binding=str(chat.id))
        thread = message.message_thread_id if message.is_topic_message else None
        try:
            await self._call(self.app.bot.send_message(chat.id, answer, message_thread_id=thread))
        except (TelegramError, Unreachable, RetryLater) as exc:
            log.warning("Telegram: could not answer the pairing message in %s: %s", chat.id, exc)

    async def _on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        checked = self._checked(update, "a message")
        message = update.effective_message
        if checked is None or message is None or message.text is None:
            return
        inbound, user, thread = checked
        if thread is None:
            return
        reply_to = message.reply_to_message
        await inbound.text(user, thread, message.text, str(reply_to.message_id) if reply_to else None)

    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not self.chat_id:
            await self._pair_unbound(update)
            return
        checked = self._checked(update, "a command")
        message = update.effective_message
        if checked is None or message is None or not message.text:
            return
        inbound, user, thread = checked
        command = parse_text_command(message.text)
        reply = await inbound.command(user, thread, *command) if command is not None else None
        if reply is not None:
            inbound.reply_in(thread, reply)
