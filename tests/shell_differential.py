"""Differential reading of shell commands: what a real shell runs against what `tether_tui.shell`
reports.

A throwaway folder holds a ``bin`` folder that is the whole PATH: one recording shim per program
name. A shim appends its own name and argv to a log; the shims of programs that run other programs
(``bash``, ``env``, ``xargs``…) then hand over to the real program, so code they are given runs
too, again through the shims. Every program is named by an invented name or a harmless one, and
every argument is harmless: nothing the shell is given can touch the machine even if a real
program ran instead of a shim.

A program the shell ran that the reader did not report (by name, and by each argument the reader
says it knows) is a disagreement, unless the reader said it does not understand the command.

Used by ``tests/test_shell_differential.py`` (a smaller run) and ``bench/shell_differential.py``
(the large run).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from tether_tui import shell
from tether_tui.shellwords import Word

PROBES = ("zq1", "zq2", "zq3")
"""Invented programs: the commands the grammar hides."""
LEAVES = (*PROBES, "sudo", "ls", "make", "noglob", "nocorrect", "repeat")
"""Programs that only record that they ran (``sudo`` here is a shim, never the real one)."""
RUNNERS = (
    "bash",
    "sh",
    "dash",
    "zsh",
    "env",
    "nice",
    "nohup",
    "timeout",
    "xargs",
    "setsid",
    "stdbuf",
    "cat",
    "find",
    "mkdir",
    "touch",
    "chmod",
)
"""Programs that record and then run as the real program does (so what they run is run too)."""
CARRIERS = ("script", "setarch", "prlimit", "flock", "busybox", "tar", "git", "tcsh", "rbash", "zip", "parallel", "watch", "tmux")
"""Programs that run programs, checked in tests/test_carriers.py (run as the real program)."""
REAL = {"sh": "dash"}
NEEDS_SYSTEM_PATH = ("parallel",)
"""Carriers that need the system's tools to start (parallel sizes its command lines with them);
the shims stay first on PATH, so what they run is still recorded."""
IN_PLACE = ("setsid", "nohup")
"""Wrappers whose shim runs the command itself: a real setsid would leave the process group,
and its command could write to the log after the run that started it."""
SHELLS = {"bash": "bash", "sh": "dash"}


def missing_programs(names: tuple[str, ...] = RUNNERS) -> list[str]:
    """Programs the harness needs that this machine lacks (CI installs them)."""
    return sorted(name for name in {REAL.get(n, n) for n in names} if not shutil.which(name, path="/usr/bin:/bin"))


@dataclass(frozen=True)
class Disagreement:
    command: str
    shell: str
    ran: list[str]
    reported: list[list[str | None]]

    def __str__(self) -> str:
        return (
            f"{self.shell} ran {shlex.join(self.ran)!r}, which the reader did not report\n"
            f"  command: {self.command!r}\n  reader reported: {self.reported}"
        )


class Sandbox:
    """A folder whose PATH is recording shims; :meth:`run` gives the argv of every program run."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bin = root / "bin"
        self.home = root / "home"
        self.work = root / "work"
        self.log = root / "ran.log"
        for folder in (self.bin, self.home, self.work):
            folder.mkdir()
        for name in LEAVES + RUNNERS + CARRIERS:
            real = shutil.which(REAL.get(name, name), path="/usr/bin:/bin")
            if name in LEAVES or real is not None:
                self._shim(name, real if name not in LEAVES else None)

    def _shim(self, name: str, real: str | None) -> None:
        record = f'printf \'%s\\0\' "$#" {shlex.quote(name)} "$@" >> {shlex.quote(str(self.log))}'
        body = f"#!/bin/dash\n{record}\n"
        if name in IN_PLACE:
            body += 'exec "$@"\n'
        elif name in NEEDS_SYSTEM_PATH and real is not None:
            body += f'PATH="$PATH:/usr/bin:/bin" exec {shlex.quote(real)} "$@"\n'
        elif real is not None:
            body += f'exec {shlex.quote(real)} "$@"\n'
        path = self.bin / name
        path.write_text(body)
        path.chmod(0o755)

    def environment(self) -> dict[str, str]:
        return {"PATH": str(self.bin), "HOME": str(self.home), "LANG": "C.UTF-8", "TERM": "dumb"}

    def run(self, command: str, shell_name: str = "bash") -> list[list[str]]:
        """Run ``command`` as ``shell_name -c`` and return the argv of every program that ran."""
        self.log.write_bytes(b"")
        for entry in self.work.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        real = shutil.which(SHELLS[shell_name], path="/usr/bin:/bin")
        assert real, f"{SHELLS[shell_name]} is not installed"
        process = subprocess.Popen(
            [real, "-c", command],
            cwd=self.work,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        _end_group(process.pid)
        fields = self.log.read_bytes().decode("utf-8", "surrogateescape").split("\0")
        ran: list[list[str]] = []
        index = 0
        while index < len(fields) - 1:
            count = int(fields[index])
            ran.append(fields[index + 1 : index + 2 + count])
            index += 2 + count
        return ran


def _end_group(group: int) -> None:
    """Let what the command left running in the background finish (up to 2 s), then stop it."""
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.005)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)


