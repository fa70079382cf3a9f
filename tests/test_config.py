from __future__ import annotations

import asyncio
import stat

import pytest

from tether_tui.config import CONFIG_TEMPLATE, ConfigError, ConfigWatcher, load_config, parse_config


def test_no_file_means_defaults(tmp_path):
    config = load_config(tmp_path / "missing.toml", env={})
    assert config.approvals.timeout_seconds == 600 and config.approvals.fallback == "deny"
    assert not config.telegram.configured and config.dashboard.demo


def test_the_template_is_the_defaults():
    assert parse_config(CONFIG_TEMPLATE, env={}).approvals == parse_config("", env={}).approvals
    assert parse_config(CONFIG_TEMPLATE, env={}).dashboard == parse_config("", env={}).dashboard


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[approvals]\ntimeout_seconds = 'ten'\n", 'cfg.toml:2: [approvals] timeout_seconds: expected a number, got "ten"'),
        ("[approvals]\n\nfallback = 'allow'\n", 'cfg.toml:3: [approvals] fallback: expected one of "deny", "defer", got "allow"'),
        ("[dashboard]\nbell = 1\n", "cfg.toml:2: [dashboard] bell: expected true or false, got 1"),
        ("[dashboard]\ndemo = 'True'\n", 'cfg.toml:2: [dashboard] demo: expected true or false, got "True"'),
        (
            "[dashboard]\nbel = true\n",
            "cfg.toml:2: [dashboard] bel: unknown key (known: bell, demo, demo_sessions, key_grace_seconds, notify, theme)",
        ),
        ("[telegram]\nallowed_user_ids = [1, 'x']\n", 'cfg.toml:2: [telegram] allowed_user_ids: expected a whole number, got "x"'),
        ("[approvals]\ntimeout_seconds = 0\n", "cfg.toml:2: [approvals] timeout_seconds: must be from 1 to 604_800, got 0"),
        (
            "[approvals]\ndefault_duration_minutes = 9223372036854775807\n",
            "cfg.toml:2: [approvals] default_duration_minutes: must be from 1 to 10_080, got 9_223_372_036_854_775_807",
        ),
        ("[approvals]\ntimeout_seconds = nan\n", "cfg.toml:2: [approvals] timeout_seconds: must be a finite number, got nan"),
        ("[approvals]\ntimeout_seconds = inf\n", "cfg.toml:2: [approvals] timeout_seconds: must be a finite number, got inf"),
        ("[approvals]\nbatch_debounce_seconds = nan\n", "cfg.toml:2: [approvals] batch_debounce_seconds: must be a finite number, got nan"),
        ("[approvals]\ndurations_minutes = [5, -inf]\n", "cfg.toml:2: [approvals] durations_minutes: expected a whole number, got -inf"),
        (
            "[approvals]\ndurations_minutes = [5, 10]\ndefault_duration_minutes = 7\n",
            "cfg.toml:3: [approvals] default_duration_minutes: must be one of durations_minutes",
        ),
        ("[history]\nmax_lines = 99999999999\n", "cfg.toml:2: [history] max_lines: must be from 10 to 1_000_000, got 99_999_999_999"),
        ("[telegram]\nallowed_user_ids = [0]\n", "cfg.toml:2: [telegram] allowed_user_ids: must be from 1 to 9_007_199_254_740_992, got 0"),
        (
            "[approvals]\nnever_auto_approve = ['Bash(']\n",
            "cfg.toml:2: [approvals] never_auto_approve: not a tool pattern: 'Bash(' (expected Tool or Tool(glob))",
        ),
        (
            "[ui]\nx = 1\n",
            "cfg.toml:1: [ui]: unknown section (known: approvals, dashboard, history, telegram, slack, discord, runners, agents.NAME, remotes.NAME)",
        ),
        ("[approvals\ntimeout_seconds = 1\n", "cfg.toml:1: not valid TOML: Expected ']' at the end of a table declaration"),
    ],
)
def test_errors_name_file_line_and_key(tmp_path, text, expected):
    path = tmp_path / "cfg.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert str(info.value) == str(tmp_path / expected)


