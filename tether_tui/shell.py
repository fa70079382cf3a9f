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

import logging
import re
import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from tether_tui.carriers import carried
from tether_tui.catalogue import catalogue
from tether_tui.printable import has_lone_surrogate
from tether_tui.shellwords import SimpleCommand, Word

log = logging.getLogger(__name__)

MAX_DEPTH = 6
"""Shells inside shells (``bash -c "sh -c '…'"``) read before giving up."""
MAX_LENGTH = 100_000
"""Longer command lines are not read at all (they ask)."""


def is_shell(name: str | None) -> bool:
    """Whether ``name`` is a shell: a program that runs code given with ``-c`` (or from stdin)."""
    return name is not None and name in catalogue().shells


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
    ``background``, ``assignment`` (a variable set for the command or the shell)."""
    settings: list[tuple[str, Word]] = field(default_factory=list)
    """Variables the line sets (``HOME=/x cmd``, ``export TMPDIR=…``, ``env GIT_DIR=…``)."""

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
    try:
        reader = _Reader(parsed)
        reader.read(text, 0)
        reader.finish(text)
    except RecursionError:
        return ParsedShell(text, problems=["nested too deeply to read"])
    except Exception as exc:  # a reader bug on odd input asks a person; it never decides
        log.warning("could not read a shell command (%s: %s); it asks", type(exc).__name__, exc)
        return ParsedShell(text, problems=[f"could not be read ({type(exc).__name__})"])
    return parsed


def parse(text: str) -> ParsedShell:
    """Parse a command line (cached: the same text is judged the same way every time)."""
    if len(text) > MAX_LENGTH:
        return ParsedShell(text, problems=[f"longer than {MAX_LENGTH:,} characters"])
    if "\x00" in text:
        return ParsedShell(text, problems=["holds a NUL character"])
    if has_lone_surrogate(text):
        return ParsedShell(text, problems=["holds a character that is not valid text (a lone surrogate)"])
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
        self.evaluates = False
        """Something evaluates text as arithmetic or as a variable name (``$(( x ))``, ``[[ $x
        -eq 0 ]]``, ``let``, ``${!x}``, subscripts, ``printf -v``…): a value like ``a[$(cmd)]``
        then runs ``cmd``."""
        self.untrusted_values = False
        """A variable is given a value that is not plain text (a substitution, input, ``+=``)."""
        self.runs_script = False
        """A script file is run or sourced (``bash x.sh``, ``. ./x``, ``./x``)."""
        self.dialect = "bash"
        """The shell reading the code now: ``sh`` (dash, busybox…) has no ``$'…'``; zsh has forms
        of its own."""
        self.folders: list[Word] = []
        """Where ``cd``/``pushd`` went so far, in order (None where it cannot be known)."""
        self.writes_files = False
        """A file is written (``>``, ``tee``, ``cp``…): a script run in the same line may be it."""

    def finish(self, text: str) -> None:
        """Problems that come from the line as a whole rather than one command in it."""
        if _CODE_IN_SUBSCRIPT.search(text):
            self.problem("an array subscript holding code, which bash runs when it evaluates it")
        if self.evaluates and self.untrusted_values:
            self.problem("arithmetic or a name evaluated from a variable whose value may hold code")
        if self.runs_script and self.writes_files:
            self.problem("runs a script file in the same command that writes files (it may run what was just written)")

    def problem(self, text: str) -> None:
        if text not in self.parsed.problems:
            self.parsed.problems.append(text)

    # --------------------------------------------------------------------- walking the tree
    def read(self, text: str, depth: int, dialect: str | None = None) -> None:
        """Read ``text`` as code; ``dialect`` (``bash``, ``sh``, ``zsh``) when another shell reads it."""
        if dialect is not None and dialect != self.dialect:
            outer, self.dialect = self.dialect, dialect
            try:
                self.read(text, depth)
            finally:
                self.dialect = outer
            return
        if depth > MAX_DEPTH:
            self.problem(f"shells nested more than {MAX_DEPTH} deep")
            return
        if self.dialect == "unknown":
            self.problem("code for a shell whose language is not read here (fish, tcsh, …)")
            return
        if self.dialect == "zsh" and _ZSH_ONLY.search(text):
            self.problem("zsh parameter flags or glob qualifiers (they may run code)")
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
                if node.text.startswith(b"`") and b"\\" in node.text:
                    self.backticks(node, depth)
            elif kind == "variable_assignment":
                self.assignment(node)
            elif kind == "declaration_command":
                if re.search(rb"\s-\w*[inaA]", node.text):
                    self.evaluates = True
                for child in node.named_children:
                    if child.type != "variable_assignment":
                        self.check_assignment_word(self.word(child))
            elif kind == "word" and _BARE_NEWLINE.search(node.text):
                self.problem("a line break the parser took into a word (read otherwise by bash)")
            elif kind == "regex" or (kind == "word" and node.parent is not None and node.parent.type == "expansion"):
                if b"$" in node.text or b"`" in node.text:
                    self.fragment(node.text.decode("utf-8", "surrogatepass"), depth)  # ${x#$(cmd)}: the pattern is expanded
            elif kind == "expansion":
                if b"`" in node.text:
                    self.expansion_operand(node, depth)
                if node.text.startswith(b"${!"):
                    self.evaluates = True
                if re.search(rb"@P\}$", node.text):
                    self.problem("a prompt expansion (${x@P}) runs the code a variable holds")
            elif kind in ("arithmetic_expansion", "c_style_for_statement", "subscript"):
                self.evaluates = True
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
                if (kind == "compound_statement" and node.text.startswith(b"((")) or (
                    kind == "test_command" and re.search(rb"\s-(eq|ne|lt|le|gt|ge|v)\s", node.text)
                ):
                    self.evaluates = True
            elif kind == "&":
                self.parsed.structure.add("background")

    def backticks(self, node: Any, depth: int) -> None:
        """An old-style substitution in backquotes: bash removes the backslash before a
        backslash, ``$`` or backquote and then reads what is left, so a backquoted ``echo`` of an
        escaped, backquoted ``cmd`` runs ``cmd``."""
        inner = node.text.decode("utf-8", "surrogatepass")[1:-1]
        self.read(_BACKTICK_ESCAPE.sub(r"\1", inner), depth + 1)
        if '\\"' in inner:
            self.read(_BACKTICK_ESCAPE_QUOTED.sub(r"\1", inner), depth + 1)

    def expansion_operand(self, node: Any, depth: int) -> None:
        """An expansion holding backquotes (``${x:-`cmd`}``): the tree does not always see them,
        so the word after the operator is read again on its own."""
        body = node.text.decode("utf-8", "surrogatepass")[2:-1]
        match = _EXPANSION_HEAD.match(body)
        self.fragment(body[match.end() :] if match else body, depth)

    def fragment(self, text: str, depth: int) -> None:
        """Read a word the tree did not break down, as the argument of a ``:`` that is not kept."""
        before = len(self.parsed.commands)
        self.read(": " + text, depth + 1)
        for index in range(before, len(self.parsed.commands)):
            if self.parsed.commands[index].words[:1] == (Word(":"),):
                del self.parsed.commands[index]
                break

    def assignment(self, node: Any) -> None:
        name_node = node.child_by_field_name("name")
        if name_node is not None and name_node.type == "subscript":
            name_node = name_node.child_by_field_name("name")
        name = name_node.text.decode("utf-8", "surrogatepass") if name_node is not None else ""
        self.check_setting(name)
        self.parsed.structure.add("assignment")
        value = node.child_by_field_name("value")
        if b"+=" in node.text.split(b"=", 1)[0] + b"=":
            self.untrusted_values = True
        word = self.word(value) if value is not None else Word("")
        self.parsed.settings.append((name, word))
        if word.text is None or any(mark in word.text for mark in "[`$"):
            self.untrusted_values = True

    def check_assignment_word(self, word: Word) -> None:
        """``NAME=value`` given as an argument (``export "PS4=…"``, ``env PS4=…``)."""
        if word.text is None:
            self.untrusted_values = True
            return
        if "=" in word.text:
            name, value = word.text.split("=", 1)
            self.check_setting(name.split("[", 1)[0])
            self.parsed.settings.append((name.split("[", 1)[0], Word(value, glob=word.glob)))

    def check_setting(self, name: str) -> None:
        if name and catalogue().setting_runs_code(name):
            self.problem(f"sets {name}, which makes programs run code the command does not show")

    def command(self, node: Any, depth: int) -> None:
        parts: list[Any] = []
        for child in node.named_children:
            if child.type in ("variable_assignment", "subscript"):
                continue
            if child.type == "command_name":
                parts.extend(child.named_children or [child])
            elif child.type in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
                parts.extend(_words_after_redirect(child))
            else:
                parts.append(child)
        parent = node.parent
        if parent is not None and parent.type == "redirected_statement":
            for child in parent.named_children:
                if child is not node and child.type in ("file_redirect", "heredoc_redirect"):
                    parts.extend(_words_after_redirect(child))
        words = [self.joined(group) for group in _adjacent_groups(parts)]
        command = SimpleCommand(tuple(words), folders=tuple(self.folders))
        if command.name in ("cd", "pushd", "popd", "chdir"):
            self.folders.append(_folder_change(command))
        if command.name is None and words:
            self.problem("a command name that depends on variables, substitutions or expansion")
        elif words and words[0].text in RESERVED_WORDS:
            self.problem(f"the shell keyword {words[0].text!r} where a command should be")
        self.parsed.commands.append(command)
        stdin_code = self.stdin_code(node)
        self.builtin(command, depth, stdin_code)
        self.peel(command, depth, stdin_code)

    def builtin(self, command: SimpleCommand, depth: int, stdin_code: list[str | None]) -> None:
        """What shell builtins and a few programs do beyond running their arguments."""
        name = command.name
        args = [word.text for word in command.args]
        if name in ("let", "unset", "read", "mapfile", "readarray", "getopts") or (
            name in ("printf", "test", "[", "wait") and ("-v" in args or "-p" in args)
        ):
            self.evaluates = True
        if name in ("read", "mapfile", "readarray", "getopts"):
            self.untrusted_values = True
        if name in _FILE_WRITERS:
            self.writes_files = True
        if name in ("env", "sudo", "doas", "time"):
            for word in command.args:
                if word.text is not None and _ASSIGNMENT.match(word.text):
                    self.parsed.structure.add("assignment")
                    self.check_assignment_word(word)
        if command.words and (command.words[0].text or "").startswith("="):
            self.problem("a zsh =command word (it runs the program found on PATH)")
        if name == "alias" and any(text is None or "=" in text for text in args):
            self.problem("defines an alias (a name that then runs other code)")
        elif name == "hash" and any(text is None or (text.startswith("-") and "p" in text) for text in args):
            self.problem("hash -p makes a name run another program")
        elif name == "enable" and any(text is None or (text.startswith("-") and "f" in text) for text in args):
            self.problem("enable -f loads code into the shell")
        elif name == "trap":
            self.trap(command, depth)
        elif name in (".", "source"):
            self.source(command, depth, stdin_code)
        elif name is not None and "/" in (program := command.words[0].text or "") and not program.startswith(_SYSTEM_FOLDERS):
            self.runs_script = True  # ./build.sh

    def trap(self, command: SimpleCommand, depth: int) -> None:
        args = list(command.args)
        if args and args[0].text == "--":
            args = args[1:]
        if not args or ((args[0].text or "").startswith("-") and args[0].text != "-"):
            return  # trap -p, trap -l
        if len(args) < 2:
            return
        action = args[0].text
        if action is None:
            self.problem("trap with code that depends on variables or substitutions")
        elif action not in ("", "-"):
            self.parsed.structure.add("payload")
            self.read(action, depth + 1)

    def source(self, command: SimpleCommand, depth: int, stdin_code: list[str | None]) -> None:
        args = list(command.args)
        if args and args[0].text == "--":
            args = args[1:]
        if not args:
            return
        self.script_file(command.name or ".", args[0], depth, stdin_code)

    def script_file(self, name: str, script: Word, depth: int, stdin_code: list[str | None]) -> None:
        """A shell or ``source`` running the file ``script``: its content is the file's business,
        unless the file is the command's own input or a pipe."""
        text = script.text
        if text is None:
            self.problem(f"{name} runs code from a substitution or a file named by variables")
        elif text in _STDIN_FILES:
            self.parsed.structure.add("payload")
            self.stdin(name, depth, stdin_code)
        elif text.startswith(("/dev/", "/proc/")):
            self.problem(f"{name} runs code from {text}, which cannot be seen here")
        else:
            self.runs_script = True

    def stdin(self, name: str, depth: int, stdin_code: list[str | None], dialect: str | None = None) -> None:
        dialect = dialect or _dialects().get(name)
        if not stdin_code:
            self.problem(f"{name} runs code from its input, which cannot be seen here")
            return
        for code_text in stdin_code:
            if code_text is None:
                self.problem(f"{name} runs a heredoc that depends on variables or substitutions")
            else:
                self.read(code_text, depth + 1, dialect)

    def redirect_file(self, node: Any) -> None:
        operator = next((c.type for c in node.children if not c.is_named), "")
        destination = node.child_by_field_name("destination") or (node.named_children[-1] if node.named_children else None)
        if destination is None:
            return
        target = destination.text.decode("utf-8", "surrogatepass")
        if operator in (">&", "<&", ">&-", "<&-") and (target.isdigit() or target == "-"):
            return  # 2>&1: another descriptor, not a file
        if operator != "<" and target != "/dev/null":
            self.writes_files = True
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
                elif quoted:
                    stdin_code.append(body.text.decode("utf-8", "surrogatepass"))
                elif _ESCAPED_BACKQUOTE.search(body.text):
                    self.problem("backquotes after backslashes in a heredoc (the parser reads them otherwise)")
                    stdin_code.append(None)
                elif not any(c.type != "heredoc_content" for c in body.named_children):
                    # an unquoted heredoc: \\, \$ and \` lose their backslash, \<newline> is removed
                    stdin_code.append(_HEREDOC_ESCAPE.sub(r"\1", body.text.decode("utf-8", "surrogatepass")))
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
            if self.dialect == "sh" or (self.dialect == "zsh" and re.search(r"\\[cuU0-7x]", text)):
                self.problem("$'…' in code for sh or zsh, which read it otherwise than bash")
                return _NOT_STATIC
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

    def joined(self, group: list[Any]) -> Word:
        """One word from parts the tree split apart though nothing separates them (``'a'\\```)."""
        if len(group) == 1:
            return self.word(group[0])
        words = [self.word(part) for part in group]
        if any(word.text is None for word in words) or any(
            _BRACE_EXPANSION.search(part.text.decode("utf-8", "surrogatepass")) for part in group
        ):
            return _NOT_STATIC
        return Word("".join(word.text or "" for word in words), glob=any(word.glob for word in words), home=words[0].home)

    def string(self, node: Any) -> Word:
        value = ""
        home = False
        parts = [child for child in node.children if child.type not in ('"', '$"')]
        for index, child in enumerate(parts):
            if not child.is_named:
                if child.type != "$":
                    return _NOT_STATIC
                value += "$"  # a lone $ is itself: "5$", "$'x'"
            elif child.type == "string_content":
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
        """Add the views of ``command`` with a carrier removed (``env X=1 sudo ls`` → ``sudo ls``),
        and read the code carriers and shells are given."""
        seen = 0
        current = command
        while seen < 16:
            seen += 1
            name = current.name
            if name is None:
                return
            if current is not command:
                self.builtin(current, depth, stdin_code)
            if is_shell(name) or name in ("eval", "su", "find"):
                self.payloads(current, depth, stdin_code)
            result = carried(current)
            if result is None:
                return
            if result.problem:
                self.problem(result.problem)
            for code, dialect in result.code:
                self.parsed.structure.add("payload")
                if code.text is None:
                    self.problem(f"{name} runs code that depends on variables or substitutions")
                else:
                    self.read(code.text, depth + 1, dialect)
            if result.stdin_dialect is not None:
                self.parsed.structure.add("payload")
                self.stdin(name, depth, stdin_code, result.stdin_dialect)
            if result.reads_stdin:
                stdin_code = []
            if not result.argv:
                return
            argv = list(result.argv)
            while len(argv) > 1 and argv[0].text is not None and _ASSIGNMENT.match(argv[0].text):
                self.check_assignment_word(argv.pop(0))  # ! X=1 cmd, time X=1 cmd: settings, not the program
            current = SimpleCommand(tuple(argv), wrapped=True, folders=current.folders)
            if current.name is None:
                self.problem("a carried command whose name depends on variables or substitutions")
                return
            self.parsed.commands.append(current)

    def payloads(self, command: SimpleCommand, depth: int, stdin_code: list[str | None]) -> None:
        name = command.name
        args = list(command.args)
        if name == "eval":
            if args and args[0].text == "--":
                args = args[1:]
            if any(word.text is None for word in args):
                self.problem("eval of text that depends on variables or substitutions")
                return
            self.parsed.structure.add("payload")
            self.read(" ".join(word.text or "" for word in args), depth + 1)
            return
        if name == "find":
            for inner in _find_actions(args):
                self.parsed.structure.add("payload")
                view = SimpleCommand(tuple(inner), wrapped=True, folders=command.folders)
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
                self.read(code.text, depth + 1, _dialects().get(name or ""))
            return
        if name == "su":
            return
        script = _script_operand(args)
        if script is not None:
            self.script_file(name or "sh", script, depth, stdin_code)
            return
        # A shell with no -c and no script file runs what arrives on stdin.
        self.parsed.structure.add("payload")
        self.stdin(name or "sh", depth, stdin_code)