@contextmanager
def sandbox() -> Iterator[Sandbox]:
    with tempfile.TemporaryDirectory(prefix="tt-sh-") as folder:
        yield Sandbox(Path(folder))


def fits(ran: list[str], words: tuple[Word, ...], home: str) -> bool:
    """Whether the reader's words account for an argv that ran: each known word equals the
    argument, a word the reader does not know (None, or a glob) may stand for any number of them."""
    for index, word in enumerate(words):
        if word.text is None or word.glob:
            return True
        if index >= len(ran):
            return False
        text = word.text
        if word.home:
            text = home + text[1:]
        if index == 0:
            if os.path.basename(text.rstrip("/")) != os.path.basename(ran[0]):
                return False
        elif ran[index].startswith(text.rstrip("/") + "/"):
            continue  # find's {} is a file under the folder it starts from
        elif text.encode("utf-8", "surrogateescape") != ran[index].encode("utf-8", "surrogateescape"):
            return False
    return len(words) == len(ran)


def compare(box: Sandbox, command: str, shell_name: str = "bash") -> tuple[bool, Disagreement | None]:
    """Run ``command`` and read it; (understood, the first disagreement or None)."""
    ran = box.run(command, shell_name)
    parsed = shell.parse(command if shell_name == "bash" else f"{shell_name} -c {shlex.quote(command)}")
    if not parsed.understood:
        return False, None
    for argv in ran:
        if not any(fits(argv, reported.words, str(box.home)) for reported in parsed.commands):
            return True, Disagreement(command, shell_name, argv, [[w.text for w in c.words] for c in parsed.commands])
    return True, None


# ------------------------------------------------------------------------------------ the grammar
def _probe(draw) -> str:
    name = draw(st.sampled_from(PROBES))
    args = draw(st.lists(st.sampled_from(["a", "-x", "b c", "--", "-"]), max_size=2))
    return shlex.join([name, *args])


ANSI_ESCAPES = st.one_of(
    st.builds(lambda digits: "\\x" + digits, st.text("0123456789abcdefABCDEF", min_size=1, max_size=3)),
    st.builds(lambda digits: "\\u" + digits, st.text("0123456789abcdef", min_size=1, max_size=5)),
    st.builds(lambda digits: "\\U" + digits, st.text("0123456789abcdef", min_size=1, max_size=9)),
    st.builds(lambda digits: "\\" + digits, st.text("01234567", min_size=1, max_size=4)),
    st.builds(lambda ch: "\\c" + ch, st.sampled_from(list("a?@[Z1 "))),
    st.sampled_from(
        ["\\a", "\\b", "\\e", "\\E", "\\f", "\\n", "\\r", "\\t", "\\v", "\\\\", "\\'", '\\"', "\\?", "\\q", "\\x", "\\u", "\\8"]
    ),
    st.text("abcxyz019-_ ", min_size=1, max_size=3),
)


@st.composite
def ansi_c_word(draw) -> str:
    """A ``$'…'`` word with the escapes bash reads there, short forms included."""
    return "$'" + "".join(draw(st.lists(ANSI_ESCAPES, min_size=1, max_size=6))) + "'"


