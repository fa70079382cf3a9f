"""What people do in chat: press buttons, write in a thread, run commands. Shared by every
platform; the platform module turns its updates into these calls after checking the chat."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bridges.handlers import Handlers
from bridges.mirror import BridgeMirror
from bridges.pacing import Priority
from bridges.pairing import Pairing, PairResult
from bridges.platform import ChatUser
from bridges.render import details_messages
from bridges.replies import TEXT_REPLIES_HELP, TextDecision, parse_text_decision
from tether_tui.approvals import UnknownRequestError
from tether_tui.commands import CommandRegistry, UnknownCommandError, format_duration
from tether_tui.models import Via
from tether_tui.store import SessionError

log = logging.getLogger(__name__)

TIMER_ACTIONS = {"t": "tool", "s": "all", "f": "dir"}
BRIDGE_COMMANDS = {
    "log": "Send this session's kept output as a file",
    "new": "Start a session: new <agent> <folder>: <prompt> (new alone: a demo)",
}
PAIR_ANSWERS = {
    PairResult.PAIRED: "Paired: you may act here now.",
    PairResult.ALREADY: "You are already paired.",
    PairResult.WRONG: "That is not the code shown in the dashboard.",
    PairResult.LOCKED: "Too many wrong codes: try again later.",
    PairResult.BUSY: "Too many wrong codes from several people just now: try again in a few minutes.",
    PairResult.CLOSED: "No pairing code is offered now: ask for one in the dashboard (command palette: Pair a chat user).",
}


@dataclass
class Reply:
    text: str
    """Already in the platform's markup."""
    buttons: list[list[tuple[str, str]]] | None = None


