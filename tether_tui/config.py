"""The TOML config file: loading with errors that name file, line and key, and hot reload.

Tokens may come from the file or from environment variables (which win). A broken edit of the
file keeps the last good config in force and reports the error.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import math
import os
import re
import stat
import tomllib
from collections.abc import Awaitable, Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, Literal, get_args, get_origin, get_type_hints

from tether_tui.rules import ToolPattern

log = logging.getLogger(__name__)

DEFAULT_NEVER_AUTO_APPROVE = (
    "Shell(sudo *)",
    "Shell(doas *)",
    "Shell(su *)",
    "Shell(rm -r /*)",
    "Shell(rm -r ~*)",
    "Shell(git push --force*)",
)
"""``Shell(…)`` (or ``Bash(…)``, the same) is every agent's shell tool; see :class:`ToolPattern`."""


class ConfigError(Exception):
    """A config file that cannot be used. ``str()`` is one line naming file, line and key per
    problem: every problem found is in ``problems`` (this error itself when there is one)."""

    def __init__(self, path: Path | None, message: str, *, line: int | None = None, key: str | None = None) -> None:
        self.path, self.line, self.key, self.message = path, line, key, message
        self.problems: tuple[ConfigError, ...] = (self,)
        where = str(path) if path else "<config>"
        if line is not None:
            where += f":{line}"
        super().__init__(f"{where}: {key + ': ' if key else ''}{message}")

    @classmethod
    def of(cls, problems: list[ConfigError]) -> ConfigError:
        """One error for all ``problems`` (in the order of their lines): its text has one line
        per problem; its path, line, key and message are the first one's."""
        problems = sorted(problems, key=lambda problem: problem.line or 0)
        if len(problems) == 1:
            return problems[0]
        first = problems[0]
        error = cls(first.path, first.message, line=first.line, key=first.key)
        error.problems = tuple(problems)
        error.args = ("\n".join(str(problem) for problem in problems),)
        return error


class ConfigProblems:
    """Problems collected while a config is read, so that all are said at once."""

    def __init__(self) -> None:
        self.found: list[ConfigError] = []

    def add(self, error: ConfigError) -> None:
        self.found.append(error)

    def raise_any(self) -> None:
        if self.found:
            raise ConfigError.of(self.found)


@dataclass(frozen=True)
class ApprovalSettings:
    timeout_seconds: float = 600.0
    """An unanswered request resolves to ``fallback`` after this long."""
    fallback: Literal["deny", "defer"] = "deny"
    """``deny``, or ``defer``: hand the decision back to the agent's own prompt where it has one."""
    durations_minutes: tuple[int, ...] = (5, 15, 30, 60, 120)
    default_duration_minutes: int = 30
    never_auto_approve: tuple[str, ...] = DEFAULT_NEVER_AUTO_APPROVE
    batch_debounce_seconds: float = 5.0
    batch_max_wait_seconds: float = 30.0

    @property
    def never_patterns(self) -> tuple[ToolPattern, ...]:
        return tuple(ToolPattern.parse(text) for text in self.never_auto_approve)


@dataclass(frozen=True)
class DashboardSettings:
    bell: bool = True
    notify: bool = False
    """A desktop notification when a request needs a person (notify-send, or the terminal's)."""
    demo: bool = True
    """Start the built-in demo agents (``--no-demo`` overrides)."""
    demo_sessions: int = 3
    theme: str = "textual-dark"
    key_grace_seconds: float = 0.8
    """A request must be on screen, as the one the keys act on, this long before a key decides it."""


@dataclass(frozen=True)
class HistorySettings:
    max_lines: int = 5000
    max_bytes: int = 2_000_000


@dataclass(frozen=True)
class TelegramSettings:
    enabled: bool = True
    token: str = field(default="", repr=False)
    forum_group_id: int = 0
    allowed_user_ids: tuple[int, ...] = ()
    require_pairing: bool = True
    """Chat users may pair with the one-time code the dashboard shows (``/pair <code>``)."""

    chat_key: ClassVar[str] = "forum_group_id"

    @property
    def configured(self) -> bool:
        """A token is enough: with no group yet, the first pairing in a forum group binds it."""
        return bool(self.token)


