"""A grammar of shell disguises for commands the never-auto-approve list must catch: quoting,
escapes, env assignments, wrappers, binary folders, flag orders and spellings, separators,
subshells, substitutions, control flow and shells inside shells. Used by the property tests and
by ``bench/bypass_attempts.py``."""

from __future__ import annotations

import shlex

from hypothesis import strategies as st

DANGEROUS: list[list[str]] = [
    ["sudo", "ls"],
    ["sudo", "-u", "root", "id"],
    ["doas", "sh"],
    ["su", "-"],
    ["rm", "-rf", "/"],
    ["rm", "-fr", "/"],
    ["rm", "-r", "-f", "/"],
    ["rm", "--recursive", "--force", "/"],
    ["rm", "-R", "/etc"],
    ["rm", "-rf", "/*"],
    ["rm", "-rf", "~"],
    ["rm", "-rf", "~/"],
    ["rm", "-rf", "$HOME"],
    ["rm", "-rf", "${HOME}/src"],
    ["rm", "-rf", "//"],
    ["rm", "-rf", "/./"],
    ["git", "push", "--force"],
    ["git", "push", "origin", "main", "--force"],
    ["git", "push", "-f", "origin", "main"],
    ["git", "push", "origin", "+main"],
    ["git", "push", "--force-with-lease"],
    ["git", "-C", "repo", "push", "-f"],
]
"""Commands the default list names, written plainly (each word is disguised below)."""


def _quote_word(draw, word: str) -> str:
    if word.startswith("$"):
        style = draw(st.sampled_from(["plain", "double"]))
        return f'"{word}"' if style == "double" else word
    if word.startswith("~"):
        return word  # quoting ~ stops its expansion: that is another word
    style = draw(st.sampled_from(["plain", "single", "double", "backslash", "ansi", "split", "hex"]))
    if style == "plain" or not word:
        return shlex.quote(word)
    if style == "single":
        return "'" + word.replace("'", "'\\''") + "'"
    if style == "double":
        return '"' + word.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'
    if style == "backslash":
        index = draw(st.integers(min_value=0, max_value=len(word) - 1))
        if word[index] in "*?[":
            return shlex.quote(word)
        return shlex.quote(word[:index]) + "\\" + word[index] + (shlex.quote(word[index + 1 :]) if word[index + 1 :] else "")
    if style == "ansi":
        return "$'" + word.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if style == "hex" and all(ch.isalnum() for ch in word):
        return "$'" + "".join(f"\\x{ord(ch):02x}" for ch in word) + "'"
    if len(word) > 1 and "*" not in word:
        cut = draw(st.integers(min_value=1, max_value=len(word) - 1))
        return f"'{word[:cut]}'\"{word[cut:]}\""
    return shlex.quote(word)


WRAPPERS = [
    "env",
    "env -i",
    "env -u PATH",
    "env FOO=1",
    "command",
    "builtin",
    "exec",
    "time",
    "time -p",
    "nice",
    "nice -n 5",
    "nohup",
    "setsid",
    "timeout 10",
    "timeout -s KILL 5",
    "stdbuf -o0",
    "xargs",
    "xargs -I{}",
    "ionice -c 3",
    "flock /tmp/l",
    "coproc",
]

CONTEXTS = [
    "{}",
    "true; {}",
    "{} ; true",
    "make && {}",
    "false || {}",
    "echo x | {}",
    "{} | cat",
    "({})",
    "{{ {}; }}",
    "echo $({})",
    "echo `{}`",
    "x=$({})",
    "export Y=$({})",
    "if true; then {}; fi",
    "if {}; then :; fi",
    "for i in 1 2; do {}; done",
    "while false; do {}; done",
    "until true; do {}; done",
    "case a in a) {};; esac",
    "f() {{ {}; }}; f",
    "! {}",
    "{} &",
    "cat <({})",
    "[[ -n $({}) ]]",
    "echo ${{X:-$({})}}",
    "{}\n",
    "# note\n{}",
]

SHELL_CARRIERS = ["bash -c", "sh -c", "bash -lc", "zsh -c", "dash -c", "bash -o pipefail -c", "eval", "su root -c", "sudo sh -c"]


@st.composite
def disguised(draw, core: list[str] | None = None) -> str:
    """One dangerous command in disguise."""
    words = list(core or draw(st.sampled_from(DANGEROUS)))
    if draw(st.booleans()):
        words[0] = draw(st.sampled_from(["/bin/", "/usr/bin/", "/usr/local/bin/", "/opt/x/../../usr/bin/"])) + words[0]
    quoted = [_quote_word(draw, word) for word in words]
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        quoted.insert(0, draw(st.sampled_from(WRAPPERS)))
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        quoted.insert(0, draw(st.sampled_from(["FOO=1", "A=b", "LANG=C", "PATH=/usr/bin:$PATH"])))
    command = " ".join(quoted)
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        command = draw(st.sampled_from(CONTEXTS)).format(command)
        if draw(st.integers(min_value=0, max_value=3)) == 0:
            carrier = draw(st.sampled_from(SHELL_CARRIERS))
            command = f"{carrier} {shlex.quote(command)}"
    return command


def shell_requests(command: str) -> list[tuple[str, dict]]:
    """The same command as each agent's shell tool asks for it."""
    return [
        ("Bash", {"command": command}),
        ("shell", {"command": ["bash", "-lc", command]}),
        ("exec_command", {"cmd": command}),
        ("run_shell_command", {"command": command}),
    ]
