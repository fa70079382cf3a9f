"""Named runner factories."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runners.protocol import Runner, RunnerEvents

RunnerFactory = Callable[[RunnerEvents, dict[str, Any]], Runner]


class RunnerRegistry:
    """``register(name, factory)`` then ``create(name, events, **config)``, which calls
    ``factory(events, config)``."""

    def __init__(self) -> None:
        self._factories: dict[str, RunnerFactory] = {}

    def register(self, name: str, factory: RunnerFactory) -> None:
        self._factories[name] = factory

    def unregister(self, name: str) -> None:
        self._factories.pop(name, None)

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


def default_registry() -> RunnerRegistry:
    """A registry with the built-in runners."""
    from runners.demo import DemoRunner

    registry = RunnerRegistry()
    registry.register("demo", lambda events, config: DemoRunner(events, **config))
    return registry