@dataclass(frozen=True)
class SlackSettings:
    enabled: bool = True
    bot_token: str = field(default="", repr=False)
    app_token: str = field(default="", repr=False)
    channel_id: str = ""
    allowed_user_ids: tuple[str, ...] = ()
    require_pairing: bool = True
    """Chat users may pair with the one-time code the dashboard shows (``!pair <code>``)."""

    chat_key: ClassVar[str] = "channel_id"

    @property
    def configured(self) -> bool:
        """Both tokens are enough: with no channel yet, the first pairing in a channel binds it."""
        return bool(self.bot_token and self.app_token)


@dataclass(frozen=True)
class DiscordSettings:
    enabled: bool = True
    bot_token: str = field(default="", repr=False)
    channel_id: int = 0
    allowed_user_ids: tuple[int, ...] = ()
    require_pairing: bool = True

    chat_key: ClassVar[str] = "channel_id"

    @property
    def configured(self) -> bool:
        """A token is enough: with no channel yet, the first pairing in a channel binds it."""
        return bool(self.bot_token)


@dataclass(frozen=True)
class RunnerSettings:
    allowed_roots: tuple[str, ...] = ("~",)
    """Folders (and what is under them) where a chat message may start an agent."""


@dataclass(frozen=True)
class AgentSettings:
    """``[agents.NAME]``: an ACP agent profile (a new one, or one that replaces claude, codex or
    gemini)."""

    name: str
    command: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()
    label: str = ""


@dataclass(frozen=True)
class RemoteSettings:
    """``[remotes.NAME]``: a machine reached over the system's ``ssh`` whose agents this
    dashboard supervises (its hooks reach the dashboard through a forwarded socket)."""

    name: str
    destination: str
    """What you would type after ``ssh`` (``me@devbox``, or a Host from ~/.ssh/config)."""
    ssh_args: tuple[str, ...] = ()
    enabled: bool = True
    allowed_roots: tuple[str, ...] = ("~",)
    """Folders there where a chat message may start an agent."""


@dataclass(frozen=True)
class Config:
    approvals: ApprovalSettings = ApprovalSettings()
    dashboard: DashboardSettings = DashboardSettings()
    history: HistorySettings = HistorySettings()
    telegram: TelegramSettings = TelegramSettings()
    slack: SlackSettings = SlackSettings()
    discord: DiscordSettings = DiscordSettings()
    runners: RunnerSettings = RunnerSettings()
    agents: tuple[AgentSettings, ...] = ()
    remotes: tuple[RemoteSettings, ...] = ()
    path: Path | None = None
    warnings: tuple[str, ...] = ()

    def secrets(self) -> tuple[str, ...]:
        """Every token in the config (to be masked in logs)."""
        from tether_tui.platforms import PLATFORMS

        return tuple(token for spec in PLATFORMS.values() for token in spec.token_values(spec.settings_of(self)).values() if token)

    def bridge_settings(self) -> dict[str, TelegramSettings | SlackSettings | DiscordSettings]:
        from tether_tui.platforms import PLATFORMS

        return {name: spec.settings_of(self) for name, spec in PLATFORMS.items()}


SECTIONS: dict[str, type] = {
    "approvals": ApprovalSettings,
    "dashboard": DashboardSettings,
    "history": HistorySettings,
    "telegram": TelegramSettings,
    "slack": SlackSettings,
    "discord": DiscordSettings,
    "runners": RunnerSettings,
}

MAX_CONFIG_BYTES = 1024 * 1024

WEEK_MINUTES = 7 * 24 * 60
RANGES: dict[tuple[str, str], tuple[float, float]] = {
    ("approvals", "timeout_seconds"): (1, 7 * 24 * 3600),
    ("approvals", "durations_minutes"): (1, WEEK_MINUTES),
    ("approvals", "default_duration_minutes"): (1, WEEK_MINUTES),
    ("approvals", "batch_debounce_seconds"): (0, 3600),
    ("approvals", "batch_max_wait_seconds"): (0, 24 * 3600),
    ("dashboard", "demo_sessions"): (0, 50),
    ("dashboard", "key_grace_seconds"): (0, 10),
    ("history", "max_lines"): (10, 1_000_000),
    ("history", "max_bytes"): (1000, 1_000_000_000),
    ("telegram", "forum_group_id"): (-(2**53), 2**53),
    ("telegram", "allowed_user_ids"): (1, 2**53),
    ("discord", "channel_id"): (0, 2**64 - 1),
    ("discord", "allowed_user_ids"): (1, 2**64 - 1),
}
"""The values every number may take (each item, for lists). Outside them a value is refused with
the range, so that no setting can overflow a timer or never expire."""