class Inbound:
    def __init__(
        self,
        mirror: BridgeMirror,
        commands: CommandRegistry,
        *,
        allowed_users: set[str],
        handlers: Handlers | None = None,
        standalone: bool = False,
        start_session: Callable[[str], Awaitable[str]] | None = None,
        on_choice: Callable[[ChatUser, str, str], Awaitable[str]] | None = None,
        pairing: Pairing | None = None,
        bind_chat: Callable[[str], Awaitable[list[str]]] | None = None,
    ) -> None:
        """``bind_chat`` makes a chat the bridge's own and returns what stops it (see
        :meth:`pair`)."""
        self.mirror = mirror
        self.store = mirror.store
        self.markup = mirror.markup
        self.via: Via = mirror.platform.via
        self.prefix = mirror.platform.command_prefix
        self.commands = commands
        self.allowed_users = allowed_users
        self.handlers = handlers or Handlers()
        self.standalone = standalone
        self.start_session = start_session
        self.on_choice = on_choice
        self.pairing = pairing
        self.bind_chat = bind_chat
        self.ignored = 0
        self._reason_prompts: OrderedDict[str, str] = OrderedDict()
        """Prompt message id -> request id, for a reason given as a reply to the prompt."""
        self._awaiting_reason: OrderedDict[tuple[str, str], str] = OrderedDict()
        """(thread id, user id) -> request id, for a reason given as the next message."""

    # ----------------------------------------------------------------- who may act
    def authorized(self, user: ChatUser, what: str) -> bool:
        if user.id in self.allowed_users or (self.pairing is not None and user.id in self.pairing.paired):
            return True
        self.ignored += 1
        why = "not in allowed_user_ids" + (" and not paired" if self.pairing is not None else "")
        log.warning("%s: ignored %s from %s (%s): %s", self.mirror.platform.name, what, user.name, user.id, why)
        return False

    async def pair(self, user: ChatUser, code: str, *, binding: str | None = None) -> str:
        """A pairing message; ``binding`` is the chat it came from while the bridge has no chat
        yet: the right code (or a paired user) makes that chat the bridge's own, once the
        platform's checks of it pass. The answer to show."""
        if self.pairing is None:
            return "Pairing is switched off here."
        result = self.pairing.attempt(user.id, code.strip(), user.name)
        # the code itself never reaches the log
        log.warning("%s: pairing attempt by %s (%s): %s", self.mirror.platform.name, user.name, user.id, result.value)
        if binding is None or self.bind_chat is None or result not in (PairResult.PAIRED, PairResult.ALREADY):
            return PAIR_ANSWERS[result]
        problems = await self.bind_chat(binding)
        if problems:
            first = "Paired, but this" if result is PairResult.PAIRED else "This"
            steps = "\n".join(f"• {problem}" for problem in problems)
            return f"{first} chat cannot hold the sessions yet:\n{steps}\nThen write {self.prefix}pair here again."
        return "Paired, and this chat is tether-tui's now: every session gets its own thread here."

    def foreign_chat(self, chat: str, what: str) -> None:
        self.ignored += 1
        log.warning("%s: ignored %s from chat %s: not the configured one", self.mirror.platform.name, what, chat)

    # ----------------------------------------------------------------- buttons
    async def button(self, user: ChatUser, payload: str) -> str:
        """Handle a button press; returns the short answer shown to the presser."""
        if not self.authorized(user, "a button press"):
            return "You are not allowed to act here."
        decoded = self.mirror.codec.decode(payload)
        if decoded is None:
            return "This button has expired."
        kind, target, action = decoded
        if kind == "rule" and action == "x":
            rule = self.store.approvals.revoke_rule(target, by=user.name)
            return f"Revoked: {self.store.describe_rule(rule)}" if rule else "That timer has already ended."
        if kind == "ch" and self.on_choice is not None:
            return await self.on_choice(user, target, action)
        if kind != "ap":
            return "This button has expired."
        try:
            request = self.store.approvals.get(target)
        except UnknownRequestError:
            return "This button has expired."
        if action == "i":
            thread_id = self.mirror.thread_of(request.session_id)
            if thread_id is not None:
                for text in details_messages(self.markup, request):
                    self._send(thread_id, text, Priority.REPLY)
            return "Details sent."
        if not request.pending:
            assert request.decision is not None
            return f"Already {request.decision.describe()}"
        if action == "r":
            thread_id = self.mirror.thread_of(request.session_id)
            if thread_id is not None:
                prompt = f"💬 {self.markup.escape(user.name)}, your next message here is the reason for denying {self.markup.bold(request.tool_name)}."
                self._send(thread_id, prompt, Priority.REPLY, remember_for=request.id)
                self._awaiting_reason[(thread_id, user.id)] = request.id
                while len(self._awaiting_reason) > 500:
                    self._awaiting_reason.popitem(last=False)
            return "Write the reason in the thread."
        if action in TIMER_ACTIONS:
            result = self.store.approvals.allow_with_timer(
                request.id, TIMER_ACTIONS[action], self.mirror.timer_minutes, by=user.name, via=self.via
            )
        elif action in ("y", "n"):
            result = self.store.approvals.decide(request.id, action == "y", by=user.name, via=self.via)
        else:
            return "This button has expired."
        return result.decision.describe(sentence=True) if result.accepted else f"Already {result.decision.describe()}"

    def _send(self, thread_id: str, text: str, priority: Priority, remember_for: str | None = None) -> None:
        async def send() -> None:
            message_id = await self.mirror.platform.send(thread_id, text)
            if remember_for is not None:
                self._reason_prompts[message_id] = remember_for
                while len(self._reason_prompts) > 500:
                    self._reason_prompts.popitem(last=False)

        self.mirror.scheduler.submit(priority, send, description="reply")

    def reply_in(self, thread_id: str | None, reply: Reply) -> None:
        """Queue ``reply`` in a thread (None: the channel or group itself)."""

        async def send() -> None:
            await self.mirror.platform.send(thread_id, reply.text, reply.buttons)

        self.mirror.scheduler.submit(Priority.REPLY, send, description="command reply")

    # ----------------------------------------------------------------- text
    async def text(self, user: ChatUser, thread_id: str, text: str, reply_to: str | None) -> None:
        """A message in a thread: a reason for a denial, a decision in words, or input for the
        session. Anything to say back is queued in the thread."""
        answer = await self._text(user, thread_id, text, reply_to)
        if answer:
            self.reply_in(thread_id, Reply(answer))

    async def _text(self, user: ChatUser, thread_id: str, text: str, reply_to: str | None) -> str | None:
        if not self.authorized(user, "a message"):
            return None
        request_id = self._reason_prompts.get(reply_to) if reply_to else None
        request_id = self._awaiting_reason.pop((thread_id, user.id), None) or request_id
        if request_id is not None:
            result = self.store.approvals.decide(request_id, False, by=user.name, via=self.via, reason=text.strip())
            return None if result.accepted else self.markup.escape(f"Already {result.decision.describe()}")
        session_id = self.mirror.session_of(thread_id)
        if session_id is None:
            return None
        decision = parse_text_decision(text)
        waiting = self.store.approvals.pending(session_id) if decision is not None else []
        if decision is not None and waiting:
            return self.markup.escape(self._decide_in_words(user, waiting[0].id, decision))
        if self.standalone:
            await self.handlers.call("on_input", thread_id=thread_id, text=text, username=user.name)
            return None
        try:
            await self.store.send_input(session_id, text, by=user.name, via=self.via)
        except SessionError as exc:
            return self.markup.escape(str(exc))
        return None

    def _decide_in_words(self, user: ChatUser, request_id: str, decision: TextDecision) -> str:
        """Decide the session's oldest waiting request as the message says; the answer to show."""
        request = self.store.approvals.get(request_id)
        if decision.timer == "tool" and (decision.tool or "").lower() != request.tool_name.lower():
            return f"The waiting request is for {request.tool_name}: write allow {request.tool_name} to allow it for {self.mirror.timer_minutes} min."
        if decision.timer == "dir" and not request.directory:
            return f"This {request.tool_name} request has no folder: write allow, or allow all for the session."
        if decision.timer is not None:
            result = self.store.approvals.allow_with_timer(
                request.id, decision.timer, self.mirror.timer_minutes, by=user.name, via=self.via
            )
        else:
            result = self.store.approvals.decide(request.id, decision.allow, by=user.name, via=self.via, reason=decision.reason)
        if not result.accepted:
            return f"Already {result.decision.describe()}"
        return f"{request.tool_name}: {result.decision.describe(sentence=False)}"

    # ----------------------------------------------------------------- commands
    def descriptions(self) -> dict[str, str]:
        return {**self.commands.descriptions(), **BRIDGE_COMMANDS}

    async def command(self, user: ChatUser, thread_id: str | None, name: str, args: str) -> Reply | None:
        if name.lower() == "pair":
            return Reply(self.markup.escape(await self.pair(user, args)))
        if not self.authorized(user, f"/{name}"):
            return None
        name = name.lower()
        session_id = self.mirror.session_of(thread_id) if thread_id else None
        if name == "help":
            lines = [f"{self.prefix}{n} — {d}" for n, d in self.descriptions().items()]
            return Reply(self.markup.escape("Commands:\n" + "\n".join(lines) + f"\n\nApprovals: the buttons. {TEXT_REPLIES_HELP}"))
        if name == "timers":
            return self._timers()
        if name == "log":
            return await self._log(session_id, thread_id)
        if name == "new":
            if self.start_session is None:
                return Reply(self.markup.escape("Starting sessions from chat is not set up here."))
            try:
                new_id = await self.start_session(args.strip())
            except ValueError as exc:  # what was asked cannot be started: say why
                return Reply(self.markup.escape(str(exc)))
            log.info("%s: %s started session %s from chat", self.mirror.platform.name, user.name, new_id)
            title = self.store.session(new_id).title
            link = self.mirror.platform.thread_link(await self.mirror.ensure_thread(new_id))
            where = link or self.markup.escape(f"its thread is “{title}”")
            return Reply(f"{self.markup.escape(f'Started {title}:')} {where}")
        if self.standalone:
            overridden = await self._standalone_command(name, thread_id, args)
            if overridden is not None:
                return overridden
        try:
            text = await self.commands.run(name, session_id, args, by=user.name, via=self.via)
        except UnknownCommandError:
            if self.handlers.on_command is not None:
                text = await self.handlers.call("on_command", thread_id=thread_id, command=name, args=args)
                return Reply(self.markup.escape(text)) if text else None
            return Reply(self.markup.escape(f"Unknown command {self.prefix}{name}. {self.prefix}help lists them."))
        return Reply(self.markup.escape(text)) if text else None

    async def _standalone_command(self, name: str, thread_id: str | None, args: str) -> Reply | None:
        handler = {"status": "on_status_request", "stop": "on_stop_request", "usage": "on_usage_request"}.get(name)
        if handler is None or getattr(self.handlers, handler) is None:
            return None
        text = await self.handlers.call(handler, thread_id=thread_id)
        return Reply(self.markup.escape(text or "Done."))

    def _timers(self) -> Reply:
        rules = self.store.approvals.rules()
        if not rules:
            return Reply(self.markup.escape("No auto-approve timers."))
        lines = []
        buttons = []
        for rule in rules:
            left = format_duration(self.store.approvals.remaining_seconds(rule))
            lines.append(f"• {self.store.describe_rule(rule)} — {left} left")
            label = f"Revoke {self.store.describe_rule(rule)}"
            buttons.append([(label if len(label) <= 60 else label[:59] + "…", self.mirror.codec.encode("rule", rule.id, "x"))])
        return Reply(self.markup.escape("\n".join(["⏱ Auto-approve timers:", *lines])), buttons)

    async def _log(self, session_id: str | None, thread_id: str | None) -> Reply | None:
        if session_id is None or thread_id is None:
            return Reply(self.markup.escape(f"Use {self.prefix}log inside a session's thread."))
        buffer = self.store.output(session_id)
        session = self.store.session(session_id)
        data = buffer.text().encode()
        caption = f"{session.title}: {len(buffer):,} lines" + (f" ({buffer.dropped:,} older lines not kept)" if buffer.dropped else "")

        async def send() -> None:
            await self.mirror.platform.send_file(thread_id, f"{session_id}.log", data, caption)

        self.mirror.scheduler.submit(Priority.REPLY, send, description="log file")
        return None