def _folder_change(command: SimpleCommand) -> Word:
    """The folder ``cd``/``pushd`` goes to: home with no folder, unknown for ``cd -``, ``popd``,
    ``pushd`` alone (they go back to an earlier folder) and for options."""
    operands = [word for word in command.args if word.text not in ("-L", "-P", "-e", "-@", "--")]
    if command.name == "popd" or any(word.text is not None and word.text.startswith(("-", "+")) for word in operands):
        return Word(None)
    if not operands:
        return Word(None) if command.name == "pushd" else Word("~", home=True)
    return operands[0]


def _adjacent_groups(nodes: list[Any]) -> list[list[Any]]:
    """Nodes in order, those that touch (no space between them) grouped: they are one word."""
    groups: list[list[Any]] = []
    for node in sorted(nodes, key=lambda n: n.start_byte):
        if groups and groups[-1][-1].end_byte == node.start_byte:
            groups[-1].append(node)
        else:
            groups.append([node])
    return groups


def _words_after_redirect(redirect: Any) -> list[Any]:
    """Words written after a redirect's file (``find . >/dev/null -exec cmd {} +``): arguments of
    the command, though the tree hangs them under the redirect."""
    if redirect.type == "file_redirect":
        return list(redirect.children_by_field_name("destination"))[1:]
    if redirect.type == "heredoc_redirect":
        return list(redirect.children_by_field_name("argument"))
    return []


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
    """The text of ``$'…'`` as bash makes it (in a UTF-8 locale): ``\\xHH`` takes one or two hex
    digits, ``\\uHHHH`` up to four and ``\\UHHHHHHHH`` up to eight, octal up to three digits (a
    byte), ``\\cX`` a control character; an escape bash does not know keeps its backslash, and a
    NUL ends the string. Bytes that are not UTF-8 are kept as surrogate escapes."""
    out = bytearray()
    index = 0
    length = len(body)
    while index < length:
        char = body[index]
        index += 1
        if char != "\\" or index >= length:
            out += char.encode("utf-8", "surrogatepass")
            continue
        code = body[index]
        index += 1
        value: int | None = None
        if code in _SIMPLE_ESCAPES:
            value = _SIMPLE_ESCAPES[code]
        elif code in "01234567":
            value = int(code)
            for _ in range(2):
                if index < length and body[index] in "01234567":
                    value = value * 8 + int(body[index])
                    index += 1
            value &= 0xFF
        elif code == "x":
            digits = _hex_digits(body, index, 2)
            if not digits:
                out += b"\\x"
                continue
            index += len(digits)
            value = int(digits, 16)
        elif code in "uU":
            digits = _hex_digits(body, index, 4 if code == "u" else 8)
            if not digits:
                out += ("\\" + code).encode()
                continue
            index += len(digits)
            point = int(digits, 16)
            if point == 0:
                break
            out += _utf8_any(point)
            continue
        elif code == "c" and index < length:
            target = body[index]
            index += 1
            if target == "\\" and index < length and body[index] == "\\":
                index += 1
            value = 0x7F if target == "?" else (ord(target.upper()) & 0x1F if ord(target) < 0x80 else ord(target) & 0x1F)
        else:
            out += ("\\" + code).encode("utf-8", "surrogatepass")
            continue
        if value == 0:
            break
        out.append(value)
    return out.decode("utf-8", "surrogateescape")


