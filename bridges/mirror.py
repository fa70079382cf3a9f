"""The mirror: follows the store and keeps a chat platform's threads up to date.

One thread per session; approval messages with buttons (edited once decided, anywhere); output
as a coalesced, paced view (the growing tail edited into the latest message, a new message past
the limit, a marker for what a flood skipped); an agent's final message of a turn whole; state
changes and batched auto-approval notices. Everything that sends goes through the scheduler.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial

from bridges.callbacks import CallbackCodec
from bridges.markup import chunk_markdown, newest_that_fit
from bridges.pacing import Priority, SendScheduler
from bridges.platform import Buttons, ChatPlatform
from bridges.render import STATE_NOTICES, approval_buttons, approval_text, state_notice
from bridges.threads import ThreadMap
from tether_tui.bus import Subscription
from tether_tui.events import (
    ApprovalDecided,
    ApprovalRequested,
    AutoApprovedBatch,
    Event,
    OutputAppended,
    SessionAdded,
    SessionChanged,
)
from tether_tui.models import ApprovalRequest, Decision, Outcome, SessionState, Via
from tether_tui.store import BridgeHealth, SessionStore

log = logging.getLogger(__name__)

PENDING_LINES = 400
QUIET_SECONDS = 1.5
"""Output is sent once a session has been quiet this long ..."""
MAX_WAIT_SECONDS = 15.0
"""... or has been writing for this long. A flood thus costs a thread one update every few
seconds at most, and the group's budget is left for the updates that show where it ended."""
MAX_FINAL_MESSAGES = 8
"""An agent's final message longer than this many messages is cut (the rest is in /log)."""
TYPING_EVERY = 30.0
"""Seconds between typing indicators in one thread. Chat actions count against the same
per-group budget as messages, so they are sent only while no other send is due."""


@dataclass
class OutputTail:
    message_id: str | None = None
    shown: list[str] = field(default_factory=list)
    pending: deque[str] = field(default_factory=lambda: deque(maxlen=PENDING_LINES))
    skipped: int = 0
    typed_at: float = 0.0
    first_pending_at: float | None = None
    fresh_message: bool = False
    """The next update starts a new message (edits do not notify the phone)."""


DecisionListener = Callable[[str, ApprovalRequest, Decision], Awaitable[None]]


