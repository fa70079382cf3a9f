"""Reading shell commands the way a shell would, so rules judge what will run, not a string.

A command line is parsed with tree-sitter-bash and every simple command in it is collected:
pipelines, ``&&``/``||``/``;`` chains, subshells, ``{ …; }`` groups, ``$(…)`` and backticks,
process substitutions, ``if``/``for``/``while``/``case`` bodies, function bodies, and the code
handed to another shell (``bash -c``, ``sh -lc``, ``eval``, ``su -c``, ``find -exec``, a heredoc or
here-string fed to a shell), recursively. Words are read after quoting and escapes
(``'su'do``, ``\\sudo``, ``$'\\x73udo'`` are all ``sudo``); environment assignments are dropped;
wrappers (``env``, ``command``, ``exec``, ``time``, ``nice``, ``nohup``, ``xargs``, ``timeout``,
``sudo``, …) are peeled off into further views of the same command; a program named by its path
(``/bin/rm``) is known by its file name.

Whatever cannot be read for sure (a syntax error, a command name or shell payload that depends
on variables or substitutions, brace or glob expansion in a command name, a shell reading code
from a pipe, nesting deeper than :data:`MAX_DEPTH`) makes the parse *not understood*: rules
never auto-approve such a command, a person decides.
"""

from __future__ import annotations

import codecs
import os
import re
import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

MAX_DEPTH = 6
"""Shells inside shells (``bash -c "sh -c '…'"``) read before giving up."""
MAX_LENGTH = 100_000
"""Longer command lines are not read at all (they ask)."""

SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "fish", "busybox"})
"""Programs that run shell code given with ``-c`` (or read from stdin)."""

RESERVED_WORDS = frozenset(
    {
        "if",
        "then",
        "else",
        "elif",
        "fi",
        "do",
        "done",
        "case",
        "esac",
        "while",
        "until",
        "for",
        "in",
        "function",
        "select",
        "{",
        "}",
        "!",
        "[[",
        "]]",
    }
)
"""Shell keywords: one read as a command's name means the parser misread the line."""

_GLOB_CHARS = re.compile(r"[*?\[]")
_BRACE_EXPANSION = re.compile(r"\{[^{}]*(,|\.\.)[^{}]*\}")


@dataclass(frozen=True)
class Word:
    """One argument as the program receives it. ``text`` is None when it depends on the
    environment (a variable other than HOME, a substitution, brace expansion)."""

    text: str | None
    glob: bool = False
    """Holds unquoted ``*``, ``?`` or ``[``: the shell may expand it to file names."""
    home: bool = False
    """Starts with ``~`` or ``$HOME`` (``text`` then starts with ``~``)."""

    @property
    def static(self) -> bool:
        return self.text is not None


@dataclass(frozen=True)
class SimpleCommand:
    words: tuple[Word, ...]
    """The argument vector (program first), environment assignments removed."""
    wrapped: bool = False
    """A view of another command with a wrapper peeled off (``env X=1 sudo ls`` → ``sudo ls``)."""

    @property
    def name(self) -> str | None:
        """The program's file name, or None when it is not known for sure."""
        if not self.words:
            return None
        first = self.words[0]
        if first.text is None or first.glob or not first.text:
            return None
        return os.path.basename(first.text.rstrip("/")) or first.text

    @property
    def args(self) -> tuple[Word, ...]:
        return self.words[1:]

    def argv(self) -> list[str] | None:
        """The words as text, or None if any of them is not known for sure."""
        if any(word.text is None for word in self.words):
            return None
        return [word.text or "" for word in self.words]