_SIMPLE_ESCAPES = {"a": 7, "b": 8, "e": 27, "E": 27, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, "'": 39, '"': 34, "?": 63}
_HEX = frozenset("0123456789abcdefABCDEF")


def _hex_digits(text: str, start: int, most: int) -> str:
    end = start
    while end < len(text) and end - start < most and text[end] in _HEX:
        end += 1
    return text[start:end]


def _utf8_any(point: int) -> bytes:
    """A code point as bash writes it: UTF-8 in its original form of up to six bytes, so
    surrogates and points past U+10FFFF are written too; from 0x80000000 on, nothing."""
    if point < 0x80:
        return bytes([point])
    if point >= 0x80000000:
        return b""
    for size, limit in ((2, 0x800), (3, 0x10000), (4, 0x200000), (5, 0x4000000), (6, 0x80000000)):
        if point < limit:
            tail = [0x80 | ((point >> (6 * shift)) & 0x3F) for shift in range(size - 1)][::-1]
            lead = (0xFF << (8 - size)) & 0xFF | (point >> (6 * (size - 1)))
            return bytes([lead, *tail])
    return b""


def _dash_c_payload(args: list[Word], *, su: bool = False) -> Word | None:
    """The code a shell runs with ``-c``: the first operand after the options, wherever ``-c``
    stands among them (``bash -c -x 'code'``, ``bash -xc``, ``sh -c -- 'code'``); for ``su``, the
    value of ``-c``/``--command``. A word the reader does not know where an option may stand
    gives an unknown payload."""
    if su:
        return _su_command(args)
    command_flag, operand = _shell_operands(args)
    if not command_flag:
        return None
    if operand is None:
        return Word("")
    return operand