@st.composite
def quoted_probe(draw) -> str:
    name = draw(st.sampled_from(PROBES))
    style = draw(st.sampled_from(["plain", "single", "double", "backslash", "hex", "octal", "u", "U", "split", "xshort"]))
    spelled = {
        "plain": name,
        "single": f"'{name}'",
        "double": f'"{name}"',
        "backslash": f"{name[0]}\\{name[1:]}",
        "hex": "$'" + "".join(f"\\x{ord(c):x}" for c in name) + "'",
        "octal": "$'" + "".join(f"\\{ord(c):o}" for c in name) + "'",
        "u": "$'" + "".join(f"\\u{ord(c):x}" for c in name) + "'",
        "U": "$'" + "".join(f"\\U{ord(c):x}" for c in name) + "'",
        "split": f"'{name[:1]}'\"{name[1:]}\"",
        "xshort": f"$'\\x7aq'{name[2:]}",
    }[style]
    args = draw(st.lists(st.one_of(ansi_c_word(), st.sampled_from(["a", "'b c'", '"$HOME"', "~", "-rf", "\\-x"])), max_size=2))
    return " ".join([spelled, *args])


PARAMETER_FORMS = [
    "${v#S}",
    "${v##S}",
    "${v%S}",
    "${v%%S}",
    "${v^S}",
    "${v^^S}",
    "${v,S}",
    "${v,,S}",
    "${v:-S}",
    "${v-S}",
    "${v:=S}",
    "${v=S}",
    "${v:+S}",
    "${v+S}",
    "${v/S/y}",
    "${v//S/y}",
    "${v/#S}",
    "${v/%S}",
    "${v/x/S}",
    "${v:S}",
    "${v:0:S}",
    "${u:-S}",
    "${u:=S}",
    "${u-S}",
    "${a[S]}",
    "${a[S]:-x}",
]


