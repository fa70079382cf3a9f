"""What a program that runs other programs or code will run, read from its arguments the way
the program reads them (see ``data/catalogue.toml`` for the programs and their options).

Options are read as getopt does: a group of short flags whose last one takes a value takes the
next word (``timeout -vs KILL 5``), one in the middle takes the rest of the group
(``flock -xw5``), ``--`` ends the options, and a long option may be cut to any start that names
it alone (``--sig`` for ``--signal``).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field

from tether_tui.catalogue import Carrier, catalogue
from tether_tui.shellwords import SimpleCommand, Word

_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*", re.DOTALL)


@dataclass
class Carried:
    """What a carrier runs."""

    argv: tuple[Word, ...] | None = None
    """The program it runs and that program's arguments."""
    code: list[tuple[Word, str]] = field(default_factory=list)
    """Shell code it runs, each with the dialect it is read in."""
    stdin_dialect: str | None = None
    """It runs code that arrives on its standard input, read in this dialect."""
    reads_stdin: bool = False
    """It reads its standard input itself (xargs): the command it runs does not."""
    problem: str | None = None
    """Why what it runs cannot be known."""


def carried(command: SimpleCommand) -> Carried | None:
    """What ``command`` runs when its program is a carrier; None when it is not one."""
    name = command.name
    if name is None:
        return None
    args = list(command.args)
    special = _SPECIAL.get(name)
    if special is not None:
        return special(args)
    spec = catalogue().carriers.get(name)
    if spec is None:
        return None
    return _by_spec(name, spec, args)


# ------------------------------------------------------------------------------------ options
@dataclass
class _Options:
    end: int
    """Index of the first word after the options."""
    values: list[tuple[str, Word]] = field(default_factory=list)
    """(option, value) for every option that took one."""
    unknown: bool = False
    """A word the reader does not know stood where an option may."""


def _long_option(text: str, known: frozenset[str]) -> str | None:
    """The long option ``text`` names (``--sig`` → ``--signal``), or None."""
    head = text.split("=", 1)[0]
    if head in known:
        return head
    matches = [option for option in known if option.startswith("--") and option.startswith(head)]
    return matches[0] if len(matches) == 1 else None


def read_options(
    args: Sequence[Word], start: int, with_value: frozenset[str], *, assignments: bool = False, everywhere: bool = False
) -> _Options:
    """Read the options from ``args[start:]``; with ``everywhere`` they may stand between
    operands (GNU getopt's order), else they stop at the first operand."""
    result = _Options(end=len(args))
    index = start
    while index < len(args):
        text = args[index].text
        if text is None:
            result.unknown = True
            if not everywhere:
                result.end = index
                return result
            index += 1
            continue
        if text == "--":
            result.end = index + 1
            return result
        if assignments and _ASSIGNMENT.fullmatch(text):
            index += 1
            continue
        if text in with_value:  # multi-letter options with one dash (zip -TT, gdb -ex)
            result.values.append((text, args[index + 1] if index + 1 < len(args) else Word("")))
            index += 2
            continue
        if text.startswith("--") and len(text) > 2:
            option = _long_option(text, with_value)
            index += 1
            if option is not None:
                if "=" in text:
                    result.values.append((option, Word(text.split("=", 1)[1])))
                else:
                    result.values.append((option, args[index] if index < len(args) else Word("")))
                    index += 1
            continue
        if text.startswith("-") and len(text) > 1:
            index += 1
            for position, letter in enumerate(text[1:], start=1):
                option = "-" + letter
                if option in with_value:
                    if position < len(text) - 1:
                        result.values.append((option, Word(text[position + 1 :])))
                    else:
                        result.values.append((option, args[index] if index < len(args) else Word("")))
                        index += 1
                    break
            continue
        if not everywhere:
            result.end = index
            return result
        index += 1
    return result


