"""The approval engine: requests resolved exactly once, auto-approve rules, expiry, batched notices.

Everything runs on one asyncio loop, so "first decision wins" needs no lock: :meth:`decide` is
synchronous, and the first call that finds the request pending settles it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import shlex
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tether_tui.audit import AuditLog
from tether_tui.bus import EventBus
from tether_tui.clock import Clock, SystemClock
from tether_tui.config import ApprovalSettings
from tether_tui.events import ApprovalDecided, ApprovalRequested, AutoApprovedBatch, RuleAdded, RuleRemoved
from tether_tui.models import ApprovalRequest, AutoApproval, Decision, Outcome, Rule, RuleScope, Session, Via
from tether_tui.rules import RequestContext, command_has_prefix, never_auto_approved, resolve_path, rule_matches
from tether_tui.toolinput import shell_command, summarize

log = logging.getLogger(__name__)

DECIDED_KEPT = 2000
"""Decided requests remembered, so a late button press can be told who decided first."""


_TIMER_LABELS = {
    "all": "this session",
    "dir": "this folder",
    "tool": "this tool",
    "prefix": "commands like this",
    "tool-everywhere": "this tool everywhere",
}


class UnknownRequestError(KeyError):
    """No request with that id (never existed, or decided so long ago it was forgotten)."""


@dataclass(frozen=True)
class DecideResult:
    accepted: bool
    """False when the request had already been decided: ``decision`` is then the first one."""
    decision: Decision
    request: ApprovalRequest


TimerChoice = str
"""What "allow for N minutes" covers: ``"all"`` (this session), ``"dir"`` (this folder),
``"tool"`` or a tool name (that tool in this session), ``"tool-everywhere"``, or ``"prefix"``
(shell commands that start like this one, in this session)."""


class ApprovalEngine:
    def __init__(
        self,
        *,
        bus: EventBus,
        audit: AuditLog,
        clock: Clock | None = None,
        settings: ApprovalSettings | None = None,
        session_lookup: Callable[[str], Session | None] = lambda _id: None,
        on_pending_changed: Callable[[str], None] = lambda _id: None,
    ) -> None:
        self.bus = bus
        self.audit = audit
        self.clock = clock or SystemClock()
        self.settings = settings or ApprovalSettings()
        self._session_lookup = session_lookup
        self._on_pending_changed = on_pending_changed
        self._pending: dict[str, ApprovalRequest] = {}
        self._decided: OrderedDict[str, ApprovalRequest] = OrderedDict()
        self._rules: dict[str, Rule] = {}
        self._batch: list[AutoApproval] = []
        self._batch_first = 0.0
        self._batch_last = 0.0

    # ----------------------------------------------------------------- requests
    def submit(
        self,
        session_id: str,
        tool_name: str,
        tool_input: dict[str, Any],
        *,
        request_id: str | None = None,
        suggestions: list[Any] | None = None,
        cwd: str | None = None,
    ) -> ApprovalRequest:
        """Register a request. A matching rule decides it at once; otherwise it waits for a
        person (or expiry). Await :meth:`ApprovalRequest.wait` for the decision."""
        if request_id is not None:
            existing = self._pending.get(request_id) or self._decided.get(request_id)
            if existing is not None:
                return existing
        session = self._session_lookup(session_id)
        directory = cwd or (session.directory if session else None)
        now_mono = self.clock.monotonic()
        request = ApprovalRequest(
            id=request_id or f"req_{secrets.token_hex(5)}",
            session_id=session_id,
            tool_name=tool_name,
            tool_input=tool_input,
            summary=summarize(tool_name, tool_input),
            created_at=self.clock.now(),
            created_mono=now_mono,
            expires_mono=now_mono + self.settings.timeout_seconds,
            directory=directory,
            suggestions=suggestions,
        )
        rule = self._auto_rule(request)
        self._pending[request.id] = request
        if rule is not None:
            self._auto_approve(request, rule)
        else:
            self.bus.publish(ApprovalRequested(request))
            self._on_pending_changed(session_id)
        return request

    def get(self, request_id: str) -> ApprovalRequest:
        request = self._pending.get(request_id) or self._decided.get(request_id)
        if request is None:
            raise UnknownRequestError(request_id)
        return request

    def pending(self, session_id: str | None = None) -> list[ApprovalRequest]:
        requests = sorted(self._pending.values(), key=lambda r: r.created_mono)
        if session_id is not None:
            requests = [r for r in requests if r.session_id == session_id]
        return requests

    def decide(
        self,
        request_id: str,
        allow: bool,
        *,
        by: str,
        via: Via,
        reason: str | None = None,
    ) -> DecideResult:
        """Decide a request. The first decision wins; later ones are refused and told the first."""
        outcome = Outcome.ALLOW if allow else Outcome.DENY
        return self._settle(request_id, Decision(outcome, by, via, self.clock.now(), reason))

    def defer(self, request_id: str, *, by: str, via: Via, reason: str | None = None) -> DecideResult:
        """Give the decision back to the agent's own prompt."""
        return self._settle(request_id, Decision(Outcome.DEFER, by, via, self.clock.now(), reason))

    def _settle(self, request_id: str, decision: Decision) -> DecideResult:
        request = self._pending.get(request_id)
        if request is None:
            earlier = self._decided.get(request_id)
            if earlier is None or earlier.decision is None:
                raise UnknownRequestError(request_id)
            return DecideResult(False, earlier.decision, earlier)
        self._resolve(request, decision)
        return DecideResult(True, decision, request)

    def _resolve(self, request: ApprovalRequest, decision: Decision) -> None:
        del self._pending[request.id]
        request.settle(decision)
        self._decided[request.id] = request
        while len(self._decided) > DECIDED_KEPT:
            self._decided.popitem(last=False)
        session = self._session_lookup(request.session_id)
        try:
            self.audit.record_decision(request, decision, session.title if session else request.session_id)
        except OSError:
            log.exception("could not write the audit log")
        self.bus.publish(ApprovalDecided(request, decision))
        self._on_pending_changed(request.session_id)

    # ----------------------------------------------------------------- rules
    def _context(self, request: ApprovalRequest) -> RequestContext:
        return RequestContext(request.session_id, request.tool_name, request.tool_input, request.directory)

    def _auto_rule(self, request: ApprovalRequest) -> Rule | None:
        if never_auto_approved(self.settings.never_patterns, request.tool_name, request.tool_input):
            return None
        now = self.clock.monotonic()
        context = self._context(request)
        for rule in self._rules.values():
            if rule.expires_mono > now and rule_matches(rule, context):
                return rule
        return None

    def is_never_auto_approved(self, request: ApprovalRequest) -> bool:
        return never_auto_approved(self.settings.never_patterns, request.tool_name, request.tool_input) is not None

    def _auto_approve(self, request: ApprovalRequest, rule: Rule) -> None:
        decision = Decision(Outcome.ALLOW, f"rule {rule.id}", Via.AUTO, self.clock.now(), rule.describe(), rule.id)
        self._resolve(request, decision)
        session = self._session_lookup(request.session_id)
        now = self.clock.monotonic()
        if not self._batch:
            self._batch_first = now
        self._batch_last = now
        self._batch.append(
            AutoApproval(
                request.id,
                request.session_id,
                session.title if session else request.session_id,
                request.tool_name,
                request.summary,
                rule.id,
                decision.at,
            )
        )

    def add_rule(
        self,
        scope: RuleScope,
        minutes: float,
        *,
        by: str,
        via: Via,
        session_id: str | None = None,
        tool_name: str | None = None,
        command_prefix: str | None = None,
        directory: str | None = None,
    ) -> Rule:
        if minutes <= 0:
            raise ValueError("a rule needs a positive duration")
        if scope is RuleScope.SESSION and session_id is None:
            raise ValueError("a session rule needs a session")
        if scope is RuleScope.TOOL and tool_name is None:
            raise ValueError("a tool rule needs a tool name")
        if scope is RuleScope.DIRECTORY:
            if not directory:
                raise ValueError("a folder rule needs a folder")
            directory = resolve_path(directory)
        now = self.clock.now()
        rule = Rule(
            id=f"rule_{secrets.token_hex(4)}",
            scope=scope,
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
            expires_mono=self.clock.monotonic() + minutes * 60,
            created_by=by,
            created_via=via,
            session_id=session_id,
            tool_name=tool_name,
            command_prefix=command_prefix,
            directory=directory,
        )
        self._rules[rule.id] = rule
        try:
            self.audit.record_rule("rule_added", rule, now, by)
        except OSError:
            log.exception("could not write the audit log")
        self.bus.publish(RuleAdded(rule))
        for request in self.pending():
            if request.pending and self._auto_rule(request) is not None:
                self._auto_approve(request, self._auto_rule(request) or rule)
        return rule

    def rule_for(self, request: ApprovalRequest, timer: TimerChoice, minutes: float, *, by: str, via: Via) -> Rule:
        """The rule that "allow ... for N minutes" on ``request`` stands for."""
        if timer == "all":
            return self.add_rule(RuleScope.SESSION, minutes, by=by, via=via, session_id=request.session_id)
        if timer == "dir":
            if not request.directory:
                raise ValueError("this request has no folder")
            return self.add_rule(RuleScope.DIRECTORY, minutes, by=by, via=via, directory=request.directory)
        if timer == "prefix":
            prefix = self.shell_prefix_of(request)
            if prefix is None:
                raise ValueError("this request is not a shell command")
            return self.add_rule(
                RuleScope.TOOL, minutes, by=by, via=via, session_id=request.session_id,
                tool_name=request.tool_name, command_prefix=prefix,
            )
        if timer == "tool-everywhere":
            return self.add_rule(RuleScope.TOOL, minutes, by=by, via=via, tool_name=request.tool_name)
        tool = request.tool_name if timer in ("tool", request.tool_name) else timer
        return self.add_rule(RuleScope.TOOL, minutes, by=by, via=via, session_id=request.session_id, tool_name=tool)

    def allow_with_timer(
        self, request_id: str, timer: TimerChoice, minutes: float | None = None, *, by: str, via: Via
    ) -> DecideResult:
        """Allow a request and set a rule for the ones like it (which lets matching pending
        requests through as well)."""
        request = self.get(request_id)
        if not request.pending:
            assert request.decision is not None
            return DecideResult(False, request.decision, request)
        minutes = minutes or self.settings.default_duration_minutes
        reason = f"and allowed {_TIMER_LABELS.get(timer, timer)} for {minutes:g} min"
        decision = Decision(Outcome.ALLOW, by, via, self.clock.now(), reason, timer=timer)
        result = self._settle(request_id, decision)
        self.rule_for(request, timer, minutes, by=by, via=via)
        return result

    def revoke_rule(self, rule_id: str, *, by: str) -> Rule | None:
        rule = self._rules.pop(rule_id, None)
        if rule is None:
            return None
        try:
            self.audit.record_rule("rule_revoked", rule, self.clock.now(), by)
        except OSError:
            log.exception("could not write the audit log")
        self.bus.publish(RuleRemoved(rule, expired=False, by=by))
        return rule

    def rules(self) -> list[Rule]:
        now = self.clock.monotonic()
        return sorted((r for r in self._rules.values() if r.expires_mono > now), key=lambda r: r.expires_mono)

    def remaining_seconds(self, rule: Rule) -> float:
        return max(0.0, rule.expires_mono - self.clock.monotonic())

    def update_settings(self, settings: ApprovalSettings) -> None:
        """New durations and timeout apply to requests made from now on."""
        self.settings = settings

    # ----------------------------------------------------------------- time
    def sweep(self) -> None:
        """Expire rules and unanswered requests, and publish a due batch of auto-approvals."""
        now = self.clock.monotonic()
        for rule in [r for r in self._rules.values() if r.expires_mono <= now]:
            del self._rules[rule.id]
            try:
                self.audit.record_rule("rule_expired", rule, self.clock.now(), None)
            except OSError:
                log.exception("could not write the audit log")
            self.bus.publish(RuleRemoved(rule, expired=True))
        for request in [r for r in self._pending.values() if r.expires_mono is not None and r.expires_mono <= now]:
            minutes = self.settings.timeout_seconds / 60
            reason = f"nobody answered within {minutes:g} min"
            outcome = Outcome.DEFER if self.settings.fallback == "defer" else Outcome.DENY
            self._resolve(request, Decision(outcome, "nobody", Via.TIMEOUT, self.clock.now(), reason))
        if self._batch and (
            now - self._batch_last >= self.settings.batch_debounce_seconds
            or now - self._batch_first >= self.settings.batch_max_wait_seconds
        ):
            self.flush_batch()

    def flush_batch(self) -> None:
        if self._batch:
            batch, self._batch = tuple(self._batch), []
            self.bus.publish(AutoApprovedBatch(batch))

    async def run(self, interval: float = 0.25) -> None:
        """Sweep forever (cancel the task to stop)."""
        while True:
            await asyncio.sleep(interval)
            try:
                self.sweep()
            except Exception:
                log.exception("approval sweep failed")

    @staticmethod
    def shell_prefix_of(request: ApprovalRequest, words: int = 2) -> str | None:
        """The prefix "allow commands like this one" uses: its first words, when it is a simple
        command (one that chains or redirects gets no prefix rule)."""
        command = shell_command(request.tool_name, request.tool_input)
        if not command:
            return None
        try:
            parts = shlex.split(command)
        except ValueError:
            return None
        prefix = shlex.join(parts[:words])
        return prefix if parts and command_has_prefix(command, prefix) else None