class BridgeMirror:
    def __init__(
        self,
        store: SessionStore,
        platform: ChatPlatform,
        scheduler: SendScheduler,
        threads: ThreadMap,
        *,
        timer_minutes: int = 30,
        on_decision: DecisionListener | None = None,
    ) -> None:
        self.store = store
        self.platform = platform
        self.markup = platform.markup
        self.scheduler = scheduler
        self.threads = threads
        self.codec = CallbackCodec()
        self.timer_minutes = timer_minutes
        self.on_decision = on_decision
        self._tails: dict[str, OutputTail] = {}
        self._notified: dict[str, SessionState] = {}
        self._creating: dict[str, asyncio.Future[str]] = {}
        self._background: set[asyncio.Task[None]] = set()
        self._subscription: Subscription | None = None
        scheduler.approvals_possible = self._approvals_possible

    def _approvals_possible(self) -> bool:
        return any(not session.state.is_final for session in self.store.sessions())

    # ----------------------------------------------------------------- threads
    def thread_of(self, session_id: str) -> str | None:
        return self.threads.thread_of(session_id)

    def session_of(self, thread_id: str) -> str | None:
        session_id = self.threads.session_of(thread_id)
        return session_id if session_id is not None and self.store.has_session(session_id) else None

    async def ensure_thread(self, session_id: str) -> str:
        existing = self.threads.thread_of(session_id)
        if existing is not None:
            return existing
        pending = self._creating.get(session_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._creating[session_id] = future
        try:
            session = self.store.session(session_id)
            live = {s.id for s in self.store.sessions() if s.id != session_id}
            previous = self.threads.reusable(session.title, live)
            thread_id = self.threads.thread_of(previous) if previous else None
            if thread_id is None:
                thread_id = await self.platform.create_thread(session.title[:128])
            self.threads.assign(session_id, thread_id, session.title)
            future.set_result(thread_id)
            return thread_id
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: other waiters re-raise it themselves
            raise
        finally:
            del self._creating[session_id]

    async def send_to_session(self, session_id: str, text: str, buttons: Buttons | None = None) -> tuple[str, str]:
        """Send in the session's thread, opening it if need be; a thread that has been deleted
        in the chat is replaced by a new one. Returns (thread id, message id)."""
        thread_id = await self.ensure_thread(session_id)
        try:
            return thread_id, await self.platform.send(thread_id, text, buttons)
        except LookupError:
            log.warning("%s: the thread of %s is gone; opening a new one", self.platform.name, session_id)
            self.threads.forget(session_id)
            thread_id = await self.ensure_thread(session_id)
            return thread_id, await self.platform.send(thread_id, text, buttons)

    # ----------------------------------------------------------------- following the store
    async def follow(self) -> None:
        """Mirror the store until cancelled, starting with what is already there."""
        subscription = self.store.bus.subscribe(f"bridge {self.platform.name}", output_line_cap=PENDING_LINES)
        self._subscription = subscription
        try:
            for session in self.store.sessions():
                self.scheduler.submit(Priority.APPROVAL, partial(self._thread_job, session.id), key=f"thread:{session.id}")
                self._catch_up(session.id)
            for request in self.store.approvals.pending():
                self._queue_approval(request)
            async for batch in subscription:
                for event in batch:
                    try:
                        self.apply(event)
                    except Exception:
                        log.exception("%s bridge failed to mirror %s", self.platform.name, type(event).__name__)
        finally:
            subscription.close()
            self._subscription = None

    async def drain(self, seconds: float) -> None:
        """Wait (at most ``seconds``) until every decision published so far is edited into its
        message: what the runtime does before it stops the bridge."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            unread = self._subscription.backlog if self._subscription is not None else 0
            if not unread and not self.scheduler.queued("decided:"):
                return
            await asyncio.sleep(0.02)
        log.warning("%s: stopped with decisions not yet shown in the chat", self.platform.name)

    def _catch_up(self, session_id: str) -> None:
        """Output written before this bridge was following: its newest lines, as one update."""
        buffer = self.store.output(session_id)
        lines = buffer.tail(PENDING_LINES)
        if lines:
            earlier = buffer.next_seq - len(lines)
            self._output(OutputAppended(session_id, lines, earlier, skipped=earlier))

    def apply(self, event: Event) -> None:
        if isinstance(event, SessionAdded):
            self.scheduler.submit(Priority.APPROVAL, partial(self._thread_job, event.session.id), key=f"thread:{event.session.id}")
        elif isinstance(event, OutputAppended):
            self._output(event)
        elif isinstance(event, ApprovalRequested):
            self._queue_approval(event.request)
        elif isinstance(event, ApprovalDecided):
            self._decided(event.request, event.decision)
        elif isinstance(event, SessionChanged):
            self._state(event)
        elif isinstance(event, AutoApprovedBatch):
            self._auto_approved(event)

    async def _thread_job(self, session_id: str) -> None:
        if self.store.has_session(session_id):
            await self.ensure_thread(session_id)

    # ----------------------------------------------------------------- approvals
    def _queue_approval(self, request: ApprovalRequest) -> None:
        self.scheduler.submit(
            Priority.APPROVAL,
            partial(self._send_approval, request),
            key=f"approval:{request.id}",
            description=f"approval {request.id}",
        )

    def _title(self, session_id: str) -> str:
        return self.store.session(session_id).title if self.store.has_session(session_id) else session_id

    async def _send_approval(self, request: ApprovalRequest) -> None:
        if not request.pending or self.threads.approval_message(request.id) is not None:
            return  # decided already, or shown (before a restart, perhaps)
        text = approval_text(self.markup, request, self._title(request.session_id))
        buttons = approval_buttons(self.codec, request, self.timer_minutes)
        thread_id, message_id = await self.send_to_session(request.session_id, text, buttons)
        self.threads.remember_approval(request.id, thread_id, message_id)
        if request.decision is not None:  # decided while the message was on its way
            self._decided(request, request.decision)

    def _decided(self, request: ApprovalRequest, decision: Decision) -> None:
        if self.on_decision is not None:
            thread_id = self.thread_of(request.session_id)
            if thread_id is not None:
                self._spawn(self.on_decision(thread_id, request, decision))
        shown = self.threads.approval_message(request.id)
        if shown is None:
            return  # never shown here: nothing to update
        thread_id, message_id = shown

        async def edit() -> None:
            text = approval_text(self.markup, request, self._title(request.session_id), decision)
            try:
                await self.platform.edit(thread_id, message_id, text, None)
            except LookupError:
                log.info("%s: the message for %s is gone; nothing to update", self.platform.name, request.id)
            self.threads.forget_approval(request.id)

        # a person waits to see what someone decided, or that the request went back to its agent
        # (the dashboard stopped); one closed because its session ended can wait behind the
        # output that shows how the session ended
        ended_with_session = decision.via is Via.SYSTEM and decision.outcome is not Outcome.DEFER
        priority = Priority.OUTPUT if ended_with_session else Priority.DECISION
        self.scheduler.submit(priority, edit, key=f"decided:{request.id}", description=f"decision {request.id}")

    # ----------------------------------------------------------------- output
    def _output(self, event: OutputAppended) -> None:
        session_id = event.session_id
        self._typing(session_id)  # before this output's own job joins the queue
        if event.final:
            self._send_whole(session_id, event.lines)
        else:
            tail = self._tails.setdefault(session_id, OutputTail())
            overflow = len(tail.pending) + len(event.lines) - PENDING_LINES
            tail.skipped += max(0, overflow) + event.skipped
            tail.pending.extend(event.lines)
            now = self.scheduler.clock()
            if tail.first_pending_at is None:
                tail.first_pending_at = now
            ready = min(now + QUIET_SECONDS, tail.first_pending_at + MAX_WAIT_SECONDS)
            self.scheduler.submit(
                Priority.OUTPUT,
                partial(self._flush, session_id),
                key=f"output:{session_id}",
                description=f"output {session_id}",
                ready_at=ready,
            )

    def _send_whole(self, session_id: str, lines: list[str]) -> None:
        chunks = chunk_markdown("\n".join(lines), self.markup.limit - 64)
        if len(chunks) > MAX_FINAL_MESSAGES:
            left = sum(chunk.count("\n") + 1 for chunk in chunks[MAX_FINAL_MESSAGES:])
            chunks = [*chunks[:MAX_FINAL_MESSAGES], f"… about {left:,} more lines ({self.platform.command_prefix}log sends them all)"]
        for chunk in chunks:
            text = self.markup.markdown(chunk)

            async def send(text: str = text) -> None:
                await self.send_to_session(session_id, text)
                self._tails.setdefault(session_id, OutputTail()).message_id = None  # output continues below

            self.scheduler.submit(Priority.NOTICE, send, description=f"final message {session_id}")

    async def _flush(self, session_id: str) -> None:
        tail = self._tails.get(session_id)
        if tail is None or not tail.pending or not self.store.has_session(session_id):
            return
        budget = self.markup.limit - 80
        pending = list(tail.pending)
        tail.pending.clear()
        tail.first_pending_at = None
        combined = tail.shown + pending
        fresh, tail.fresh_message = tail.fresh_message, False
        if tail.message_id is not None and not fresh and not tail.skipped and sum(len(x) + 1 for x in combined) <= budget:
            try:
                thread_id = await self.ensure_thread(session_id)
                await self.platform.edit(thread_id, tail.message_id, self._output_text(combined, 0), None)
                tail.shown = combined
                return
            except LookupError:
                tail.message_id = None
        kept = newest_that_fit(pending, budget)
        skipped = tail.skipped + len(pending) - len(kept)
        _thread_id, message_id = await self.send_to_session(session_id, self._output_text(kept, skipped))
        tail.message_id, tail.shown, tail.skipped = message_id, kept, 0
        if skipped:
            tail.message_id = None  # a flood: next update starts a fresh message below

    def _output_text(self, lines: list[str], skipped: int) -> str:
        marker = f"… {skipped:,} lines skipped ({self.platform.command_prefix}log sends them all)\n" if skipped else ""
        return self.markup.escape(marker) + self.markup.pre("\n".join(lines) or " ")

    def _typing(self, session_id: str) -> None:
        tail = self._tails.setdefault(session_id, OutputTail())
        thread_id = self.thread_of(session_id)
        now = asyncio.get_running_loop().time()
        if thread_id is None or now - tail.typed_at < TYPING_EVERY or self.scheduler.anything_due():
            return
        session = self.store.session(session_id) if self.store.has_session(session_id) else None
        if session is None or session.state not in (SessionState.RUNNING, SessionState.STARTING):
            return
        tail.typed_at = now
        self._spawn(self._quietly(self.platform.typing(thread_id)))

    def _spawn(self, call: Awaitable[None]) -> None:
        """Run ``call`` in the background, holding on to it until it is done."""
        task = asyncio.ensure_future(call)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    @staticmethod
    async def _quietly(call: Awaitable[None]) -> None:
        try:
            await call
        except Exception as exc:  # typing is a nicety: never worth a retry or a log storm
            log.debug("typing indicator failed: %s", exc)

    # ----------------------------------------------------------------- notices
    def notify(self, session_id: str, text: str, priority: Priority = Priority.NOTICE) -> None:
        async def send() -> None:
            await self.send_to_session(session_id, text)

        self.scheduler.submit(priority, send, description=f"notice {session_id}")

    def _state(self, event: SessionChanged) -> None:
        """State changes ride on the session's output view: one update shows the newest output
        and the new state, in a new message so the phone is notified."""
        session = event.session
        if session.state is SessionState.RUNNING:
            self._notified.pop(session.id, None)
        if session.state not in STATE_NOTICES or self._notified.get(session.id) is session.state:
            return
        self._notified[session.id] = session.state
        tail = self._tails.setdefault(session.id, OutputTail())
        tail.pending.append(state_notice(session.state, exit_code=session.exit_code, error=session.error))
        tail.fresh_message = True
        self.scheduler.submit(
            Priority.NOTICE, partial(self._flush, session.id), key=f"output:{session.id}", description=f"state {session.id}"
        )

    def _auto_approved(self, event: AutoApprovedBatch) -> None:
        by_session: dict[str, list[str]] = {}
        for item in event.items:
            by_session.setdefault(item.session_id, []).append(f"• {item.tool_name} {item.summary}")
        for session_id, lines in by_session.items():
            if not self.store.has_session(session_id):
                continue
            shown = lines[:15] + ([f"… and {len(lines) - 15} more"] if len(lines) > 15 else [])
            head = f"⏱ Auto-approved {len(lines)} request{'s' if len(lines) != 1 else ''}:"
            self.notify(session_id, self.markup.escape("\n".join([head, *shown])))

    # ----------------------------------------------------------------- health
    def reachable(self, ok: bool, why: str | None) -> None:
        self.store.set_bridge_health(self.platform.name, BridgeHealth.CONNECTED if ok else BridgeHealth.FAILING, why)
