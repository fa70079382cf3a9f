"""Agent back ends: the Runner protocol, the registry, and the built-in runners.

``from runners import Runner, RunnerEvents, RunnerRegistry, RunnerUnavailableError``
"""

from runners.protocol import Runner, RunnerEvents, RunnerUnavailableError
from runners.registry import RunnerRegistry, default_registry

__all__ = ["Runner", "RunnerEvents", "RunnerRegistry", "RunnerUnavailableError", "default_registry"]