@dataclass
class ParsedShell:
    """Every simple command a command line would run."""

    source: str
    commands: list[SimpleCommand] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Why the command is not understood (empty when it is)."""
    files: list[Word] = field(default_factory=list)
    """Files read or written through redirects (``<``, ``>``, ``>>``, ``&>``…)."""
    structure: set[str] = field(default_factory=set)
    """Constructs seen besides plain words: ``pipe``, ``list``, ``substitution``, ``redirect``,
    ``payload`` (code run by another shell), ``compound`` (if/for/while/case/function/subshell),
    ``background``."""

    @property
    def understood(self) -> bool:
        return not self.problems

    def base_commands(self) -> list[SimpleCommand]:
        """The commands as written, without the views made by peeling wrappers."""
        return [command for command in self.commands if not command.wrapped]


# ------------------------------------------------------------------------------------- parser
@lru_cache(maxsize=1)
def _parser() -> Any:
    import tree_sitter_bash
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_bash.language()))


@lru_cache(maxsize=512)
def _parse_cached(text: str) -> ParsedShell:
    parsed = ParsedShell(text)
    _Reader(parsed).read(text, 0)
    return parsed


def parse(text: str) -> ParsedShell:
    """Parse a command line (cached: the same text is judged the same way every time)."""
    if len(text) > MAX_LENGTH:
        return ParsedShell(text, problems=[f"longer than {MAX_LENGTH:,} characters"])
    if "\x00" in text:
        return ParsedShell(text, problems=["holds a NUL character"])
    return _parse_cached(text)


def parse_argv(argv: Sequence[str]) -> ParsedShell:
    """An argument vector given as a list (Codex's ``["bash", "-lc", "…"]``), read as the
    exact command it is."""
    return parse(shlex.join(argv))


_ESCAPE_OUTSIDE_QUOTES = re.compile(r"\\(.)", re.DOTALL)
_ESCAPE_IN_DOUBLE_QUOTES = re.compile(r'\\([$`"\\\n])')
_NOT_STATIC = Word(None)


class _Reader:
    def __init__(self, parsed: ParsedShell) -> None:
        self.parsed = parsed

    def problem(self, text: str) -> None:
        if text not in self.parsed.problems:
            self.parsed.problems.append(text)

    # --------------------------------------------------------------------- walking the tree
    def read(self, text: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            self.problem(f"shells nested more than {MAX_DEPTH} deep")
            return
        tree = _parser().parse(text.encode("utf-8", "surrogatepass"))
        root = tree.root_node
        if root.has_error:
            self.problem("not valid shell syntax")
            return
        for node in _walk(root):
            kind = node.type
            if kind == "command":
                self.command(node, depth)
            elif kind == "pipeline":
                self.parsed.structure.add("pipe")
            elif kind == "list" or (kind == "program" and node.named_child_count > 1):
                self.parsed.structure.add("list")
            elif kind in ("command_substitution", "process_substitution"):
                self.parsed.structure.add("substitution")
            elif kind in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
                self.parsed.structure.add("redirect")
                if kind == "file_redirect":
                    self.redirect_file(node)
            elif kind in (
                "subshell",
                "compound_statement",
                "if_statement",
                "for_statement",
                "c_style_for_statement",
                "while_statement",
                "case_statement",
                "function_definition",
                "negated_command",
                "test_command",
            ):
                self.parsed.structure.add("compound")
            elif kind == "&":
                self.parsed.structure.add("background")

    def command(self, node: Any, depth: int) -> None:
        words: list[Word] = []
        for child in node.named_children:
            if child.type in ("variable_assignment", "subscript"):
                continue
            if child.type == "command_name":
                words.append(self.word(child.named_children[0] if child.named_children else child))
            elif child.type in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
                continue
            else:
                words.append(self.word(child))
        command = SimpleCommand(tuple(words))
        if command.name is None and words:
            self.problem("a command name that depends on variables, substitutions or expansion")
        elif words and words[0].text in RESERVED_WORDS:
            self.problem(f"the shell keyword {words[0].text!r} where a command should be")
        self.parsed.commands.append(command)
        self.peel(command, depth, self.stdin_code(node))

    def redirect_file(self, node: Any) -> None:
        operator = next((c.type for c in node.children if not c.is_named), "")
        destination = node.child_by_field_name("destination") or (node.named_children[-1] if node.named_children else None)
        if destination is None:
            return
        target = destination.text.decode("utf-8", "surrogatepass")
        if operator in (">&", "<&", ">&-", "<&-") and (target.isdigit() or target == "-"):
            return  # 2>&1: another descriptor, not a file
        self.parsed.files.append(self.word(destination))

    def stdin_code(self, command_node: Any) -> list[str | None]:
        """The text heredocs and here-strings feed to a command's standard input (None where it
        depends on variables or substitutions)."""
        stdin_code: list[str | None] = []
        nodes = list(command_node.named_children)
        parent = command_node.parent
        if parent is not None and parent.type == "redirected_statement":
            nodes += [child for child in parent.named_children if child is not command_node]
        for child in nodes:
            if child.type == "heredoc_redirect":
                body = next((c for c in child.named_children if c.type == "heredoc_body"), None)
                start = next((c for c in child.named_children if c.type == "heredoc_start"), None)
                quoted = start is not None and any(q in start.text.decode() for q in "'\"\\")
                if body is None:
                    stdin_code.append("")
                elif quoted or not any(c.type != "heredoc_content" for c in body.named_children):
                    stdin_code.append(body.text.decode("utf-8", "surrogatepass"))
                else:
                    stdin_code.append(None)
            elif child.type == "herestring_redirect":
                value = self.word(child.named_children[-1]) if child.named_children else _NOT_STATIC
                stdin_code.append(value.text)
        return stdin_code

    # --------------------------------------------------------------------- words
    def word(self, node: Any) -> Word:
        kind = node.type
        text = node.text.decode("utf-8", "surrogatepass")
        if kind == "word":
            if _BRACE_EXPANSION.search(text):
                return _NOT_STATIC  # brace expansion: more than one word
            glob = bool(_GLOB_CHARS.search(re.sub(r"\\.", "", text)))
            value = _ESCAPE_OUTSIDE_QUOTES.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), text)
            if value == "~" or value.startswith("~/"):
                return Word(value, glob=glob, home=True)
            if value.startswith("~"):
                return _NOT_STATIC  # ~user: another user's home
            return Word(value, glob=glob)
        if kind in ("number", "variable_name", "test_operator", "regex"):
            return Word(text)
        if kind == "raw_string":
            return Word(text[1:-1])
        if kind == "ansi_c_string":
            return Word(_ansi_c(text[2:-1]))
        if kind in ("string", "translated_string"):
            return self.string(node)
        if kind in ("simple_expansion", "expansion"):
            if _is_home(node):
                return Word("~", home=True)
            return _NOT_STATIC
        if kind == "concatenation":
            parts = [self.word(child) for child in node.named_children]
            if any(part.text is None for part in parts):
                return _NOT_STATIC
            value = "".join(part.text or "" for part in parts)
            unquoted = "".join(c.text.decode("utf-8", "surrogatepass") for c in node.named_children if c.type == "word")
            if _BRACE_EXPANSION.search(unquoted) or (
                any(c.type == "word" and c.text == b"{" for c in node.named_children) and _BRACE_EXPANSION.search(value)
            ):
                return _NOT_STATIC
            home = bool(parts) and parts[0].home
            return Word(value, glob=any(part.glob for part in parts), home=home)
        return _NOT_STATIC  # substitutions, arithmetic, arrays: known only at run time

    def string(self, node: Any) -> Word:
        value = ""
        home = False
        for index, child in enumerate(node.named_children):
            if child.type == "string_content":
                value += _ESCAPE_IN_DOUBLE_QUOTES.sub(
                    lambda m: "" if m.group(1) == "\n" else m.group(1), child.text.decode("utf-8", "surrogatepass")
                )
            elif child.type in ("simple_expansion", "expansion") and _is_home(child):
                value += "~"
                home = home or index == 0
            else:
                return _NOT_STATIC
        return Word(value, home=home)

    # --------------------------------------------------------------------- wrappers and payloads
    def peel(self, command: SimpleCommand, depth: int, stdin_code: list[str | None]) -> None:
        """Add the views of ``command`` with a wrapper removed, and read the code it hands to a
        shell."""
        seen = 0
        current: SimpleCommand | None = command
        while current is not None and seen < 16:
            seen += 1
            name = current.name
            if name is None:
                return
            if name in SHELLS or name == "eval" or name == "su" or name == "find":
                self.payloads(current, depth, stdin_code if current is command else [])
            inner = unwrap(current)
            if inner is None:
                return
            if not inner.words:
                return
            if name == "xargs":
                inner = SimpleCommand((*inner.words, Word(None)), wrapped=True)  # and what arrives on stdin
            current = SimpleCommand(inner.words, wrapped=True)
            if current.name is None:
                self.problem("a wrapped command whose name depends on variables or substitutions")
                return
            self.parsed.commands.append(current)

    def payloads(self, command: SimpleCommand, depth: int, stdin_code: list[str | None]) -> None:
        name = command.name
        args = list(command.args)
        if name == "eval":
            if any(word.text is None for word in args):
                self.problem("eval of text that depends on variables or substitutions")
                return
            self.parsed.structure.add("payload")
            self.read(" ".join(word.text or "" for word in args), depth + 1)
            return
        if name == "find":
            for inner in _find_actions(args):
                self.parsed.structure.add("payload")
                view = SimpleCommand(tuple(inner), wrapped=True)
                if view.name is None:
                    self.problem("find -exec of a command that depends on variables")
                    continue
                self.parsed.commands.append(view)
                self.peel(view, depth + 1, [])
            return
        code = _dash_c_payload(args, su=name == "su")
        if code is not None:
            self.parsed.structure.add("payload")
            if code.text is None:
                self.problem(f"{name} -c with code that depends on variables or substitutions")
            else:
                self.read(code.text, depth + 1)
            return
        if name == "su":
            return
        if _reads_script_file(args):
            return  # runs a script file: its content is the file's business
        # A shell with no -c and no script file runs what arrives on stdin.
        self.parsed.structure.add("payload")
        if not stdin_code:
            self.problem(f"{name} runs code from its input, which cannot be seen here")
            return
        for code_text in stdin_code:
            if code_text is None:
                self.problem(f"{name} runs a heredoc that depends on variables or substitutions")
            else:
                self.read(code_text, depth + 1)


def _walk(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _is_home(node: Any) -> bool:
    names = list(node.named_children)
    return len(names) == 1 and names[0].type == "variable_name" and names[0].text == b"HOME"


def _ansi_c(body: str) -> str:
    try:
        return codecs.decode(body.encode("latin-1", "backslashreplace"), "unicode_escape")
    except (UnicodeDecodeError, ValueError):
        return body


def _dash_c_payload(args: list[Word], *, su: bool = False) -> Word | None:
    """The code after ``-c`` (``bash -c``, ``bash -lc``, ``bash -o x -c``, ``su -c``)."""
    skip_next = False
    for index, word in enumerate(args):
        text = word.text
        if skip_next:
            skip_next = False
            continue
        if text is None:
            continue
        if text in _SHELL_OPTIONS_WITH_VALUE or (su and text in ("-s", "--shell", "-g", "--group", "-G", "--supp-group")):
            skip_next = True
            continue
        if text == "--" or not text.startswith("-"):
            if su and not text.startswith("-"):
                continue  # su USER -c …
            return None
        if text == "--command" or (text.startswith("-") and not text.startswith("--") and "c" in text[1:]):
            return args[index + 1] if index + 1 < len(args) else Word("")
        if text.startswith("--command="):
            return Word(text.split("=", 1)[1])
    return None


_SHELL_OPTIONS_WITH_VALUE = frozenset({"-o", "+o", "-O", "+O", "--rcfile", "--init-file"})


def _reads_script_file(args: list[Word]) -> bool:
    """A shell started with a script file (``bash x.sh``), not reading stdin."""
    skip_value = _SHELL_OPTIONS_WITH_VALUE
    expect_value = False
    for word in args:
        if expect_value:
            expect_value = False
            continue
        text = word.text
        if text is None:
            return True
        if text in skip_value:
            expect_value = True
            continue
        if text == "-s":
            return False
        if text in ("-", "--"):
            continue
        if text.startswith(("-", "+")):
            continue
        return True
    return False


def _find_actions(args: list[Word]) -> list[list[Word]]:
    """The commands find runs (``-exec``, ``-execdir``, ``-ok``) with ``{}`` standing for each
    folder it starts from, and ``-delete`` as the ``rm -rf`` of those folders it amounts to."""
    starts: list[Word] = []
    for word in args:
        if word.text is None or word.text.startswith(("-", "(", "!", ")")):
            break
        starts.append(word)
    starts = starts or [Word(".")]
    found: list[list[Word]] = []
    index = 0
    while index < len(args):
        text = args[index].text
        if text in ("-exec", "-execdir", "-ok", "-okdir"):
            end = index + 1
            while end < len(args) and args[end].text not in (";", "+"):
                end += 1
            inner = args[index + 1 : end]
            if inner:
                for start in starts:
                    found.append([start if word.text == "{}" else word for word in inner])
            index = end
        elif text == "-delete":
            found.extend([Word("rm"), Word("-rf"), start] for start in starts)
        index += 1
    return found


# ------------------------------------------------------------------------------------- wrappers
def _options_then_command(
    args: Sequence[Word],
    *,
    with_value: frozenset[str] = frozenset(),
    positional_before: int = 0,
    assignments: bool = False,
    stop_at_double_dash: bool = True,
) -> tuple[Word, ...] | None:
    """The command after a wrapper's own options (and ``positional_before`` values such as
    timeout's duration)."""
    index = 0
    while index < len(args):
        text = args[index].text
        if text is None:
            return None
        if text == "--" and stop_at_double_dash:
            index += 1
            break
        if assignments and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", text, flags=re.DOTALL):
            index += 1
            continue
        if text.startswith("-") and len(text) > 1:
            index += 2 if (text in with_value) else 1
            continue
        break
    index += positional_before
    rest = tuple(args[index:])
    return rest or None


