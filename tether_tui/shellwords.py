"""The words of a shell command as a program receives them."""

from __future__ import annotations

import os
from dataclasses import dataclass


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
    folders: tuple[Word, ...] = ()
    """The folders ``cd``/``pushd`` went to earlier in the same line: the command may run in any
    of them (a ``cd`` in a subshell leaves the rest where it was)."""

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
