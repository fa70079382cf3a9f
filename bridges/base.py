"""The bridge API every platform shares (see the library section of the README): a bridge
either keeps its own store (used alone, with :class:`Handlers` callbacks) or is attached to the
dashboard's shared store. Platform subclasses only connect and translate."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import logging
import os
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import ClassVar, TypedDict

from bridges.handlers import Handlers
from bridges.inbound import Inbound
from bridges.mirror import BridgeMirror
from bridges.pacing import Budget, Priority, RetryLater, SendScheduler, Unreachable
from bridges.pairing import PairedUser, Pairing
from bridges.platform import ChatPlatform, ChatUser
from bridges.threads import ThreadMap, ThreadStore
from tether_tui.audit import AuditLog
from tether_tui.commands import CommandDef, CommandRegistry
from tether_tui.config import DEFAULT_NEVER_AUTO_APPROVE, ApprovalSettings, Config
from tether_tui.models import ApprovalRequest, Decision, Origin, SessionState
from tether_tui.paths import data_dir as default_data_dir
from tether_tui.store import BridgeHealth, SessionError, SessionStore

log = logging.getLogger(__name__)


class BridgeOptions(TypedDict, total=False):
    """Keyword arguments every bridge takes (see :class:`ChatBridge`)."""

    allowed_user_ids: Iterable[str | int] | None
    commands: Mapping[str, CommandDef] | None
    disabled_commands: set[str] | None
    data_dir: str | Path | None
    auto_approve_duration: int
    never_auto_approve: list[str] | None
    store: SessionStore | None
    start_session: Callable[[str], Awaitable[str]] | None
    require_pairing: bool
    pairing_code: str | None
    on_bound: Callable[[str], Awaitable[None]] | None
    thread_store: ThreadStore | None


def require_library(module: str, hint: str) -> None:
    """Import a platform's library now, or raise an ImportError that names the extra."""
    try:
        importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(hint) from exc


def from_env(value: str | None, variable: str) -> str | None:
    return value or os.environ.get(variable) or None