def test_tokens_come_from_the_environment_and_never_show_in_repr():
    config = parse_config(
        "[telegram]\nforum_group_id = -100123\nallowed_user_ids = [42]\n",
        env={"TETHER_TUI_TELEGRAM_TOKEN": "123456:SECRET-TOKEN-VALUE"},
    )
    assert config.telegram.configured and config.telegram.token == "123456:SECRET-TOKEN-VALUE"
    assert "SECRET" not in repr(config)


def test_warnings_for_open_permissions_and_missing_allowlists(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[telegram]\ntoken = "1:abc"\nforum_group_id = -1\nrequire_pairing = false\n')
    path.chmod(0o644)
    warnings = load_config(path, env={}).warnings
    assert any("chmod 600" in w for w in warnings)
    assert any("no allowed_user_ids" in w for w in warnings)


async def test_edits_apply_without_restart_and_broken_edits_keep_the_last_good_config(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[dashboard]\nbell = true\n")
    applied, errors = [], []
    got = asyncio.Event()

    def on_config(config):
        applied.append(config)
        got.set()

    def on_error(error):
        errors.append(error)
        got.set()

    watcher = ConfigWatcher(path, on_config, on_error, env={})
    task = asyncio.create_task(watcher.run())
    await asyncio.wait_for(watcher.ready.wait(), 10)

    async def edit(text):
        got.clear()
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(path)  # the way editors save
        await asyncio.wait_for(got.wait(), 10)

    await edit("[dashboard]\nbell = false\n[approvals]\ndurations_minutes = [1, 2]\n")
    assert applied[-1].dashboard.bell is False and applied[-1].approvals.durations_minutes == (1, 2)
    await edit('[dashboard]\nbell = "maybe"\n')
    assert errors and "config.toml:2: [dashboard] bell" in errors[-1]
    assert len(applied) == 1
    watcher.stop()
    await asyncio.wait_for(task, 10)


def test_config_init_writes_a_private_file(tmp_path):
    from tether_tui.cli import main

    path = tmp_path / "conf" / "config.toml"
    assert main(["config", "init", "--config", str(path)]) == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_config(path, env={}).approvals.timeout_seconds == 600
    assert main(["config", "init", "--config", str(path)]) == 1


def test_a_config_that_is_not_a_regular_file_is_refused_at_once(tmp_path):
    import os

    link = tmp_path / "zero.toml"
    link.symlink_to("/dev/zero")
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config(link, env={})
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config(fifo, env={})
    big = tmp_path / "big.toml"
    big.write_text("# x\n" * 400_000)
    with pytest.raises(ConfigError, match="larger than 1024 KiB"):
        load_config(big, env={})
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(binary, env={})


def test_durations_alone_pick_the_nearest_default():
    approvals = parse_config("[approvals]\ndurations_minutes = [10, 45, 90]\n", env={}).approvals
    assert approvals.default_duration_minutes == 45


def test_a_timer_that_cannot_be_set_allows_nothing(store):
    from tether_tui.models import Via

    store.add_session("s1", "agent", directory=None)
    request = store.approvals.submit("s1", "Bash", {"command": "make"})
    for timer, minutes in (("all", 2**63), ("all", float("nan")), ("dir", 5), ("prefix", -1)):
        with pytest.raises(ValueError):
            store.approvals.allow_with_timer(request.id, timer, minutes, by="a", via=Via.KEYBOARD)
        assert request.pending


def test_config_messages_say_missing_and_empty_and_read_well(tmp_path):
    from tether_tui.config import ConfigError, load_config

    cases = {
        "[remotes.x]\nssh_args = []\n": "[remotes.x]: destination: missing (what you would type after ssh, e.g. me@devbox)",
        "[agents.mine]\ncommand = []\n": "[agents.mine]: command: is empty (name the program to run, then its arguments)",
        "[agents.mine]\nlabel = 'Mine'\n": "[agents.mine]: command: missing",
        "[telegram]\nallowed_user_ids = 5\n": "expected a list of whole numbers, got 5",
    }
    path = tmp_path / "cfg.toml"
    for text, said in cases.items():
        path.write_text(text)
        with pytest.raises(ConfigError) as info:
            load_config(path, env={})
        assert said in str(info.value), (text, str(info.value))
        assert "a list of a " not in str(info.value) and "got None" not in str(info.value)