def _format_number(value: float) -> str:
    if isinstance(value, int):
        return f"{value:_}"
    return f"{value:_.0f}" if value.is_integer() else f"{value:g}"


def _check_range(section: str, key: str, value: Any) -> str | None:
    bounds = RANGES.get((section, key))
    values = value if isinstance(value, tuple) else (value,)
    for item in values:
        if isinstance(item, float) and not math.isfinite(item):
            return f"must be a finite number, got {item}"
        if bounds is not None and isinstance(item, (int, float)) and not bounds[0] <= item <= bounds[1]:
            low, high = bounds
            return f"must be from {_format_number(low)} to {_format_number(high)}, got {_format_number(item)}"
    return None


def _key_line(text: str, section: str, key: str | None) -> int | None:
    """The line of ``key`` in ``[section]`` (or of the section header itself)."""
    current = None
    header_line = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.fullmatch(r"\[\s*([^\]]+?)\s*\]\s*(#.*)?", line)
        if header:
            current = header.group(1).strip().strip('"')
            if current == section:
                header_line = number
            continue
        if current == section and key is not None and re.match(rf'^"?{re.escape(key)}"?\s*=', line):
            return number
    return header_line


def toml_value(value: Any) -> str:
    """``value`` as TOML writes it (``true``, ``"text"``, ``[1, 2]``), for error messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def _describe_type(kind: Any) -> str:
    origin = get_origin(kind)
    if origin is Literal:
        return "one of " + ", ".join(toml_value(v) for v in get_args(kind))
    if origin is tuple:
        item = _describe_type(get_args(kind)[0])
        return f"a list of {item.removeprefix('a ').removeprefix('an ')}s"
    return {bool: "true or false", int: "a whole number", float: "a number", str: "a string"}.get(kind, str(kind))


def _convert(value: Any, kind: Any) -> Any:
    """Check ``value`` against ``kind``; raise ValueError with what was expected."""
    origin = get_origin(kind)
    if origin is Literal:
        if value not in get_args(kind):
            raise ValueError(f"expected {_describe_type(kind)}, got {toml_value(value)}")
        return value
    if origin is tuple:
        if not isinstance(value, list):
            raise ValueError(f"expected {_describe_type(kind)}, got {toml_value(value)}")
        item = get_args(kind)[0]
        return tuple(_convert(v, item) for v in value)
    if kind is bool:
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {toml_value(value)}")
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a whole number, got {toml_value(value)}")
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected a number, got {toml_value(value)}")
        return float(value)
    if kind is str:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {toml_value(value)}")
        return value
    raise TypeError(kind)


def _check(section: str, settings: Any) -> list[tuple[str, str]]:
    """Problems beyond types, as (key, message)."""
    problems: list[tuple[str, str]] = []
    if isinstance(settings, ApprovalSettings):
        if settings.timeout_seconds <= 0:
            problems.append(("timeout_seconds", "must be more than 0"))
        if not settings.durations_minutes or any(m <= 0 for m in settings.durations_minutes):
            problems.append(("durations_minutes", "must list at least one positive number of minutes"))
        if settings.default_duration_minutes <= 0:
            problems.append(("default_duration_minutes", "must be more than 0"))
        elif settings.default_duration_minutes not in settings.durations_minutes:
            problems.append(("default_duration_minutes", "must be one of durations_minutes"))
        if settings.batch_debounce_seconds < 0 or settings.batch_max_wait_seconds < settings.batch_debounce_seconds:
            problems.append(("batch_max_wait_seconds", "must be at least batch_debounce_seconds (both >= 0)"))
        for text in settings.never_auto_approve:
            try:
                ToolPattern.parse(text)
            except ValueError as exc:
                problems.append(("never_auto_approve", str(exc)))
    if isinstance(settings, HistorySettings):
        if settings.max_lines < 10:
            problems.append(("max_lines", "must be at least 10"))
        if settings.max_bytes < 1000:
            problems.append(("max_bytes", "must be at least 1000"))
    if isinstance(settings, DashboardSettings) and not 0 <= settings.demo_sessions <= 50:
        problems.append(("demo_sessions", "must be from 0 to 50"))
    return problems


def parse_config(text: str, path: Path | None = None, env: Mapping[str, str] | None = None, *, themes: Collection[str] = ()) -> Config:
    """The config a text holds; ConfigError naming every problem found. ``themes``: the theme
    names to check ``[dashboard] theme`` against (not checked when empty)."""
    env = os.environ if env is None else env
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column \d+\)", message)
        line = int(match.group(1)) if match else None
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        raise ConfigError(path, f"not valid TOML: {message}", line=line) from None

    problems = ConfigProblems()
    sections: dict[str, Any] = {}
    agents = _agents(raw.pop("agents", {}), text, path, problems)
    remotes = _remotes(raw.pop("remotes", {}), text, path, problems)
    for name, value in raw.items():
        if name not in SECTIONS:
            sections_known = ", ".join([*SECTIONS, "agents.NAME", "remotes.NAME"])
            problems.add(ConfigError(path, f"unknown section (known: {sections_known})", line=_key_line(text, name, None), key=f"[{name}]"))
        elif not isinstance(value, dict):
            problems.add(ConfigError(path, "must be a table", line=_key_line(text, name, None), key=name))

    for name, kind in SECTIONS.items():
        values = raw.get(name, {})
        values = dict(values) if isinstance(values, dict) else {}
        hints = get_type_hints(kind)
        known = {f.name for f in dataclasses.fields(kind)}
        converted: dict[str, Any] = {}
        for key, value in values.items():
            at = partial(ConfigError, path, line=_key_line(text, name, key), key=f"[{name}] {key}")
            if key not in known:
                problems.add(at(f"unknown key (known: {', '.join(sorted(known))})"))
                continue
            try:
                converted[key] = _convert(value, hints[key])
            except ValueError as exc:
                problems.add(at(str(exc)))
                continue
            problem = _check_range(name, key, converted[key])
            if problem is not None:
                problems.add(at(problem))
                del converted[key]
        if kind is ApprovalSettings and "durations_minutes" in converted and "default_duration_minutes" not in converted:
            offered = converted["durations_minutes"] or (1,)
            default = ApprovalSettings.default_duration_minutes
            converted["default_duration_minutes"] = min(offered, key=lambda m: (abs(m - default), m))
        settings = kind(**converted)
        for key, message in _check(name, settings):
            problems.add(ConfigError(path, message, line=_key_line(text, name, key), key=f"[{name}] {key}"))
        sections[name] = settings
    theme = sections["dashboard"].theme
    if themes and theme not in themes:
        problems.add(ConfigError(path, unknown_theme(theme, themes), line=_key_line(text, "dashboard", "theme"), key="[dashboard] theme"))
    problems.raise_any()

    from tether_tui.platforms import PLATFORMS

    for spec in PLATFORMS.values():
        for token in spec.tokens:
            if env.get(token.env):
                sections[spec.name] = dataclasses.replace(sections[spec.name], **{token.key: env[token.env]})

    warnings = []
    if path is not None and "token" in text and path.exists() and path.stat().st_mode & 0o077:
        warnings.append(f"{path} holds a token and is readable by others: chmod 600 {path}")
    for spec in PLATFORMS.values():
        settings = sections[spec.name]
        if settings.configured and not settings.allowed_user_ids and not settings.require_pairing:
            warnings.append(f"{spec.label}: no allowed_user_ids and pairing is off, so nobody can act from {spec.label}")
    return Config(**sections, agents=agents, remotes=remotes, path=path, warnings=tuple(warnings))


def _named_tables(
    raw: Any, section: str, known: tuple[str, ...], text: str, path: Path | None, problems: ConfigProblems
) -> Iterator[tuple[str, dict[str, Any], str, int | None]]:
    """The ``[section.NAME]`` tables with a valid name and known keys only: (name, table, how
    to name it in an error, its line). The others are added to ``problems``."""
    if not isinstance(raw, dict):
        problems.add(ConfigError(path, f"must be a table of [{section}.NAME] tables", key=section))
        return
    for name, table in raw.items():
        where = f"[{section}.{name}]"
        line = _key_line(text, f"{section}.{name}", None)
        if not re.fullmatch(r"[a-z][a-z0-9_-]{0,31}", name):
            problems.add(ConfigError(path, "a name of lowercase letters, digits, - and _", line=line, key=where))
        elif not isinstance(table, dict):
            problems.add(ConfigError(path, "must be a table", line=line, key=where))
        elif unknown := set(table) - set(known):
            problems.add(ConfigError(path, f"unknown key {sorted(unknown)[0]} (known: {', '.join(known)})", line=line, key=where))
        else:
            yield name, table, where, line


def _agents(raw: Any, text: str, path: Path | None, problems: ConfigProblems) -> tuple[AgentSettings, ...]:
    """``[agents.NAME]`` tables: ``command`` (a list of strings), optional ``env`` and ``label``."""
    agents = []
    for name, table, where, line in _named_tables(raw, "agents", ("command", "env", "label"), text, path, problems):
        try:
            agents.append(_agent(name, table, where, line, path))
        except ConfigError as exc:
            problems.add(exc)
    return tuple(agents)


def _agent(name: str, table: dict[str, Any], where: str, line: int | None, path: Path | None) -> AgentSettings:
    command = table.get("command")
    if command is None:
        raise ConfigError(path, "command: missing (the program and its arguments, as a list of strings)", line=line, key=where)
    if command == []:
        raise ConfigError(path, "command: is empty (name the program to run, then its arguments)", line=line, key=where)
    if not isinstance(command, list) or not all(isinstance(p, str) and p for p in command):
        raise ConfigError(path, f"command: expected a list of strings, got {toml_value(command)}", line=line, key=where)
    env = table.get("env", {})
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        raise ConfigError(path, f"env: expected a table of strings, got {toml_value(env)}", line=line, key=where)
    label = table.get("label", "")
    if not isinstance(label, str):
        raise ConfigError(path, f"label: expected a string, got {toml_value(label)}", line=line, key=where)
    return AgentSettings(name, tuple(command), tuple(sorted(env.items())), label)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) and item for item in value)


def _remotes(raw: Any, text: str, path: Path | None, problems: ConfigProblems) -> tuple[RemoteSettings, ...]:
    """``[remotes.NAME]`` tables: ``destination``, optional ``ssh_args``, ``enabled``,
    ``allowed_roots``."""
    remotes = []
    known = ("destination", "ssh_args", "enabled", "allowed_roots")
    for name, table, where, line in _named_tables(raw, "remotes", known, text, path, problems):
        try:
            remotes.append(_remote(name, table, where, line, path))
        except ConfigError as exc:
            problems.add(exc)
    return tuple(remotes)


def _remote(name: str, table: dict[str, Any], where: str, line: int | None, path: Path | None) -> RemoteSettings:
    destination = table.get("destination")
    if destination is None:
        raise ConfigError(path, "destination: missing (what you would type after ssh, e.g. me@devbox)", line=line, key=where)
    if not isinstance(destination, str) or not destination.strip() or destination.startswith("-"):
        raise ConfigError(path, f"destination: expected what you would type after ssh, got {toml_value(destination)}", line=line, key=where)
    for key in ("ssh_args", "allowed_roots"):
        if key in table and not _strings(table[key]):
            raise ConfigError(path, f"{key}: expected a list of strings, got {toml_value(table[key])}", line=line, key=where)
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(path, f"enabled: expected true or false, got {toml_value(enabled)}", line=line, key=where)
    return RemoteSettings(name, destination.strip(), tuple(table.get("ssh_args", ())), enabled, tuple(table.get("allowed_roots", ("~",))))


def load_config(path: Path | None, env: Mapping[str, str] | None = None, *, themes: Collection[str] = ()) -> Config:
    """Load ``path``; a missing file means all defaults (plus tokens from the environment)."""
    if path is None or not path.exists():
        return parse_config("", path, env, themes=themes)
    return parse_config(read_config_text(path), path, env, themes=themes)


def unknown_theme(theme: str, themes: Collection[str]) -> str:
    return f"unknown theme {theme!r} (known: {', '.join(sorted(themes))})"


def setting_error(config: Config, section: str, key: str, message: str) -> ConfigError:
    """An error about one setting of a loaded config, naming its file and line."""
    try:
        text = read_config_text(config.path) if config.path is not None and config.path.exists() else ""
    except ConfigError:
        text = ""
    return ConfigError(config.path, message, line=_key_line(text, section, key) if text else None, key=f"[{section}] {key}")


def read_config_text(path: Path) -> str:
    """The text of a config file: a regular file of at most :data:`MAX_CONFIG_BYTES` (a FIFO or
    a link to a device is refused, never read forever)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise ConfigError(path, "not a regular file")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ConfigError(path, "not a regular file")
            with os.fdopen(fd, "rb", closefd=False) as handle:
                data = handle.read(MAX_CONFIG_BYTES + 1)
        finally:
            os.close(fd)
    except OSError as exc:
        raise ConfigError(path, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(path, f"larger than {MAX_CONFIG_BYTES // 1024} KiB; is this the right file?")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


CONFIG_TEMPLATE = """\
# tether-tui configuration. Every setting is optional; shown here with its default.
# Edits apply while the dashboard runs; a broken edit keeps the last good config.

[approvals]
timeout_seconds = 600            # an unanswered request resolves to `fallback` after this long
fallback = "deny"                # "deny", or "defer": leave it to the agent's own prompt (hooks)
durations_minutes = [5, 15, 30, 60, 120]   # offered by "allow for N minutes"
default_duration_minutes = 30
# Never auto-approved, whatever rule is running. Shell(...) (or Bash(...)) is every agent's shell:
# program, flags in any order or spelling, other words as globs; see the README.
never_auto_approve = ["Shell(sudo *)", "Shell(doas *)", "Shell(su *)", "Shell(rm -r /*)", "Shell(rm -r ~*)", "Shell(git push --force*)"]
batch_debounce_seconds = 5       # auto-approval notices are batched: quiet period ...
batch_max_wait_seconds = 30      # ... and longest wait

[dashboard]
bell = true                      # ring the terminal bell when a request needs a human
notify = false                   # and a desktop notification (notify-send, or the terminal's OSC 9/777)
demo = true                      # start the built-in demo agents
demo_sessions = 3
theme = "textual-dark"
key_grace_seconds = 0.8          # a request is on screen this long before a key can decide it

[history]
max_lines = 5000                 # output lines kept per session
max_bytes = 2000000              # and bytes

# tether-tui setup telegram (slack, discord) fills a section in for you.
[telegram]
enabled = true
# token = ""                     # or TETHER_TUI_TELEGRAM_TOKEN
forum_group_id = 0               # 0: the first /pair <code> in a forum group binds it
allowed_user_ids = []
require_pairing = true           # or pair: write /pair <code shown in the dashboard> in the group

[slack]
enabled = true
# bot_token = ""                 # or TETHER_TUI_SLACK_BOT_TOKEN
# app_token = ""                 # or TETHER_TUI_SLACK_APP_TOKEN
channel_id = ""                  # "": the first !pair <code> in a channel binds it
allowed_user_ids = []
require_pairing = true           # or pair: write !pair <code shown in the dashboard> in the channel

[runners]
allowed_roots = ["~"]            # chat `new` starts agents only in folders under these

# A machine reached over ssh whose agents this dashboard supervises (see the README):
# [remotes.devbox]
# destination = "me@devbox"
# ssh_args = ["-p", "2222"]

# An ACP agent of your own (or one replacing claude, codex or gemini):
# [agents.goose]
# command = ["goose", "acp"]
# env = { GOOSE_PROVIDER = "openai" }

[discord]
enabled = true
# bot_token = ""                 # or TETHER_TUI_DISCORD_TOKEN
channel_id = 0                   # 0: the first !pair <code> in a channel binds it
allowed_user_ids = []
require_pairing = true
"""


class ConfigWatcher:
    """Reload the config file whenever it changes on disk (editors that replace the file
    included), calling ``on_config`` with the new config or ``on_error`` with the reason."""

    def __init__(
        self,
        path: Path,
        on_config: Callable[[Config], Awaitable[None] | None],
        on_error: Callable[[str], Awaitable[None] | None],
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.path = path
        self._on_config = on_config
        self._on_error = on_error
        self._env = env
        self._stop = asyncio.Event()
        self.ready = asyncio.Event()

    async def _call(self, callback: Callable[..., Awaitable[None] | None], arg: Any) -> None:
        result = callback(arg)
        if asyncio.iscoroutine(result):
            await result

    async def reload(self) -> None:
        try:
            config = load_config(self.path, self._env)
        except ConfigError as exc:
            log.warning("config not applied: %s", exc)
            await self._call(self._on_error, str(exc))
        else:
            await self._call(self._on_config, config)

    async def run(self) -> None:
        from watchfiles import awatch

        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        name = self.path.name
        watcher = awatch(
            directory,
            stop_event=self._stop,
            watch_filter=lambda _change, changed: Path(changed).name == name,
            debounce=200,
            step=50,
            yield_on_timeout=True,
            rust_timeout=500,
        )
        async for changes in watcher:
            if not self.ready.is_set():
                self.ready.set()
            if changes:
                await self.reload()

    def stop(self) -> None:
        self._stop.set()