_WRAPPERS: dict[str, dict[str, Any]] = {
    "env": {"with_value": frozenset({"-u", "--unset", "-C", "--chdir", "-S", "--split-string"}), "assignments": True},
    "command": {},
    "builtin": {},
    "exec": {"with_value": frozenset({"-a"})},
    "time": {"with_value": frozenset({"-f", "--format", "-o", "--output"})},
    "nice": {"with_value": frozenset({"-n", "--adjustment"})},
    "nohup": {},
    "setsid": {},
    "stdbuf": {"with_value": frozenset({"-i", "-o", "-e"})},
    "ionice": {"with_value": frozenset({"-c", "-n", "-p", "-P", "-u", "--class", "--classdata"})},
    "chrt": {"positional_before": 1},
    "taskset": {"positional_before": 1},
    "timeout": {"with_value": frozenset({"-s", "--signal", "-k", "--kill-after"}), "positional_before": 1},
    "xargs": {
        "with_value": frozenset(
            {
                "-I",
                "-i",
                "-n",
                "-P",
                "-L",
                "-l",
                "-s",
                "-d",
                "-E",
                "-e",
                "-a",
                "--max-args",
                "--max-procs",
                "--max-lines",
                "--delimiter",
                "--arg-file",
            }
        ),
    },
    "sudo": {
        "with_value": frozenset(
            {"-u", "-g", "-h", "-p", "-C", "-D", "-R", "-T", "-U", "--user", "--group", "--host", "--prompt", "--chdir", "--chroot"}
        ),
        "assignments": True,
    },
    "doas": {"with_value": frozenset({"-u", "-C"})},
    "coproc": {},
    "watch": {"with_value": frozenset({"-n", "--interval", "-d"})},
    "flock": {"with_value": frozenset({"-w", "--timeout", "-E", "--conflict-exit-code"}), "positional_before": 1},
    "unbuffer": {},
    "caffeinate": {},
}
"""Programs that run the command given after their own options."""


