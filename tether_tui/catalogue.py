"""The catalogue of settings and programs that make other code run (``data/catalogue.toml``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

RUNS = frozenset({"argv", "code", "each", "first", "stdin", "options", "unknown", "parallel"})


@dataclass(frozen=True)
class Carrier:
    """How a program that runs another program or code takes it (see the catalogue's notes)."""

    with_value: frozenset[str] = frozenset()
    before_options: int = 0
    positional: int = 0
    assignments: bool = False
    code_options: frozenset[str] = frozenset()
    code_prefixes: tuple[str, ...] = ()
    runs: str = "argv"
    shell: str = "bash"
    subcommands: frozenset[str] = frozenset()
    global_with_value: frozenset[str] = frozenset()
    split_options: frozenset[str] = frozenset()
    code_suffix: str = ""

    @classmethod
    def from_table(cls, name: str, table: dict[str, Any]) -> Carrier:
        known = set(cls.__dataclass_fields__)
        unknown = set(table) - known
        if unknown:
            raise ValueError(f"catalogue: {name}: unknown fields {sorted(unknown)}")
        runs = table.get("runs", "argv")
        if runs not in RUNS:
            raise ValueError(f"catalogue: {name}: runs = {runs!r} is not one of {sorted(RUNS)}")
        sets = {
            key: frozenset(table[key])
            for key in ("with_value", "code_options", "subcommands", "global_with_value", "split_options")
            if key in table
        }
        return cls(
            before_options=int(table.get("before_options", 0)),
            positional=int(table.get("positional", 0)),
            assignments=bool(table.get("assignments", False)),
            code_prefixes=tuple(table.get("code_prefixes", ())),
            code_suffix=str(table.get("code_suffix", "")),
            runs=runs,
            shell=table.get("shell", "bash"),
            **sets,
        )


@dataclass(frozen=True)
class Catalogue:
    runs_code: frozenset[str]
    runs_code_prefixes: tuple[str, ...]
    path_settings: frozenset[str]
    carriers: dict[str, Carrier]
    shells: dict[str, str]
    """Shell name → the dialect its code is read in (``bash``, ``sh``, ``zsh``, ``unknown``)."""
    families: dict[str, frozenset[str]]
    """Program → the programs a never-auto-approve pattern for it also names."""

    def setting_runs_code(self, name: str) -> bool:
        """Whether setting the environment variable ``name`` can make a program run other code."""
        return name in self.runs_code or name.startswith(self.runs_code_prefixes)


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The catalogue, read at its first use (not at import: the dashboard's start needs none of it)."""
    import tomllib
    from importlib.resources import files

    data = tomllib.loads(files("tether_tui").joinpath("data/catalogue.toml").read_text(encoding="utf-8"))
    environment = data["environment"]
    return Catalogue(
        runs_code=frozenset(environment["runs_code"]),
        runs_code_prefixes=tuple(environment["runs_code_prefixes"]),
        path_settings=frozenset(environment["paths"]),
        carriers={name: Carrier.from_table(name, table) for name, table in data["carriers"].items()},
        shells=dict(data["shells"]),
        families={name: frozenset(members) for name, members in data["families"].items()},
    )
