"""The real agent CLIs for end-to-end tests: installed from npm at pinned versions, run offline
against the scripted model API with a temporary HOME."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

PACKAGES = {
    "claude": "@anthropic-ai/claude-code@2.1.332",
    "codex": "@openai/codex@0.169.0",
    "gemini": "@google/gemini-cli@0.61.0",
}


ACP_PACKAGES = {
    "claude-agent-acp": "@zed-industries/claude-agent-acp@0.23.1",
    "codex-acp": "@zed-industries/codex-acp@0.16.0",
}
"""The ACP adapters for Claude Code and Codex (Gemini CLI speaks ACP itself: ``gemini --acp``)."""


def agents_dir(packages: dict[str, str] = PACKAGES) -> Path:
    key = hashlib.sha256(json.dumps(packages, sort_keys=True).encode()).hexdigest()[:12]
    base = Path(os.environ.get("TETHER_TUI_TEST_AGENTS") or Path.home() / ".cache" / "tether-tui-test-agents")
    return base / key


def install_agents(packages: dict[str, str] = PACKAGES) -> Path:
    """Install the pinned CLIs once; fail (never skip) when that is impossible."""
    target = agents_dir(packages)
    bins = [target / "node_modules" / ".bin" / name for name in packages]
    if all(b.exists() for b in bins):
        return target
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to install the agent CLIs for the end-to-end tests", pytrace=False)
    target.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(target), *packages.values()],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if result.returncode != 0 or not all(b.exists() for b in bins):
        pytest.fail(f"npm could not install the agent CLIs:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}", pytrace=False)
    return target


def agent_bin(agents: Path, name: str) -> str:
    return str(agents / "node_modules" / ".bin" / name)


def base_env(home: Path, runtime: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TERM", "TMPDIR", "USER", "SHELL")}
    return {**keep, "HOME": str(home), "TETHER_TUI_RUNTIME_DIR": str(runtime), "NO_COLOR": "1"}


def claude_env(home: Path, runtime: Path, model_url: str) -> dict[str, str]:
    return {
        **base_env(home, runtime),
        "ANTHROPIC_BASE_URL": model_url,
        "ANTHROPIC_API_KEY": "sk-test",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_AUTOUPDATER": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    }


def codex_env(home: Path, runtime: Path, model_url: str, project: Path) -> dict[str, str]:
    codex_home = home / ".codex"
    codex_home.mkdir(parents=True, exist_ok=True)
    (codex_home / "config.toml").write_text(
        "\n".join(
            [
                'model = "gpt-test"',
                'model_provider = "fake"',
                "[model_providers.fake]",
                'name = "fake"',
                f'base_url = "{model_url}/v1"',
                'wire_api = "responses"',
                'env_key = "FAKE_API_KEY"',
                "[features]",
                "plugins = false",
                "remote_plugin = false",
                f'[projects."{project}"]',
                'trust_level = "trusted"',
                "",
            ]
        )
    )
    return {**base_env(home, runtime), "CODEX_HOME": str(codex_home), "FAKE_API_KEY": "sk-test"}


def gemini_env(home: Path, runtime: Path, model_url: str) -> dict[str, str]:
    settings = home / ".gemini" / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(
        json.dumps(
            {
                "security": {"auth": {"selectedType": "gemini-api-key"}},
                "privacy": {"usageStatisticsEnabled": False},
                "general": {"disableAutoUpdate": True},
            }
        )
    )
    return {
        **base_env(home, runtime),
        "GEMINI_API_KEY": "test-key",
        "GOOGLE_GEMINI_BASE_URL": model_url,
        "GEMINI_CLI_TRUST_WORKSPACE": "true",
    }
