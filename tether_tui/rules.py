"""Matching requests against auto-approve rules and the never-auto-approve list. Pure functions.

Shell commands are judged after parsing (:mod:`tether_tui.shell`), never as strings; paths are
judged after resolving them (``..``, ``~`` and symlinks). When a request cannot be read for sure,
no rule covers it: a person decides.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
import shlex
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from tether_tui import shell
from tether_tui.catalogue import catalogue
from tether_tui.interpreters import INTERPRETERS, inline_code, rule_words
from tether_tui.models import Rule
from tether_tui.shellwords import SimpleCommand, Word
from tether_tui.toolinput import FILE_TOOLS, glob_base, is_shell_tool, named_paths, patch_files, shell_command

SHELL_PATTERN_NAMES = frozenset({"Shell", "Bash"})
"""Pattern tool names that stand for every agent's shell tool (Claude's Bash, Codex's shell and
exec_command, Gemini's run_shell_command)."""

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_REMOTE = re.compile(r"^[\w.-]+@[\w.-]+:|^[\w-]+(\.[\w-]+)+:/")


_PROCESS_FILES = re.compile(r"^/+(proc|dev/fd)(/|$)")

ON_REMOTE: ContextVar[bool] = ContextVar("on_remote", default=False)
"""Set while a remote's request is matched: its paths name files on that machine, so this
machine's home folder and symlinks say nothing about them."""


@contextmanager
def paths_on_remote(remote: bool) -> Iterator[None]:
    token = ON_REMOTE.set(remote)
    try:
        yield
    finally:
        ON_REMOTE.reset(token)


def resolve_path(path: str, base: str | None = None) -> str | None:
    """Absolute, normalised path with ``..``, ``~`` and symlinks resolved (the path need not
    exist); None for a path that cannot name a file (a NUL byte in it). For a remote's path
    (see :data:`ON_REMOTE`) only ``..`` is resolved, and a ``~`` path is None: unknown here."""
    if "\x00" in path or (base is not None and "\x00" in base):
        return None
    if _PROCESS_FILES.match(path) or (base is not None and _PROCESS_FILES.match(base) and not os.path.isabs(path)):
        return None  # /proc/self/… names the dashboard's own files here, not the agent's
    if ON_REMOTE.get():
        if path.startswith("~") or (base is not None and base.startswith("~")):
            return None
        joined = path if os.path.isabs(path) else os.path.join(base or "/nonexistent-relative-base", path)
        return os.path.normpath(joined) if os.path.isabs(joined) else None
    try:
        expanded = os.path.expanduser(path)
        if not os.path.isabs(expanded):
            expanded = os.path.join(base or os.getcwd(), expanded)
        return os.path.realpath(expanded)
    except (ValueError, OSError):
        return None


def path_within(path: str, directory: str) -> bool:
    """True when resolved ``path`` is ``directory`` or inside it (component-wise, so ``/repo``
    does not contain ``/repo-evil``)."""
    try:
        return os.path.commonpath([path, directory]) == directory
    except ValueError:
        return False


# ------------------------------------------------------------------------------ command rules
EXACT_ONLY = frozenset(
    {
        "eval",
        "su",
        "find",
        "fd",
        "xargs",
        "parallel",
        "ssh",
        "scp",
        "rsync",
        "rm",
        "rmdir",
        "unlink",
        "dd",
        "shred",
        "truncate",
        "mkfs",
        "chmod",
        "chown",
        "chgrp",
        "mv",
        "cp",
        "ln",
        "install",
        "kill",
        "pkill",
        "killall",
        "crontab",
        "systemctl",
        "curl",
        "wget",
        "git-shell",
        "tee",
        "make",
        "source",
        ".",
    }
)
"""Programs whose later arguments decide whether they delete, overwrite, reach out or run other
code: "commands like this one" covers only the exact same command for them (so do every shell
and every carrier without subcommands in the catalogue, see :func:`exact_only`)."""


def exact_only(name: str) -> bool:
    if name in EXACT_ONLY or shell.is_shell(name):
        return True
    carrier = catalogue().carriers.get(name)
    return carrier is not None and not carrier.subcommands