def _wrap(draw, inner: str, depth: int) -> str:
    """``inner`` (a command that runs a probe) inside one construct bash reads."""
    quoted = shlex.quote(inner)
    construct = draw(st.integers(min_value=0, max_value=39))
    if construct == 0:
        substitution = draw(st.sampled_from([f"$({inner})", f"`{inner}`"]))
        return "v=xy; echo " + draw(st.sampled_from(PARAMETER_FORMS)).replace("S", substitution)
    if construct == 1:
        return f"v={shlex.quote('$(' + inner + ')')}; echo ${{v@P}}"
    if construct == 2:
        escaped = inner.replace("\\", "\\\\").replace("`", "\\`").replace("$", "\\$")
        return draw(st.sampled_from([f"echo `echo \\`{escaped}\\``", f"echo $(echo \\`{escaped}\\`)", f'echo "`{inner}`"']))
    if construct == 3:
        feeder = draw(st.sampled_from(["bash", "sh", "bash -s", "sh -s -x", "dash"]))
        delimiter = draw(st.sampled_from(["EOF", "'EOF'", '"EOF"', "\\EOF", "-EOF"]))
        end = delimiter.strip("'\"\\-")
        body = draw(
            st.sampled_from(
                [
                    inner,
                    f"echo \\`{inner}\\`",
                    f"echo \\\\`{inner}`",
                    f"echo \\$({inner})",
                    f"echo $({inner})",
                    f"x=1 \\\n{inner}",
                    f"echo '\\' ; {inner}",
                ]
            )
        )
        dash = "-" if delimiter.startswith("-") else ""
        return f"{feeder} <<{dash}{delimiter.lstrip('-')}\n{body}\n{end}"
    if construct == 4:
        return f"bash -c {ansi_c_word_for(inner)}"
    if construct == 5:
        setup = draw(st.sampled_from(["x='a[$(INNER)]'", "x='a[`INNER`]'", "declare x='a[$(INNER)]'"])).replace("INNER", inner)
        use = draw(
            st.sampled_from(
                [
                    "echo $(( x ))",
                    "(( x ))",
                    "[[ $x -eq 0 ]]",
                    "[[ x -eq 0 ]]",
                    "let x",
                    "let y=x+1",
                    "declare -i y=x",
                    "a=(1); echo ${a[x]}",
                    "y=$(( x + 1 ))",
                    "for (( i = x; i < 0; i++ )); do :; done",
                    "test $x -eq 0",
                ]
            )
        )
        return f"{setup}; {use}"
    if construct == 6:
        subscript = f"a[$({inner})]"
        return draw(
            st.sampled_from(
                [
                    f"printf -v {shlex.quote(subscript)} x",
                    f"declare {shlex.quote(subscript + '=1')}",
                    f"test -v {shlex.quote(subscript)}",
                    f"[ -v {shlex.quote(subscript)} ]",
                    f"unset {shlex.quote(subscript)}",
                    f"read {shlex.quote(subscript)} <<< x",
                    f"declare -a a; a[{shlex.quote('$(' + inner + ')')}]=1",
                ]
            )
        )
    if construct == 7:
        options = draw(
            st.sampled_from(
                ["-c --", "-c -x", "-x -c", "-ec", "-c -e", "-o errexit -c", "-O extglob -c", "--norc -c", "-c -o errexit", "+x -c"]
            )
        )
        program = draw(st.sampled_from(["bash", "sh"]))
        trailing = draw(st.sampled_from(["", " name", " -- arg"]))
        return f"{program} {options} {quoted}{trailing}"
    if construct == 8:
        return draw(
            st.sampled_from(
                [
                    f"bash <(echo {quoted})",
                    f"sh /dev/stdin <<< {quoted}",
                    f". /dev/stdin <<< {quoted}",
                    f"source <(echo {quoted})",
                    f"source /dev/stdin <<< {quoted}",
                    f"bash < <(echo {quoted})",
                    f"bash /dev/fd/0 <<< {quoted}",
                    f"bash - <<< {quoted}",
                    f"echo {quoted} > s.sh; bash s.sh",
                    f"echo {quoted} > s.sh; . ./s.sh",
                ]
            )
        )
    if construct == 9:
        return draw(
            st.sampled_from(
                [
                    f"shopt -s expand_aliases\nalias ll={quoted}\nll",
                    f"shopt -s expand_aliases\nBASH_ALIASES[ll]={quoted}\nll",
                    f"shopt -s expand_aliases; alias ls={quoted}\nls",
                ]
            )
        )
    if construct == 10:
        return draw(st.sampled_from(["hash -p bin/sudo ls; ls", "hash -p $(command -v zq1) ls; ls", "hash -p ../bin/zq2 make; make"]))
    if construct == 11:
        return draw(st.sampled_from([f"trap {quoted} EXIT", f"trap -- {quoted} EXIT; true", f"trap {quoted} ERR; false"]))
    if construct == 12:
        return draw(st.sampled_from([f"eval -- {quoted}", f"eval {quoted}", f"eval -- -- {quoted}"]))
    if construct == 13:
        return draw(
            st.sampled_from([f"f() {{ {inner}; }}; f", f"function f {{ {inner}; }}; f", f"f() ( {inner} ); f", f"ls() {{ {inner}; }}; ls"])
        )
    if construct == 14:
        return draw(
            st.sampled_from(
                [
                    f"PS4={shlex.quote('$(' + inner + ')')}; set -x; true",
                    f"export PS4={shlex.quote('`' + inner + '`')}; set -x; :",
                    f"PS4={shlex.quote('$(' + inner + ')')} bash -xc true",
                ]
            )
        )
    if construct == 15:
        return draw(
            st.sampled_from(
                [
                    f"zsh -c {shlex.quote('noglob ' + inner)}",
                    f"zsh -c {shlex.quote('nocorrect ' + inner)}",
                    f"zsh -c {shlex.quote('repeat 2 ' + inner)}",
                    f"zsh -c {shlex.quote('=zq1 a')}",
                    f"zsh -c {shlex.quote(inner)}",
                    f"zsh -c {shlex.quote('- ' + inner)}",
                ]
            )
        )
    if construct == 16:
        return f"env {draw(st.sampled_from(['', '-i ', '-u X ', 'A=1 ', '-- ']))}{inner}"
    if construct == 17:
        return f"echo a | xargs {draw(st.sampled_from(['', '-0 ', '-I{} ', '-n 1 ', '-r ']))}{inner}"
    if construct == 18:
        return f"timeout {draw(st.sampled_from(['5', '-s KILL 5', '-k 1 5', '--signal=TERM 5']))} {inner}"
    if construct == 19:
        return f"nice {draw(st.sampled_from(['', '-n 1 ', '-5 ']))}{inner}"
    if construct == 20:
        return f"mkdir -p d; touch d/f; find d -type f -exec {inner} {{}} \\;"
    if construct == 21:
        return draw(st.sampled_from([f"{inner} | cat", f"cat <({inner})", f"echo x > >({inner})", f"{inner} &", f"{inner} & wait"]))
    if construct == 22:
        return draw(
            st.sampled_from(
                [
                    f"if true; then {inner}; fi",
                    f"for i in 1; do {inner}; done",
                    f"case x in x) {inner};; esac",
                    f"while {inner}; do break; done",
                    f"! {inner}",
                ]
            )
        )
    if construct == 23:
        return draw(st.sampled_from([f"x=$({inner})", f"export y=`{inner}`", f"local z=$({inner}) 2>/dev/null; :", f"a=( $({inner}) )"]))
    if construct == 24:
        return draw(st.sampled_from([f"{{ {inner}; }}", f"( {inner} )", f"true && {inner}", f"false || {inner}", f"true; {inner}"]))
    if construct == 25:
        return draw(
            st.sampled_from(
                [
                    f'echo "$({inner})"',
                    f'echo "${{v:-$({inner})}}"',
                    f'echo "${{v:-`{inner}`}}"',
                    f"[[ -n $({inner}) ]]",
                    f"echo $(( $({inner}) + 1 ))",
                ]
            )
        )
    if construct == 26:
        return draw(
            st.sampled_from(
                [
                    f"command {inner}",
                    f"exec {inner}",
                    f"builtin {inner}",
                    f"command -p {inner}",
                    f"exec -a name {inner}",
                    f"exec -la x {inner}",
                ]
            )
        )
    if construct == 27:
        return f"cat <<EOF\n$({inner})\nEOF"
    if construct == 28:
        return f"cat <<'EOF' | bash\n{inner}\nEOF"
    if construct == 29:
        return f'x="$({inner})" true'
    if construct == 30:
        return f"echo ${{v:-{quoted}}}; echo {shlex.quote(inner)}; {quoted_probe_text(draw)}"
    if construct == 31:
        return draw(
            st.sampled_from([f'set -- {quoted}; eval "$1"', f"v={quoted}; eval $v", f"v={quoted}; $v", f'v={quoted}; bash -c "$v"'])
        )
    if construct == 32:
        return draw(st.sampled_from([f"sh -c {quoted} sh", f"bash --posix -c {quoted}", f"bash -rc {quoted}", f"bash --login -c {quoted}"]))
    if construct == 33:
        return draw(st.sampled_from([f"coproc {inner}", f"time {inner}", f"time -p {inner}", f"{inner} 2>&1 >/dev/null"]))
    if construct == 34:
        return f"declare -x PS4=x; {inner}" if depth else inner
    if construct == 35:
        return draw(st.sampled_from([f"select x in a; do {inner}; break; done", f"until {inner}; do break; done", f"[[ $({inner}) ]]"]))
    if construct == 36:
        return draw(st.sampled_from([f"stdbuf -o0 {inner}", f"setsid {inner}", f"nohup {inner}"]))
    if construct == 37:
        return draw(
            st.sampled_from([f"bash -c {quoted}", f"sh -c {quoted}", f"dash -c {quoted}", f"bash -c {shlex.quote('bash -c ' + quoted)}"])
        )
    if construct == 38:
        return draw(st.sampled_from([f"alias x=y; {inner}", f"unalias -a; {inner}", f"enable -n echo; {inner}"]))
    return f"{inner}\n"


def ansi_c_word_for(code: str) -> str:
    """``code`` as a ``$'…'`` word spelled with escapes."""
    out = []
    for ch in code:
        if ch.isalnum():
            out.append(f"\\x{ord(ch):02x}" if ch in "zq" else ch)
        elif ch == "'":
            out.append("\\'")
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        else:
            out.append(ch)
    return "$'" + "".join(out) + "'"


def quoted_probe_text(draw) -> str:
    return draw(quoted_probe())


@st.composite
def shell_programs(draw) -> str:
    """A command line that runs one or more probes inside the constructs bash reads."""
    inner = draw(st.one_of(quoted_probe(), st.builds(lambda: "zq1")))
    for depth in range(draw(st.integers(min_value=1, max_value=3))):
        inner = _wrap(draw, inner, depth)
    return inner


@st.composite
def shell_cases(draw) -> tuple[str, str]:
    """A command and the shell it is given to (bash, and dash as sh for plain POSIX forms)."""
    command = draw(shell_programs())
    return command, draw(st.sampled_from(["bash", "bash", "bash", "sh"]))
