"""Programs that run code given inline: which words of a command are code, and how much of an
interpreter's command line a "commands like this one" rule may keep."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from tether_tui.shellwords import SimpleCommand, Word

INTERPRETERS = re.compile(
    r"^(python[0-9.]*|pypy[0-9.]*|node|nodejs|deno|bun|perl[0-9.]*|ruby[0-9.]*|php[0-9.]*|lua[0-9.]*|luajit|"
    r"Rscript|osascript|pwsh|powershell|tclsh|wish|awk|gawk|mawk|nawk|sed|gsed|jq|irb|ghci|julia|R)$"
)
"""Programs that can run code given inline (``python -c``, ``node -e``, ``awk '{system(…)}'``)."""

INLINE_CODE_FLAGS = frozenset({"-c", "-e", "-E", "-p", "-r", "-x", "--eval", "--print", "--command", "--exec", "-i"})
"""Options whose value (or the code after them) is code for one interpreter or another."""
_CODE_LETTERS = frozenset("ceEp")

_FAMILIES = (
    (re.compile(r"^(python[0-9.]*|pypy[0-9.]*)$"), "python"),
    (re.compile(r"^(node|nodejs)$"), "node"),
    (re.compile(r"^perl[0-9.]*$"), "perl"),
    (re.compile(r"^ruby[0-9.]*$"), "ruby"),
)
_FLAGS = {
    "python": frozenset("bBdEIOPqsSuvVh"),
    "perl": frozenset("wWXTtsSaln0cdDUuvVh"),
    "ruby": frozenset("wWvdsSalncyh"),
    "node": frozenset(),
}
"""Single-letter options that take no value, per interpreter (grouped: ``-uB``, ``-OO``)."""
_WITH_VALUE = {
    "python": frozenset({"-W", "-X", "--check-hash-based-pycs"}),
    "perl": frozenset({"-I", "-M", "-m", "-C"}),
    "ruby": frozenset(
        {"-I", "-C", "-E", "-F", "-K", "--encoding", "--external-encoding", "--internal-encoding", "--enable", "--disable", "--dump"}
    ),
    "node": frozenset(
        {
            "--require",
            "--import",
            "--loader",
            "--experimental-loader",
            "-C",
            "--conditions",
            "--title",
            "--env-file",
            "--input-type",
            "--inspect-port",
            "--watch-path",
            "--test-reporter",
            "--test-reporter-destination",
            "--stack-size",
        }
    ),
}
"""Options that take the next word as their value, per interpreter."""
_NODE_FLAG = re.compile(
    r"^--(no-|experimental-|trace-|harmony|inspect|enable-|disable-|expose-|preserve-|throw-|pending-|watch$|test$|frozen-|zero-fill|abort-on|prof$|cpu-prof$|heap-prof$|use-|report-|redirect-warnings|unhandled-rejections=|max-old-space-size=|max-semi-space-size=)"
)


def family(name: str) -> str | None:
    for pattern, label in _FAMILIES:
        if pattern.match(name):
            return label
    return None


def rule_words(argv: Sequence[str]) -> tuple[str, ...] | None:
    """What a "commands like this one" rule keeps of an interpreter's command: the interpreter,
    its options (with their values) and the script or ``-m module``; None when the rule must be
    the exact command (code given inline, code from stdin, an option not known to take no value,
    or a program whose first argument is its code: awk, sed, jq)."""
    name = os.path.basename(argv[0])
    if name in ("awk", "gawk", "mawk", "nawk", "sed", "gsed", "jq"):
        return None
    kind = family(name)
    words = [argv[0]]
    index = 1
    while index < len(argv):
        word = argv[index]
        if word in INLINE_CODE_FLAGS or (
            word.startswith("-") and not word.startswith("--") and set(word[1:]) & _CODE_LETTERS and kind != "python"
        ):
            return None
        if word == "-m" and kind == "python":
            return (*words, word, argv[index + 1]) if index + 1 < len(argv) else None
        if word == "-" or not word.startswith("-"):
            return (*words, word)  # the script: what follows is its own arguments
        if word == "--":
            return (*words, word, argv[index + 1]) if index + 1 < len(argv) else None
        values = _WITH_VALUE.get(kind or "", frozenset())
        if word in values:
            if index + 1 >= len(argv):
                return None
            words += [word, argv[index + 1]]
            index += 2
            continue
        if _is_flag(kind, word, values):
            words.append(word)
            index += 1
            continue
        return None  # an option the reader does not know: its value could be taken for the script
    return None  # no script: the interpreter reads code from stdin


def _is_flag(kind: str | None, word: str, values: frozenset[str]) -> bool:
    if kind is None:
        return False
    if word.startswith("--"):
        head = word.split("=", 1)[0]
        if head in values and "=" in word:
            return True
        return (kind == "node" and bool(_NODE_FLAG.match(word))) or word in ("--version", "--help")
    letters = word[1:]
    if kind == "python" and "c" in letters:
        return False
    if letters[:1] and f"-{letters[0]}" in values:
        return True  # a value stuck to its option: -Wignore, -Ilib, -MFoo
    return bool(letters) and all(letter in _FLAGS.get(kind, frozenset()) for letter in letters)


# ------------------------------------------------------------------------------------ inline code
_VIM = frozenset({"vim", "vi", "nvim", "view", "ex", "gvim", "vimdiff", "rvim"})
_MAKE = frozenset({"make", "gmake"})
_AWK = frozenset({"awk", "gawk", "mawk", "nawk"})
_SED = frozenset({"sed", "gsed"})


def inline_code(command: SimpleCommand) -> list[str | None]:
    """The code a command gives a program inline (None where it depends on variables): the
    value of ``python -c``, ``perl -e``, ``node -e``…, an awk program, a sed script, sqlite3's
    dot-commands, ``vim -c``/``+cmd``, ``make --eval``."""
    name = command.name
    if name is None:
        return []
    args = list(command.args)
    if name in _AWK:
        return _first_operand(args, frozenset({"-f", "-v", "-F", "--file", "--assign", "--field-separator"}))
    if name in _SED:
        scripts = _values(args, frozenset({"-e", "--expression"}))
        return scripts or _first_operand(args, frozenset({"-f", "--file", "-l", "--line-length", "-s"}))
    if name in ("sqlite3", "sqlite"):
        return [word.text for word in args if word.text is None or word.text.lstrip().startswith(".")] + _values(args, frozenset({"-cmd"}))
    if name in _VIM:
        return _values(args, frozenset({"-c", "--cmd"})) + [
            word.text[1:] for word in args if word.text is not None and word.text.startswith("+")
        ]
    if name in _MAKE:
        return _values(args, frozenset({"--eval", "-E"}))
    if INTERPRETERS.match(name):
        return _interpreter_code(args)
    return []


def _interpreter_code(args: list[Word]) -> list[str | None]:
    code: list[str | None] = []
    for index, word in enumerate(args):
        text = word.text
        if text is None:
            continue
        if not text.startswith("-"):
            break  # the script: later words are its arguments
        if text in INLINE_CODE_FLAGS or (not text.startswith("--") and set(text[1:]) & _CODE_LETTERS):
            if text.startswith("--") and "=" in text:
                code.append(text.split("=", 1)[1])
            elif index + 1 < len(args):
                code.append(args[index + 1].text)
    return code


def _values(args: list[Word], options: frozenset[str]) -> list[str | None]:
    found: list[str | None] = []
    for index, word in enumerate(args):
        text = word.text
        if text is None:
            continue
        head = text.split("=", 1)[0]
        if head in options and "=" in text and text.startswith("--"):
            found.append(text.split("=", 1)[1])
        elif text in options and index + 1 < len(args):
            found.append(args[index + 1].text)
    return found


def _first_operand(args: list[Word], with_value: frozenset[str]) -> list[str | None]:
    skip = False
    for word in args:
        if skip:
            skip = False
            continue
        text = word.text
        if text is None:
            return [None]
        if text in with_value:
            if text in ("-f", "--file"):
                return []  # the program comes from a file
            skip = True
            continue
        if text.startswith("-") and len(text) > 1:
            continue
        return [text]
    return []