@dataclass(frozen=True)
class CommandRule:
    """What "allow commands like this one" covers: commands that start with ``words`` (or are
    exactly ``words`` when ``exact``), each a single command with nothing chained, piped,
    substituted or redirected."""

    words: tuple[str, ...]
    exact: bool = False

    @property
    def text(self) -> str:
        return shlex.join(self.words)

    def describe(self) -> str:
        return f"`{self.text}` exactly" if self.exact else f"`{self.text} …`"

    def matches(self, command_text: str) -> bool:
        argv = single_command_argv(command_text)
        if argv is None:
            return False
        if self.exact:
            return tuple(argv) == self.words
        return tuple(argv[: len(self.words)]) == self.words

    @classmethod
    def stored(cls, prefix: str, exact: bool) -> CommandRule:
        return cls(tuple(shlex.split(prefix)), exact)


def single_command_argv(command_text: str, depth: int = 0) -> list[str] | None:
    """The argument vector of a command line that runs one simple command, looking inside
    ``bash -c '…'``; None for anything else (chains, pipes, substitutions, redirects, wrappers'
    payloads beyond a shell's ``-c``, or anything not understood)."""
    if depth > shell.MAX_DEPTH:
        return None
    parsed = shell.parse(command_text)
    if not parsed.understood or parsed.structure - {"payload"}:
        return None
    base = parsed.base_commands()
    if not base:
        return None
    argv = base[0].argv()
    if argv is None:
        return None
    name = base[0].name
    if shell.is_shell(name):
        code = shell._dash_c_payload(list(base[0].args))
        if code is not None and code.text is not None:
            return single_command_argv(code.text, depth + 1)
        return None
    if len(base) != 1:
        return None
    return argv


def command_rule_for(command_text: str) -> CommandRule | None:
    """The rule "allow commands like this one" makes from a command, or None when the command
    runs more than one thing (it gets no such rule)."""
    argv = single_command_argv(command_text)
    if not argv:
        return None
    name = os.path.basename(argv[0])
    if exact_only(name):
        return CommandRule(tuple(argv), exact=True)
    if INTERPRETERS.match(name):
        words = rule_words(argv)
        return CommandRule(tuple(argv), exact=True) if words is None else CommandRule(words)
    carrier = catalogue().carriers.get(name)
    if len(argv) > 1 and (
        (carrier is not None and (argv[1] in carrier.subcommands or argv[1].startswith("-"))) or (name == "git" and argv[1].startswith("-"))
    ):
        return CommandRule(tuple(argv), exact=True)  # npm exec …, uv run …, git -c …: what runs is further on
    return CommandRule(tuple(argv[:2]))


# ------------------------------------------------------------------------------ matching rules
@dataclass(frozen=True)
class RequestContext:
    """What a rule is matched against."""

    session_id: str
    tool_name: str
    tool_input: dict[str, Any]
    cwd: str | None
    host: str | None = None
    """The remote the request comes from; None: this machine."""

    def paths_inside(self, directory: str) -> bool:
        """True when every path the request names resolves inside ``directory`` and there is at
        least one path to check. Tools that are neither file tools nor shells never are."""
        base = resolve_path(self.cwd) if self.cwd else None
        if self.cwd and base is None:
            return False
        if is_shell_tool(self.tool_name):
            command = shell_command(self.tool_name, self.tool_input)
            workdir = self.tool_input.get("workdir") or self.tool_input.get("cwd")
            if isinstance(workdir, str) and workdir:
                base = resolve_path(workdir, base)
            if command is None or base is None:
                return False
            return path_within(base, directory) and _shell_paths_inside(command, base, directory)
        if self.tool_name not in FILE_TOOLS:
            return False
        paths = named_paths(self.tool_name, self.tool_input)
        if paths is None:
            return False
        if not paths:
            return base is not None and path_within(base, directory)
        for path in paths:
            resolved = resolve_path(path, base) if (base or os.path.isabs(os.path.expanduser(path))) else None
            if resolved is None or not path_within(resolved, directory):
                return False
        return True


NETWORK_PROGRAMS = frozenset(
    {
        "ssh",
        "scp",
        "sftp",
        "rsync",
        "mosh",
        "telnet",
        "nc",
        "ncat",
        "netcat",
        "socat",
        "curl",
        "wget",
        "ftp",
        "http",
        "https",
        "xh",
        "aria2c",
    }
)
"""Programs that reach other machines: a folder rule never covers them."""