class ChatBridge:
    platform_name: ClassVar[str] = ""
    chat_attribute: ClassVar[str] = "channel_id"
    """The attribute holding the chat's id (its type is kept when a pairing binds a chat)."""
    budget: ClassVar[Budget] = Budget()

    def __init__(
        self,
        *,
        scope: str,
        handlers: Handlers | None = None,
        allowed_user_ids: Iterable[str | int] | None = None,
        commands: Mapping[str, CommandDef] | None = None,
        disabled_commands: set[str] | None = None,
        data_dir: str | Path | None = None,
        auto_approve_duration: int = 1800,
        never_auto_approve: list[str] | None = None,
        store: SessionStore | None = None,
        start_session: Callable[[str], Awaitable[str]] | None = None,
        require_pairing: bool = False,
        pairing_code: str | None = None,
        on_bound: Callable[[str], Awaitable[None]] | None = None,
        thread_store: ThreadStore | None = None,
    ) -> None:
        """``thread_store``: where the thread map is kept (the runtime's state file; none: a
        file in ``data_dir``). ``scope`` names the chat (the thread map is kept per scope); a scope ending in ``:``
        (no chat yet) starts the bridge *unbound*: it then only listens for a pairing message in
        any group or channel the bot is in, and a correct code there binds that chat (and calls
        ``on_bound`` with its id, e.g. to write it into the config). Used alone (no ``store``)
        the bridge keeps its own approval state and tells ``handlers``; attached to the
        dashboard's store it shares sessions, timers and decisions with every surface."""
        self.handlers = handlers or Handlers()
        self.standalone = store is None
        self.data_dir = Path(data_dir) if data_dir is not None else default_data_dir()
        if store is None:
            settings = ApprovalSettings(
                default_duration_minutes=max(1, auto_approve_duration // 60),
                never_auto_approve=tuple(never_auto_approve) if never_auto_approve is not None else DEFAULT_NEVER_AUTO_APPROVE,
            )
            store = SessionStore(config=Config(approvals=settings), audit=AuditLog(self.data_dir / f"{self.platform_name}-audit.jsonl"))
        self.store = store
        self.timer_minutes = max(1, auto_approve_duration // 60)
        self.allowed_users = {str(u) for u in (allowed_user_ids or ())}
        self.commands = CommandRegistry(store, commands, disabled_commands)
        self.start_session = start_session
        self.threads = ThreadMap(self.data_dir / f"{self.platform_name}-threads.json", scope, thread_store)
        self.bound = not scope.endswith(":")
        self.on_bound = on_bound
        self.platform: ChatPlatform | None = None
        self.pairing: Pairing | None = None
        self._code_asked = False
        """The owner asked the dashboard for a code although somebody may act already."""
        if require_pairing:
            self.pairing = Pairing(
                self.data_dir / f"{self.platform_name}-paired.json",
                code=pairing_code,
                on_code=lambda _code: self._code_changed(),
            )
        self.mirror: BridgeMirror | None = None
        self.inbound: Inbound | None = None
        self.scheduler = SendScheduler(self.budget, on_reachable=self._reachable)
        self._tasks: list[asyncio.Task[None]] = []
        self._stopped = asyncio.Event()
        self._choices: dict[str, tuple[str, list[str]]] = {}
        self.halted: str | None = None
        """Why the platform stopped delivering updates (see :meth:`halt`); None while it delivers."""

    # ----------------------------------------------------------------- to implement per platform
    def _make_platform(self) -> ChatPlatform:
        """The platform module's object, not yet connected (its library is imported here)."""
        raise NotImplementedError

    # ----------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        """Connect (retrying with backoff while the platform is unreachable) and start
        mirroring. A refused token raises."""
        self._stopped.clear()
        self.halted = None
        self.store.set_bridge_health(self.platform_name, BridgeHealth.CONNECTING)
        platform = self._make_platform()
        delay = 1.0
        while True:
            try:
                await platform.connect()
                break
            except (Unreachable, RetryLater) as exc:
                wait = exc.seconds if isinstance(exc, RetryLater) else delay
                self.store.set_bridge_health(self.platform_name, BridgeHealth.FAILING, str(exc))
                log.warning("%s unreachable (%s); retrying in %.0f s", self.platform_name, exc, wait)
                await asyncio.sleep(wait)
                delay = min(60.0, delay * 2)
            except BaseException as exc:  # a refused token, or a stop while connecting
                self.store.set_bridge_health(self.platform_name, BridgeHealth.FAILING, self.masked(f"{type(exc).__name__}: {exc}"))
                with contextlib.suppress(Exception):
                    await platform.disconnect()
                raise
        self._healthy()
        self.platform = platform
        self._show_offer()
        self.mirror = BridgeMirror(
            self.store,
            self.platform,
            self.scheduler,
            self.threads,
            timer_minutes=self.timer_minutes,
            on_decision=self._decided if self.standalone else None,
        )
        self.inbound = Inbound(
            self.mirror,
            self.commands,
            allowed_users=self.allowed_users,
            handlers=self.handlers,
            standalone=self.standalone,
            start_session=self.start_session,
            on_choice=self._chose,
            pairing=self.pairing,
            bind_chat=self._bind_chat,
        )
        self._tasks = [asyncio.create_task(self.scheduler.run(), name=f"{self.platform_name} sender")]
        if self.bound:
            self._tasks.append(asyncio.create_task(self.mirror.follow(), name=f"{self.platform_name} mirror"))
        else:
            self._healthy(self._unbound_hint())
        if self.standalone:
            self._tasks.append(asyncio.create_task(self.store.approvals.run(), name=f"{self.platform_name} timers"))

    def masked(self, text: str) -> str:
        """``text`` with this bridge's tokens taken out (a library's error may quote one)."""
        for name in ("token", "bot_token", "app_token"):
            secret = getattr(self, name, None)
            if isinstance(secret, str) and len(secret) >= 8:
                text = text.replace(secret, "<token>")
        return text

    # ----------------------------------------------------------------- who may act, pairing
    def _unbound_hint(self) -> str:
        prefix = self.platform.command_prefix if self.platform is not None else "/"
        if self.pairing is None:
            return "no chat configured, and pairing is off"
        return f"no chat yet: write {prefix}pair {self.pairing.code} where the sessions should go"

    def _show_offer(self) -> None:
        """Offer the code (and show it in the dashboard) while nobody may act from this chat,
        or when the owner asked for one."""
        if self.pairing is None:
            return
        self.pairing.offered = self._code_asked or not (self.allowed_users or self.pairing.paired)
        self.store.set_pairing_code(self.platform_name, self.pairing.code if self.pairing.offered else None)
        if not self.bound and self.platform is not None:
            self._healthy(self._unbound_hint())

    def offer_pairing(self) -> str | None:
        """Offer a code although somebody may act already (the dashboard's "Pair a chat user");
        the code, or None with pairing switched off. The offer ends with the next pairing."""
        if self.pairing is None:
            return None
        self._code_asked = True
        self._show_offer()
        return self.pairing.code

    def paired_users(self) -> list[PairedUser]:
        return sorted(self.pairing.paired.values(), key=lambda user: user.since) if self.pairing else []

    def unpair(self, user_id: str) -> bool:
        """Take a paired user's right to act away (kept on disk)."""
        if self.pairing is None or not self.pairing.unpair(str(user_id)):
            return False
        log.warning("%s: user %s unpaired", self.platform_name, user_id)
        self._show_offer()
        return True

    def set_allowed_users(self, user_ids: Iterable[str | int]) -> None:
        """Replace the allowlist in place (the inbound side holds this very set)."""
        self.allowed_users.clear()
        self.allowed_users.update(str(user) for user in user_ids)
        self._show_offer()

    def _code_changed(self) -> None:
        """A new code: at start, or after somebody paired (which ends the owner's offer)."""
        self._code_asked = False
        self._show_offer()

    async def _bind_chat(self, chat: str) -> list[str]:
        """Make ``chat`` this bridge's own (the first pairing from an unbound bridge): what is
        wrong with the chat, or nothing once it is bound and being mirrored into."""
        assert self.platform is not None and self.mirror is not None
        problems = await self.platform.chat_problems(chat)
        if problems:
            detail = f"{chat}: " + " ".join(problems)
            self.store.set_bridge_health(self.platform_name, BridgeHealth.FAILING, detail)
            return problems
        self.platform.bind(chat)
        setattr(self, self.chat_attribute, type(getattr(self, self.chat_attribute))(chat))
        self.bound = True
        self.threads = ThreadMap(self.threads.path, f"{self.platform_name}:{chat}", self.threads.store)
        self.mirror.threads = self.threads
        self._tasks.append(asyncio.create_task(self.mirror.follow(), name=f"{self.platform_name} mirror"))
        self._healthy()
        log.warning("%s: bound to chat %s by pairing", self.platform_name, chat)
        if self.on_bound is not None:
            try:
                await self.on_bound(chat)
            except Exception:
                log.exception("%s: could not keep the chat %s", self.platform_name, chat)
        return []

    @property
    def ignored_updates(self) -> int:
        """Updates ignored because of who sent them or where (strangers, other chats)."""
        return self.inbound.ignored if self.inbound else 0

    @property
    def pairing_code(self) -> str | None:
        """The code a chat user writes (``!pair <code>``) to be allowed to act; None without pairing."""
        return self.pairing.code if self.pairing is not None else None

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        if self.platform is not None:
            try:
                await self.platform.disconnect()
            except Exception:
                log.exception("%s did not disconnect cleanly", self.platform_name)
        self.store.set_bridge_health(self.platform_name, BridgeHealth.OFF)
        self.store.set_pairing_code(self.platform_name, None)
        self._stopped.set()

    async def wait_until_stopped(self) -> None:
        await self._stopped.wait()

    def _reachable(self, ok: bool, why: str | None) -> None:
        if self.halted is not None:
            return  # a halt is said until the bridge is started again
        self.store.set_bridge_health(self.platform_name, BridgeHealth.CONNECTED if ok else BridgeHealth.FAILING, why)

    def _healthy(self, detail: str | None = None) -> None:
        if self.halted is None:
            self.store.set_bridge_health(self.platform_name, BridgeHealth.CONNECTED, detail)

    def halt(self, why: str) -> None:
        """The platform stopped delivering updates for good (another program took the bot):
        say so, and keep saying it whatever later sends report."""
        self.halted = why
        self.store.set_bridge_health(self.platform_name, BridgeHealth.FAILING, why)

    def _require_started(self) -> BridgeMirror:
        if self.mirror is None:
            raise RuntimeError(f"{type(self).__name__} is not started: await bridge.start() first")
        return self.mirror

    def _session(self, thread_id: str) -> str:
        session_id = self._require_started().session_of(str(thread_id))
        if session_id is None:
            raise SessionError(f"no session for thread {thread_id}")
        return session_id

    # ----------------------------------------------------------------- library API
    async def create_thread(self, name: str, *, directory: str | None = None) -> str:
        mirror = self._require_started()
        session_id = f"{self.platform_name}-{secrets.token_hex(4)}"
        self.store.add_session(session_id, name, origin=Origin.RUNNER, directory=directory, state=SessionState.RUNNING)
        return await mirror.ensure_thread(session_id)

    async def remove_thread(self, thread_id: str) -> None:
        session_id = self._require_started().session_of(str(thread_id))
        if session_id is not None:
            self.store.remove_session(session_id)

    async def send_output(self, thread_id: str, text: str) -> None:
        self.store.append_output(self._session(thread_id), text)

    async def send_status(self, thread_id: str, status: str) -> None:
        mirror = self._require_started()
        mirror.notify(self._session(thread_id), mirror.markup.escape(status))

    async def send_typing(self, thread_id: str) -> None:
        if self.platform is not None:
            with contextlib.suppress(Exception):
                await self.platform.typing(str(thread_id))

    async def send_typing_stopped(self, thread_id: str) -> None:
        """Chat platforms end the typing indicator by themselves with the next message."""

    async def send_approval_request(self, thread_id: str, *, request_id: str, tool_name: str, description: str) -> None:
        try:
            parsed = json.loads(description)
        except (TypeError, json.JSONDecodeError):
            parsed = None
        tool_input = parsed if isinstance(parsed, dict) else {"description": description}
        self.store.approvals.submit(self._session(thread_id), tool_name, tool_input, request_id=request_id)

    async def send_choice_request(self, thread_id: str, *, request_id: str, title: str, description: str, options: list[str]) -> None:
        mirror = self._require_started()
        self._choices[request_id] = (str(thread_id), list(options))
        markup = mirror.markup
        text = f"❓ {markup.bold(title)}\n{markup.escape(description)}"
        buttons = [[(option[:60], mirror.codec.encode("ch", request_id, str(i)))] for i, option in enumerate(options)]

        async def send() -> None:
            await mirror.platform.send(str(thread_id), text, buttons)

        self.scheduler.submit(Priority.APPROVAL, send, description=f"choice {request_id}")

    # ----------------------------------------------------------------- callbacks to the library user
    async def _decided(self, thread_id: str, request: ApprovalRequest, decision: Decision) -> None:
        await self.handlers.call(
            "on_approval_response",
            thread_id=thread_id,
            request_id=request.external_id,
            approved=decision.allowed,
            reason=decision.reason,
            timer=decision.timer,
            username=decision.by,
        )

    async def _chose(self, user: ChatUser, request_id: str, index: str) -> str:
        entry = self._choices.pop(request_id, None)
        if entry is None or not index.isdigit() or int(index) >= len(entry[1]):
            return "This button has expired."
        thread_id, options = entry
        await self.handlers.call(
            "on_approval_response",
            thread_id=thread_id,
            request_id=request_id,
            approved=True,
            reason=options[int(index)],
            timer=None,
            username=user.name,
        )
        return f"Chose {options[int(index)]}"
