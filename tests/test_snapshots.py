"""Snapshots of the dashboard's screens at 80x24 and 200x60, from the fixed scene."""

from __future__ import annotations

import pytest

from tests.scenes import VIEWS, build_scene, open_view, scene_launcher
from tether_tui.app import TetherApp
from tether_tui.runtime import Runtime


class SceneApp(TetherApp):
    """The dashboard on the fixed scene (frozen clock, fixed ids, fixed agents)."""

    def __init__(self) -> None:
        store = build_scene()
        super().__init__(Runtime(store, launcher=scene_launcher(store)), user="dev")
        self.start_folder = "/home/dev/src/invoice-api"


@pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=["80x24", "200x60"])
@pytest.mark.parametrize("view", list(VIEWS))
def test_screen(snap_compare, view, size):
    async def run_before(pilot) -> None:
        await open_view(pilot, view)

    assert snap_compare(SceneApp(), terminal_size=size, run_before=run_before)
