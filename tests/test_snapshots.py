"""Snapshots of the dashboard's screens at 80x24 and 200x60, from the fixed scene."""

from __future__ import annotations

import pytest

from tether_tui.app import TetherApp
from tests.scenes import build_scene

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((200, 60), id="200x60")]


class SceneApp(TetherApp):
    """The dashboard on the fixed scene; the store is built once the loop runs."""

    def __init__(self) -> None:
        super().__init__(build_scene(), user="dev")


async def _settle(pilot) -> None:
    for _ in range(3):
        await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(snap_compare, size):
    assert snap_compare(SceneApp(), terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", SIZES)
def test_approval_details_with_diff(snap_compare, size):
    async def open_details(pilot):
        await _settle(pilot)
        pilot.app.open_details("req_edit_dates")
        await _settle(pilot)

    assert snap_compare(SceneApp(), terminal_size=size, run_before=open_details)


@pytest.mark.parametrize("size", SIZES)
def test_timer_dialog(snap_compare, size):
    async def open_timer(pilot):
        await _settle(pilot)
        await pilot.press("t")
        await _settle(pilot)

    assert snap_compare(SceneApp(), terminal_size=size, run_before=open_timer)


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare, size):
    async def open_help(pilot):
        await _settle(pilot)
        await pilot.press("question_mark")
        await _settle(pilot)

    assert snap_compare(SceneApp(), terminal_size=size, run_before=open_help)