def _shell_paths_inside(command: str, cwd: str, directory: str) -> bool:
    parsed = shell.parse(command)
    if not parsed.understood:
        return False
    for name, value in parsed.settings:
        if name in catalogue().path_settings and not _word_inside(value, cwd, directory, flag_like=False):
            return False  # HOME=/ git …, TMPDIR=…, GIT_DIR=…, CDPATH=…
    for word in parsed.files:
        if not _word_inside(word, cwd, directory, flag_like=False):
            return False
    for simple in parsed.commands:
        if simple.name in NETWORK_PROGRAMS:
            return False
        if inline_code(simple):
            return False  # code is not a path: a folder rule never covers it
        bases = _command_folders(simple, cwd, directory)
        if bases is None:
            return False
        if simple.name in ("cd", "pushd", "popd", "chdir"):
            continue  # where it goes is checked as the folder the next commands run in
        for base in bases:
            if not _command_words_inside(simple, base, directory):
                return False
    return True


def _command_folders(simple: SimpleCommand, cwd: str, directory: str) -> list[str] | None:
    """The folders a command may run in: the request's, and each one ``cd`` went to before it
    in the line (all must be inside); None when one cannot be known or is outside."""
    bases = [cwd]
    for folder in simple.folders:
        if folder.text is None or folder.glob:
            return None
        resolved = [resolve_path(folder.text, base) for base in bases]
        if any(path is None or not path_within(path, directory) for path in resolved):
            return None
        bases.extend(path for path in resolved if path is not None)
    return list(dict.fromkeys(bases))


def _command_words_inside(simple: SimpleCommand, cwd: str, directory: str) -> bool:
    program = simple.words[0] if simple.words else None
    if (
        program is not None
        and program.text is not None
        and not os.path.isabs(program.text)
        and "/" in program.text
        and not _word_inside(program, cwd, directory, flag_like=False)  # ./script.sh runs a file from here
    ):
        return False
    targets: list[Word] = []
    if simple.name in ("ln", "cp") and _makes_symlinks(simple):
        # a link's target is read from the link's folder: `ln -s ../.. sub/x` points outside
        _, positional, _ = shell.split_flags(simple.name, simple.args)
        if len(positional) >= 2 and positional[-1].text is not None:
            link_folder = os.path.dirname(resolve_path(positional[-1].text, cwd) or cwd)
            targets = positional[:-1]
            for target in targets:
                if not _word_inside(target, link_folder, directory, flag_like=False):
                    return False
    options_end = False
    for word in simple.args:
        if word.text == "--" and not options_end:
            options_end = True
            continue
        if any(word is target for target in targets):
            continue
        if not _word_inside(word, cwd, directory, flag_like=not options_end):
            return False
    return True


def _makes_symlinks(simple: SimpleCommand) -> bool:
    flags, _, unknown = shell.split_flags(simple.name, simple.args)
    return unknown or bool(flags & {"-s", "--symbolic", "--symbolic-link"})


def _word_inside(word: Word, cwd: str, directory: str, *, flag_like: bool) -> bool:
    """Whether what ``word`` may name lies inside ``directory``: the word itself, the value
    after ``=`` or ``@``, and for an option (``-o/x``) the path inside it."""
    text = word.text
    if text is None:
        return False
    if text == "-" or not text:
        return True
    if _URL.match(text) or _REMOTE.match(text):
        return False
    patched = patch_files(text)  # apply_patch run as a shell command carries its files inside
    if patched:
        return all(_word_inside(Word(path), cwd, directory, flag_like=False) for path in patched)
    candidates = {text}
    if "=" in text:
        candidates.add(text.split("=", 1)[1])
    if text.startswith("@"):
        candidates.add(text[1:])
    if flag_like and text.startswith("-"):
        for mark in ("/", "~"):
            if mark in text:
                candidates.add(text[text.index(mark) :])
        if not text.startswith("--"):
            # a value stuck to a short option (cp -t.., tar -C../x): any letter may take one
            candidates.update(text[index:] for index in range(2, len(text)))
        candidates.discard(text)
    for candidate in candidates:
        if not candidate or (flag_like and candidate.startswith("-")):
            continue
        if _URL.match(candidate) or _REMOTE.match(candidate):
            return False
        base = glob_base(candidate) if word.glob or "*" in candidate else candidate
        resolved = resolve_path(base, cwd) if base is not None else None
        if resolved is None or not path_within(resolved, directory):
            return False
    return True