def _shell_operands(args: list[Word]) -> tuple[bool, Word | None]:
    """Whether a shell's options include ``-c``, and its first operand (the code with ``-c``,
    else the script file), as bash and dash read their arguments."""
    command_flag = False
    index = 0
    while index < len(args):
        text = args[index].text
        if text is None:
            return command_flag, Word(None)  # an option, -c, the code or the script: not known
        if text == "--" or text == "-":
            index += 1
            break
        if text in _SHELL_OPTIONS_WITH_VALUE:
            index += 2
            continue
        if text.startswith("--"):
            index += 1
            continue
        if text.startswith(("-", "+")) and len(text) > 1:
            letters = text[1:]
            if text.startswith("-") and "c" in letters:
                command_flag = True
            index += 2 if ("o" in letters or "O" in letters) else 1
            continue
        break
    operand = args[index] if index < len(args) else None
    return command_flag, operand


def _su_command(args: list[Word]) -> Word | None:
    skip_next = False
    for index, word in enumerate(args):
        text = word.text
        if skip_next:
            skip_next = False
            continue
        if text is None:
            continue
        if text in ("-s", "--shell", "-g", "--group", "-G", "--supp-group"):
            skip_next = True
            continue
        if text == "--command" or (text.startswith("-") and not text.startswith("--") and "c" in text[1:]):
            return args[index + 1] if index + 1 < len(args) else Word("")
        if text.startswith("--command="):
            return Word(text.split("=", 1)[1])
    return None