def unwrap(command: SimpleCommand) -> SimpleCommand | None:
    """``command`` with its wrapper peeled off, or None when it is no wrapper."""
    name = command.name
    if name is None or name not in _WRAPPERS:
        return None
    options = _WRAPPERS[name]
    if name == "env" and any(word.text in ("-S", "--split-string") for word in command.args):
        return SimpleCommand((Word(None),))  # env -S "cmd args": a command line in one word
    if name == "command" and any(word.text in ("-v", "-V") for word in command.args):
        return None  # command -v x: only looks x up
    rest = _options_then_command(command.args, **options)
    if rest is None:
        return None
    return SimpleCommand(rest, wrapped=True)


def split_flags(name: str | None, words: Sequence[Word]) -> tuple[set[str], list[Word], bool]:
    """A command's flags as a set (``-rf`` → ``-r``, ``-f``; ``--force=x`` → ``--force``, with the
    known spellings of the same flag added), its positional words, and whether any word is unknown
    (could be anything)."""
    flags: set[str] = set()
    positional: list[Word] = []
    unknown = False
    after_double_dash = False
    for word in words:
        text = word.text
        if text is None:
            unknown = True
            continue
        if after_double_dash:
            positional.append(word)
            continue
        if text == "--":
            after_double_dash = True
            continue
        if text.startswith("--") and len(text) > 2:
            flags.add(text.split("=", 1)[0])
        elif text.startswith("-") and len(text) > 1 and not word.home:
            if word.glob:
                unknown = True
            flags.update(f"-{letter}" for letter in text[1:])
        else:
            positional.append(word)
            if name == "git" and text.startswith("+") and len(text) > 1:
                flags.add("--force")  # git push origin +main
    for group in FLAG_SPELLINGS.get(name or "", ()):
        if flags & group:
            flags |= group
    return flags, positional, unknown


FLAG_SPELLINGS: dict[str, tuple[frozenset[str], ...]] = {
    "rm": (frozenset({"-r", "-R", "--recursive"}), frozenset({"-f", "--force"})),
    "git": (frozenset({"-f", "--force"}),),
    "chmod": (frozenset({"-R", "--recursive"}),),
    "chown": (frozenset({"-R", "--recursive"}),),
    "cp": (frozenset({"-r", "-R", "--recursive"}), frozenset({"-f", "--force"})),
    "mv": (frozenset({"-f", "--force"}),),
}
"""Flags that mean the same, per program, so a pattern written with one spelling catches all."""