def rule_matches(rule: Rule, request: RequestContext) -> bool:
    with paths_on_remote(request.host is not None):
        return _rule_matches(rule, request)


def _rule_matches(rule: Rule, request: RequestContext) -> bool:
    if rule.session_id is not None and rule.session_id != request.session_id:
        return False
    if rule.tool_name is not None and rule.tool_name != request.tool_name:
        return False
    if rule.command_prefix is not None:
        command = shell_command(request.tool_name, request.tool_input)
        if command is None or not CommandRule.stored(rule.command_prefix, rule.command_exact).matches(command):
            return False
    if rule.directory is not None and rule.host != request.host:
        return False  # /repo on devbox is not /repo here
    return not (rule.directory is not None and not request.paths_inside(rule.directory))


def shell_understood(tool_name: str, tool_input: dict[str, Any]) -> bool:
    """False for a shell request whose command cannot be read for sure (such a request is never
    auto-approved); True for every other request."""
    if not is_shell_tool(tool_name):
        return True
    command = shell_command(tool_name, tool_input)
    return command is not None and shell.parse(command).understood


# ------------------------------------------------------------------------------ never-auto-approve
@dataclass(frozen=True)
class ToolPattern:
    """``Tool`` or ``Tool(pattern)``.

    For shells (``Shell(…)`` or ``Bash(…)``, which mean the same: every agent's shell tool) the
    pattern is one command: a program name (a glob, matched against the file name, so ``rm``
    catches ``/bin/rm``), flags (all must be present, in any order or spelling: ``-rf`` is
    ``-r -f``, ``-fr`` and, for rm, ``--recursive --force``) and other words (each must match
    some argument, as a glob; ``~`` and ``$HOME`` are the same folder). A lone ``*`` allows
    anything more. It is matched against every command the line would run. For other tools the
    glob is matched against the file path or URL of the request.
    """

    tool: str
    glob: str | None = None

    @classmethod
    def parse(cls, text: str) -> ToolPattern:
        text = text.strip()
        match = re.fullmatch(r"([^()\s]+)(?:\((.*)\))?", text, flags=re.DOTALL)
        if not match:
            raise ValueError(f"not a tool pattern: {text!r} (expected Tool or Tool(glob))")
        pattern = cls(match.group(1), match.group(2))
        if pattern.is_shell and pattern.glob is not None:
            pattern._shell_tokens()
        return pattern

    @property
    def is_shell(self) -> bool:
        return self.tool in SHELL_PATTERN_NAMES

    def _shell_tokens(self) -> list[str]:
        assert self.glob is not None
        try:
            tokens = shlex.split(self.glob)
        except ValueError:
            tokens = self.glob.split()
        if not tokens:
            raise ValueError(f"{self}: names no command")
        operators = [t for t in tokens if t in ("|", "||", "&&", ";", "&", ">", ">>", "<") or t.startswith(("$(", "`"))]
        if operators:
            raise ValueError(f"{self}: a pattern describes one command; write one pattern per command")
        return tokens

    def matches(self, tool_name: str, tool_input: dict[str, Any], cwd: str | None = None) -> bool:
        if self.is_shell:
            if not is_shell_tool(tool_name):
                return False
        elif not fnmatch.fnmatchcase(tool_name, self.tool):
            return False
        if self.glob is None:
            return True
        if self.is_shell:
            command = shell_command(tool_name, tool_input)
            if command is None:
                return True  # a shell request whose command cannot be found: never waved through
            commands = shell.parse(command).commands
            return any(self._matches_command(simple, cwd) for simple in commands) or any(
                self._mentioned_in(code) for simple in commands for code in inline_code(simple)
            )
        subjects: list[str] = []
        for path in named_paths(tool_name, tool_input) or []:
            subjects.append(path)
            resolved = resolve_path(path, cwd)
            if resolved:
                subjects.append(resolved)
        if isinstance(tool_input.get("url"), str):
            subjects.append(tool_input["url"])
        return any(fnmatch.fnmatchcase(subject, self.glob) for subject in subjects)

    def _mentioned_in(self, code: str | None) -> bool:
        """Whether inline code (``python -c``, ``perl -e``, an awk program…) names this
        pattern's program as a word: such code asks, whatever rule runs (how the code builds
        the rest of the command is not read). Code that depends on variables could name
        anything."""
        if code is None:
            return True
        tokens = self._shell_tokens()
        program = os.path.basename(tokens[0]) or tokens[0]
        if any(ch in program for ch in "*?["):
            return False
        names = {program, *catalogue().families.get(program, ())}
        return any(_as_word(name).search(code) for name in names)

    def _matches_command(self, command: SimpleCommand, cwd: str | None) -> bool:
        tokens = self._shell_tokens()
        name = command.name
        program = os.path.basename(tokens[0]) or tokens[0]
        if name is not None and not fnmatch.fnmatchcase(name, program) and name not in catalogue().families.get(program, ()):
            return False  # sudo also names sudo-rs, sudoedit, pkexec, run0…
        flags, positional, unknown = shell.split_flags(name, command.args)
        wanted_flags, wanted_words = _pattern_parts(name, tokens[1:])
        for flag in wanted_flags:
            if not unknown and not any(fnmatch.fnmatchcase(present, flag) for present in flags):
                return False
        values = [value for word in positional for value in _word_forms(word, cwd, command.folders)]
        return unknown or all(any(fnmatch.fnmatchcase(value, wanted) for value in values) for wanted in wanted_words)

    def __str__(self) -> str:
        return self.tool if self.glob is None else f"{self.tool}({self.glob})"