# ------------------------------------------------------------------------------------ by the catalogue
def _by_spec(name: str, spec: Carrier, args: list[Word]) -> Carried | None:
    index = 0
    if spec.subcommands:
        options = read_options(args, 0, spec.global_with_value | spec.with_value)
        index = options.end
        if index >= len(args):
            return None
        subcommand = args[index].text
        if subcommand is None:
            return Carried(problem=f"{name} with a subcommand that depends on variables")
        if subcommand not in spec.subcommands:
            return None
        index += 1
    index += spec.before_options
    takes_value = spec.with_value | spec.code_options | spec.split_options
    everywhere = spec.runs == "options"
    options = read_options(args, index, takes_value, assignments=spec.assignments, everywhere=everywhere)
    result = Carried()
    dialect = spec.shell
    for option, value in options.values:
        if option in spec.code_options:
            result.code.append((Word(value.text + spec.code_suffix) if value.text is not None else value, dialect))
        elif option in spec.split_options:
            return _split_string(value)
    for word in args[index:]:
        for prefix in spec.code_prefixes:
            if word.text is not None and word.text.startswith(prefix):
                result.code.append((Word(word.text[len(prefix) :]), dialect))
    if options.unknown:
        result.problem = f"{name} with options that depend on variables"
        return result
    rest = args[options.end + (0 if everywhere else spec.positional) :] if not everywhere else []
    if rest and rest[0].text in spec.code_options and len(rest) > 1:  # flock FILE -c 'code'
        result.code.append((rest[1], dialect))
        rest = []
    if spec.runs == "argv":
        if rest:
            result.argv = tuple(rest)
    elif spec.runs == "code":
        if rest:
            result.code.append((_joined(rest), dialect))
    elif spec.runs == "each":
        result.code.extend((word, dialect) for word in rest)
    elif spec.runs == "first":
        result.code.extend((word, dialect) for word in rest[:1])
    elif spec.runs == "stdin":
        result.stdin_dialect = dialect
    elif spec.runs == "parallel":
        _parallel(args[options.end :], dialect, result)
    elif spec.runs == "unknown" and (rest or result.code):
        result.problem = f"{name} runs what it is given in a way that is not read here"
    if dialect == "unknown" and result.code:
        result.problem = f"{name} runs code in a language that is not read here"
    return result


def _joined(words: Sequence[Word]) -> Word:
    """Words a program joins with spaces into one command line (``watch``, ``ssh host cmd``)."""
    if any(word.text is None for word in words):
        return Word(None)
    return Word(" ".join(word.text or "" for word in words))


def _split_string(value: Word) -> Carried:
    """``env -S 'cmd args'``: one word split into a command line."""
    if value.text is None:
        return Carried(problem="env -S with a command line that depends on variables")
    try:
        words = shlex.split(value.text)
    except ValueError:
        return Carried(problem="env -S with a command line that cannot be split")
    if any(re.search(r"\$|\\c|\\_", word) for word in words):
        return Carried(problem="env -S with variables or escapes in its command line")
    if re.search(r"(^|\s)#", value.text):
        return Carried(problem="env -S with a comment, which ends its command line")
    if re.search(r"[;&|<>()`]", value.text):
        return Carried(problem="env -S with shell operators, which it passes on as words")
    argv = [Word(word) for word in words]
    while argv and argv[0].text is not None and _ASSIGNMENT.fullmatch(argv[0].text):
        argv.pop(0)
    return Carried(argv=tuple(argv) or None)


def _parallel(words: list[Word], dialect: str, result: Carried) -> None:
    """``parallel [command] ::: args``: the command is code, with each argument put where a
    replacement string (``{}``, ``{.}``…) stands or else added at its end; every argument is
    code too (with no command, the arguments are the commands). Without ``:::`` the arguments
    come from stdin."""
    separators = {":::", "::::", ":::+", "::::+"}
    cut = next((i for i, word in enumerate(words) if word.text in separators), len(words))
    template, arguments = words[:cut], [word for word in words[cut:] if word.text not in separators]
    if template:
        code = _joined(template)
        if code.text is not None:
            filled = _REPLACEMENT.sub('"$argument"', code.text)
            code = Word(filled if filled != code.text else code.text + ' "$argument"')
        result.code.append((code, dialect))
    if cut == len(words):
        result.stdin_dialect = dialect  # the arguments (or the commands) come from stdin
    result.code.extend((word, dialect) for word in arguments)


_REPLACEMENT = re.compile(r"\{[^{}\s]*\}")


# ------------------------------------------------------------------------------------ programs read by hand
def _command(args: list[Word]) -> Carried | None:
    for word in args:
        text = word.text
        if text is None or text == "--" or not text.startswith("-") or len(text) < 2:
            break
        if "v" in text[1:] or "V" in text[1:]:
            return None  # command -v x: only looks x up
    options = read_options(args, 0, frozenset())
    rest = tuple(args[options.end :])
    return Carried(argv=rest or None, problem="command with options that depend on variables" if options.unknown else None)


def _xargs(args: list[Word]) -> Carried:
    spec = catalogue().carriers["xargs"]
    result = _by_spec("xargs", spec, args) or Carried()
    result.reads_stdin = True
    replace = [value.text for option, value in read_options(args, 0, spec.with_value).values if option in ("-I", "-i", "--replace")]
    if any(text is None for text in replace):
        result.problem = "xargs with a replace string that depends on variables"
    if result.argv is not None:
        marks = [text or "{}" for text in replace]
        argv = [Word(None) if any(mark and word.text is not None and mark in word.text for mark in marks) else word for word in result.argv]
        result.argv = (*argv, Word(None))  # and what arrives on stdin
    return result