_SHELL_OPTIONS_WITH_VALUE = frozenset({"-o", "+o", "-O", "+O", "--rcfile", "--init-file"})


def _script_operand(args: list[Word]) -> Word | None:
    """The script file a shell runs (``bash x.sh``), or None when it reads code from stdin."""
    if any(
        word.text is not None and word.text.startswith("-") and not word.text.startswith("--") and "s" in word.text[1:] for word in args
    ):
        return None  # -s: commands come from stdin whatever follows
    command_flag, operand = _shell_operands(args)
    if command_flag:
        return None
    return operand


def _dialects() -> dict[str, str]:
    return catalogue().shells


_ZSH_ONLY = re.compile(r"\$\{\(|[^\s;&|()<>$]\(")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=", re.DOTALL)
_STDIN_FILES = frozenset({"/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})
_FILE_WRITERS = frozenset(
    {"tee", "cp", "mv", "ln", "install", "dd", "curl", "wget", "rsync", "tar", "unzip", "patch", "touch", "sed", "chmod"}
)
"""Programs that may write (or make runnable) a file a script run in the same command then is."""
_SYSTEM_FOLDERS = ("/usr/", "/bin/", "/sbin/", "/opt/homebrew/", "/nix/", "/snap/")
_BACKTICK_ESCAPE = re.compile(r"\\([\\`$])")
_BACKTICK_ESCAPE_QUOTED = re.compile(r'\\([\\`$"])')
_HEREDOC_ESCAPE = re.compile(r"\\([\\`$])|\\\n")
_ESCAPED_BACKQUOTE = re.compile(rb"(?<!\\)(?:\\\\)+`")
"""A backquote after an even run of backslashes in an unquoted heredoc: the backslashes pair
up and the backquote starts a substitution, which the parser does not see."""
_BARE_NEWLINE = re.compile(rb"(?<!\\)\n")
_EXPANSION_HEAD = re.compile(r"[!#]?([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!-])(\[[^\]]*\])?(:?[-=+?]|##?|%%?|\^\^?|,,?|/[/#%]?|:|@)?")
_CODE_IN_SUBSCRIPT = re.compile(r"\w\[[^\]]*(\$\(|`|\$\{|\$\[|<\(|>\()")


def _find_actions(args: list[Word]) -> list[list[Word]]:
    """The commands find runs (``-exec``, ``-execdir``, ``-ok``, ``-okdir``) with ``{}`` standing
    for each folder it starts from (also inside a word: ``{}/x``), and ``-delete`` as the
    ``rm -rf`` of those folders it amounts to. Where ``{}`` is the program, the found file is run:
    that program is not known."""
    index = 0
    while index < len(args) and args[index].text in ("-L", "-H", "-P", "-O0", "-O1", "-O2", "-O3", "-D"):
        index += 2 if args[index].text == "-D" else 1
    if index < len(args) and args[index].text == "--":
        index += 1
    starts: list[Word] = []
    for word in args[index:]:
        if word.text is None or word.text.startswith(("-", "(", "!", ")")):
            break
        starts.append(word)
    starts = starts or [Word(".")]
    found: list[list[Word]] = []
    while index < len(args):
        text = args[index].text
        if text in ("-exec", "-execdir", "-ok", "-okdir"):
            end = index + 1
            while end < len(args) and args[end].text not in (";", "+"):
                end += 1
            inner = args[index + 1 : end]
            if inner:
                for start in starts:
                    found.append([_found_file(word, start, first=position == 0) for position, word in enumerate(inner)])
            index = end
        elif text == "-delete":
            found.extend([Word("rm"), Word("-rf"), start] for start in starts)
        index += 1
    return found


def _found_file(word: Word, start: Word, *, first: bool) -> Word:
    if word.text is None or "{}" not in word.text:
        return word
    if first or start.text is None or word.text.count("{}") > 1 or not (word.text == "{}" or word.text.startswith("{}/")):
        return Word(None)  # the program itself, or a found path put inside code or text
    return Word(
        word.text.replace("{}", start.text), glob=word.glob or start.glob, home=start.home if word.text.startswith("{}") else word.home
    )


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
            flag = text.split("=", 1)[0]
            flags.add(flag)
            # GNU and git options may be cut to a start that names one (--rec, --forc)
            flags.update(option for option in LONG_OPTIONS.get(name or "", ()) if option.startswith(flag))
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
    "git": (frozenset({"-f", "--force", "--mirror"}),),
    "chmod": (frozenset({"-R", "--recursive"}),),
    "chown": (frozenset({"-R", "--recursive"}),),
    "cp": (frozenset({"-r", "-R", "--recursive"}), frozenset({"-f", "--force"})),
    "mv": (frozenset({"-f", "--force"}),),
}
"""Flags that mean the same, per program, so a pattern written with one spelling catches all
(``git push --mirror`` force-pushes every branch)."""

LONG_OPTIONS: dict[str, tuple[str, ...]] = {
    "rm": ("--recursive", "--force", "--interactive", "--one-file-system", "--no-preserve-root", "--preserve-root", "--dir", "--verbose"),
    "git": (
        "--force",
        "--force-with-lease",
        "--force-if-includes",
        "--mirror",
        "--all",
        "--tags",
        "--delete",
        "--dry-run",
        "--follow-tags",
        "--atomic",
        "--prune",
        "--set-upstream",
        "--no-verify",
        "--recurse-submodules",
        "--receive-pack",
        "--exec",
        "--repo",
    ),
    "chmod": ("--recursive", "--reference", "--verbose", "--changes", "--silent", "--quiet", "--preserve-root", "--no-preserve-root"),
    "chown": ("--recursive", "--reference", "--verbose", "--changes", "--silent", "--quiet", "--dereference", "--no-dereference", "--from"),
    "cp": (
        "--recursive",
        "--force",
        "--archive",
        "--target-directory",
        "--no-target-directory",
        "--remove-destination",
        "--symbolic-link",
        "--link",
    ),
    "mv": ("--force", "--target-directory", "--no-target-directory", "--no-clobber", "--interactive"),
}
"""Long options per program, to know which one a shortened spelling names."""
