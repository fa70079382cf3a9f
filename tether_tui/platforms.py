"""One record per chat platform, read by the config, the setup (command line and dialog), the
doctor, the status bar and the bridge supervisor: a platform's facts live here and nowhere else.
Its bridge and probe are named, not imported: a chat library loads only when it is used."""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tether_tui.config import DiscordSettings, SlackSettings, TelegramSettings
from tether_tui.models import Via

if TYPE_CHECKING:
    from tether_tui.config import Config

ChatSettings = TelegramSettings | SlackSettings | DiscordSettings


@dataclass(frozen=True)
class TokenField:
    key: str
    """Its key in the platform's config section."""
    prompt: str
    """What the setup asks for (typed hidden)."""
    env: str
    """The environment variable that may hold it instead of the config file."""

    @property
    def label(self) -> str:
        return self.prompt.removesuffix(" (typed hidden): ")


@dataclass(frozen=True)
class PlatformSpec:
    name: str
    label: str
    via: Via
    command_prefix: str
    """What chat commands start with there: ``/pair`` on Telegram, ``!pair`` elsewhere."""
    settings: type[ChatSettings]
    tokens: tuple[TokenField, ...]
    chat_place: str
    """Where a user writes the pairing code to make a chat tether-tui's."""
    setup_steps: tuple[str, ...]
    """What to do on the platform's side before the token is typed, step by step."""
    setup_summary: str
    """The same, in one line (the setup dialog)."""
    bridge: str
    """``module:Class`` of the bridge; the class has ``from_settings(settings, **options)``."""
    probe: str
    """The module whose ``probe(settings)`` checks a token against the platform."""
    libraries: tuple[str, ...]
    """What its bridge imports (its extra installs them)."""

    @property
    def chat_key(self) -> str:
        return self.settings.chat_key

    @property
    def install(self) -> str:
        return f"pip install 'tether-tui[{self.name}]'"

    def missing_library(self) -> str | None:
        """The first of its libraries that is not installed, or None."""
        import importlib.util

        for name in self.libraries:
            try:
                found = importlib.util.find_spec(name)
            except (ImportError, ValueError):  # blocked, or half imported
                found = None
            if found is None:
                return name
        return None

    def settings_of(self, config: Config) -> ChatSettings:
        settings: ChatSettings = getattr(config, self.name)
        return settings

    def token_values(self, settings: ChatSettings) -> dict[str, str]:
        return {field.key: getattr(settings, field.key) for field in self.tokens}

    def with_tokens(self, settings: ChatSettings, tokens: Mapping[str, str]) -> ChatSettings:
        """``settings`` with these tokens, no chat yet, switched on (what the setup checks)."""
        changes: dict[str, Any] = {field.key: tokens.get(field.key, "") for field in self.tokens}
        changes[self.chat_key] = type(getattr(settings, self.chat_key))()
        return dataclasses.replace(settings, **changes, enabled=True)

    def build(self, settings: ChatSettings, **options: Any) -> Any:
        """The platform's bridge (a :class:`bridges.base.ChatBridge`; the core names no bridge type)."""
        module, _, name = self.bridge.partition(":")
        return getattr(importlib.import_module(module), name).from_settings(settings, **options)


PLATFORMS: dict[str, PlatformSpec] = {
    "telegram": PlatformSpec(
        name="telegram",
        label="Telegram",
        via=Via.TELEGRAM,
        command_prefix="/",
        settings=TelegramSettings,
        tokens=(TokenField("token", "Bot token (typed hidden): ", "TETHER_TUI_TELEGRAM_TOKEN"),),
        chat_place="your forum group (Topics on, the bot an admin)",
        setup_steps=(
            "In Telegram, ask @BotFather for a bot: /newbot, then copy the token it gives.",
            "Make a group, switch Topics on in its settings, add the bot and make it an admin with Manage Topics.",
        ),
        setup_summary="@BotFather: /newbot, copy the token. Make a group, switch Topics on, add the bot as admin with Manage Topics.",
        bridge="bridges.telegram:TelegramBridge",
        probe="bridges.telegram.probe",
        libraries=("telegram", "chatgpt_md_converter"),
    ),
    "slack": PlatformSpec(
        name="slack",
        label="Slack",
        via=Via.SLACK,
        command_prefix="!",
        settings=SlackSettings,
        tokens=(
            TokenField("bot_token", "Bot User OAuth Token, xoxb-… (typed hidden): ", "TETHER_TUI_SLACK_BOT_TOKEN"),
            TokenField("app_token", "App-level token, xapp-… (typed hidden): ", "TETHER_TUI_SLACK_APP_TOKEN"),
        ),
        chat_place="the channel where the sessions should go (or /tether pair …)",
        setup_steps=(
            "At api.slack.com/apps create an app; under Socket Mode switch it on and make an app-level token",
            "(connections:write, xapp-…). Under OAuth & Permissions add the bot scopes chat:write, channels:history,",
            "groups:history, users:read, files:write, install the app, and copy the Bot User OAuth Token (xoxb-…).",
            "Under Slash Commands you may add /tether. Then invite the app to the channel: /invite @your-app.",
        ),
        setup_summary=(
            "Socket Mode on with an app-level token (xapp-…, connections:write); bot scopes chat:write, channels:history, "
            "groups:history, users:read, files:write; install, copy the xoxb- token, /invite the app to the channel."
        ),
        bridge="bridges.slack:SlackBridge",
        probe="bridges.slack.probe",
        libraries=("slack_bolt", "slackify_markdown"),
    ),
    "discord": PlatformSpec(
        name="discord",
        label="Discord",
        via=Via.DISCORD,
        command_prefix="!",
        settings=DiscordSettings,
        tokens=(TokenField("bot_token", "Bot token (typed hidden): ", "TETHER_TUI_DISCORD_TOKEN"),),
        chat_place="the channel where the sessions should go",
        setup_steps=(
            "At discord.com/developers/applications create an application; under Bot reset and copy the token,",
            "and switch Message Content Intent on. Invite the bot to your server (OAuth2, URL Generator: bot, with",
            "Send Messages, Create Public Threads, Send Messages in Threads, Read Message History, Attach Files).",
        ),
        setup_summary="Developer Portal: Bot, Reset Token, copy it; switch Message Content Intent on; invite the bot to your server.",
        bridge="bridges.discord:DiscordBridge",
        probe="bridges.discord.probe",
        libraries=("discord",),
    ),
}


def platform(name: str) -> PlatformSpec:
    try:
        return PLATFORMS[name]
    except KeyError:
        raise KeyError(f"no chat platform {name!r} (known: {', '.join(PLATFORMS)})") from None


def label_of(name: str) -> str:
    """How a bridge is named on screen: the platform's label (a remote's name stays as it is)."""
    spec = PLATFORMS.get(name)
    return spec.label if spec is not None else name