_SSH_WITH_VALUE = frozenset(
    ["-b", "-B", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l", "-m", "-O", "-o", "-p", "-Q", "-R", "-S", "-W", "-w"]
)
_SSH_CODE_SETTINGS = frozenset(
    {"proxycommand", "localcommand", "knownhostscommand", "remotecommand", "permitlocalcommand", "proxyusefdpass"}
)


def _ssh(args: list[Word]) -> Carried:
    """``ssh [options] host [command …]``: the command runs on the host (read like one run here);
    ``-o ProxyCommand=…`` and the like run here."""
    options = read_options(args, 0, _SSH_WITH_VALUE)
    rest = args[options.end :]
    if rest:  # options may follow the host too (ssh host -p 22 -- cmd)
        after_host = read_options(args, options.end + 1, _SSH_WITH_VALUE)
        options = _Options(end=after_host.end, values=options.values + after_host.values, unknown=options.unknown or after_host.unknown)
        rest = [rest[0], *args[after_host.end :]]
    result = Carried()
    for option, value in options.values:
        if option == "-o":
            setting = (value.text or "").replace("=", " ").split(None, 1)
            if value.text is None or (setting and setting[0].lower() in _SSH_CODE_SETTINGS):
                result.problem = "ssh -o with a setting that runs a command"
    if options.unknown:
        result.problem = "ssh with options that depend on variables"
    if len(rest) > 1:
        result.code.append((_joined(rest[1:]), "sh"))
    return result


_GIT_WITH_VALUE = frozenset(
    ["-C", "-c", "--config-env", "--git-dir", "--work-tree", "--namespace", "--exec-path", "--super-prefix", "--list-cmds", "--attr-source"]
)
_GIT_RISKY_CONFIG = re.compile(
    r"^(core\.(sshcommand|pager|editor|fsmonitor|hookspath|askpass|gitproxy|alternaterefscommand|worktree|attributesfile|excludesfile)"
    r"|.*\.(command|cmd|helper|program|driver|textconv|clean|smudge|process|receivepack|uploadpack|proxy|vcs|push|mirror|pushurl|url)"
    r"|diff\.external|credential\..*|gpg\..*|sequence\.editor|protocol\..*|uploadpack\..*|receive\..*|remote\..*|url\..*"
    r"|include\..*|includeif\..*|pager\..*|man\..*|web\.browser|browser\..*|safe\.directory|http\..*|push\..*|alias\..*)$",
    re.IGNORECASE,
)
"""Settings (``git -c key=value``) that run code or change what a command does to a remote."""


def _git(args: list[Word]) -> Carried | None:
    """``git -c alias.x='!code' x`` runs code; ``git -c alias.p='push --force' p`` is a forced
    push; ``git send-pack`` pushes like ``git push``; settings that run code are not read."""
    options = read_options(args, 0, _GIT_WITH_VALUE)
    aliases: dict[str, str] = {}
    problem = None
    for option, value in options.values:
        if option == "--exec-path":
            problem = "git --exec-path runs git's commands from another folder"
        if option not in ("-c", "--config-env"):
            continue
        if value.text is None:
            problem = "git -c with a setting that depends on variables"
            continue
        key, _, setting = value.text.partition("=")
        if key.lower().startswith("alias.") and option == "-c":
            aliases[key[len("alias.") :]] = setting
        elif _GIT_RISKY_CONFIG.match(key):
            problem = f"git -c {key}, a setting that runs code or changes what is pushed"
    if options.unknown:
        problem = "git with options that depend on variables"
    rest = args[options.end :]
    if not rest:
        return Carried(problem=problem) if problem else None
    subcommand = rest[0].text
    if subcommand is not None and subcommand in aliases:
        expansion = aliases[subcommand]
        if expansion.startswith("!"):
            return Carried(code=[(Word(" ".join([expansion[1:], *(w.text or "" for w in rest[1:])])), "sh")], problem=problem)
        try:
            words = [Word(word) for word in shlex.split(expansion)]
        except ValueError:
            return Carried(problem="git alias that cannot be split")
        return Carried(argv=(Word("git"), *words, *rest[1:]), problem=problem)
    if subcommand == "send-pack":
        return Carried(argv=(Word("git"), Word("push"), *rest[1:]), problem=problem)
    return Carried(problem=problem) if problem else None


_SPECIAL = {"command": _command, "xargs": _xargs, "ssh": _ssh, "git": _git}