def _as_word(text: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.-]){re.escape(text)}(?![\w-])")


def _pattern_parts(name: str | None, tokens: list[str]) -> tuple[list[str], list[str]]:
    flags: list[str] = []
    words: list[str] = []
    for token in tokens:
        if token == "*":
            continue
        if token.startswith("--"):
            flags.append(token)
        elif token.startswith("-") and len(token) > 1:
            letters = token[1:]
            if any(ch in letters for ch in "*?["):
                flags.append(token)
            else:
                flags.extend(f"-{letter}" for letter in letters)
        else:
            words.append(_normalise_home(token))
    return flags, words


def _normalise_home(text: str) -> str:
    home = os.path.expanduser("~")
    if text == home or text.startswith(home + "/"):
        return "~" + text[len(home) :]
    return text.replace("$HOME", "~").replace("${HOME}", "~")


def _word_forms(word: Word, cwd: str | None, folders: tuple[Word, ...] = ()) -> Iterable[str]:
    """The spellings of an argument a pattern is compared with: as written, normalised
    (``//x/./y`` → ``/x/y``), home as ``~`` and as the real folder, and ``..`` resolved. A
    relative word in a command that runs in ``/`` or in the home folder (the request's folder,
    or one ``cd`` went to) is also that folder's path: ``cd / && rm -rf *`` removes ``/*``."""
    text = word.text
    if text is None:
        return ()
    forms = {text}
    if text.startswith("/"):
        normal = posixpath.normpath(re.sub(r"/+", "/", text))
        forms.add(normal)
        forms.add(_normalise_home(normal))
    if word.home or text.startswith("~"):
        expanded = os.path.expanduser(text)
        forms.add(expanded)
        forms.add(posixpath.normpath(expanded))
        forms.add(_normalise_home(posixpath.normpath(expanded)))
        return forms
    if text.startswith("/"):
        return forms
    for base in _possible_folders(cwd, folders):
        if base is None:
            forms.update({"/" + text, "~/" + text})  # cd - or popd: it could be anywhere
            continue
        joined = posixpath.normpath(posixpath.join(base, text))
        if ".." in text.split("/") or base in ("/", "~") or _normalise_home(base) == "~":
            forms.update({joined, _normalise_home(joined)})
    return forms


def _possible_folders(cwd: str | None, folders: tuple[Word, ...]) -> list[str | None]:
    bases: list[str | None] = [cwd] if cwd else []
    for folder in folders:
        if folder.text is None:
            bases.append(None)
        elif folder.home or folder.text.startswith("~"):
            bases.append(posixpath.normpath(os.path.expanduser(folder.text)))
        elif folder.text.startswith("/"):
            bases.append(posixpath.normpath(folder.text))
        else:
            bases.extend(posixpath.normpath(posixpath.join(base, folder.text)) for base in list(bases) if base is not None)
    return bases


def never_auto_approved(
    patterns: tuple[ToolPattern, ...], tool_name: str, tool_input: dict[str, Any], cwd: str | None = None
) -> ToolPattern | None:
    for pattern in patterns:
        if pattern.matches(tool_name, tool_input, cwd):
            return pattern
    return None
