"""Named runner factories."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from runners.protocol import Runner, RunnerEvents

if TYPE_CHECKING:
    from runners.acp.profiles import AgentProfile

RunnerFactory = Callable[[RunnerEvents, dict[str, Any]], Runner]


class RunnerRegistry:
    """``register(name, factory)`` then ``create(name, events, **config)``, which calls
    ``factory(events, config)``."""

    def __init__(self) -> None:
        self._factories: dict[str, RunnerFactory] = {}
        self._in_folder: set[str] = set()
        self.profiles: dict[str, AgentProfile] = {}
        """The ACP agent profiles registered with :meth:`register_profile`."""

    def register(self, name: str, factory: RunnerFactory, *, runs_in_folder: bool = False) -> None:
        """``runs_in_folder``: the factory takes ``directory`` (the session's folder) in its config."""
        self._factories[name] = factory
        if runs_in_folder:
            self._in_folder.add(name)
        else:
            self._in_folder.discard(name)

    def register_profile(self, profile: AgentProfile) -> None:
        """An ACP runner for ``profile``, under the profile's name."""
        self.register(profile.name, _acp_factory(profile), runs_in_folder=True)
        self.profiles[profile.name] = profile

    def unregister(self, name: str) -> None:
        self._factories.pop(name, None)
        self._in_folder.discard(name)
        self.profiles.pop(name, None)

    def runs_in_folder(self, name: str) -> bool:
        return name in self._in_folder

    def create(self, name: str, events: RunnerEvents, **config: Any) -> Runner:
        try:
            factory = self._factories[name]
        except KeyError:
            known = ", ".join(sorted(self._factories)) or "none"
            raise KeyError(f"unknown runner {name!r} (registered: {known})") from None
        return factory(events, config)

    def list(self) -> list[str]:
        return sorted(self._factories)

    def has(self, name: str) -> bool:
        return name in self._factories


def default_registry(profiles: dict[str, AgentProfile] | None = None) -> RunnerRegistry:
    """A registry with the built-in runners: the demo agent, and an ACP runner for each agent
    profile (claude, codex, gemini, plus ``profiles``, which may replace them)."""
    from runners.acp.profiles import BUILTIN_PROFILES
    from runners.demo import DemoRunner

    registry = RunnerRegistry()
    registry.register("demo", lambda events, config: DemoRunner(events, **config))
    for profile in {**BUILTIN_PROFILES, **(profiles or {})}.values():
        registry.register_profile(profile)
    return registry


def _acp_factory(profile: AgentProfile) -> RunnerFactory:
    def create(events: RunnerEvents, config: dict[str, Any]) -> Runner:
        from runners.acp.runner import AcpRunner

        return AcpRunner(
            events, profile=profile, directory=config.get("directory"), remote=config.get("remote"), resume=config.get("resume")
        )

    return create
