"""``tether-tui doctor`` for Slack: the bot token and its scopes (auth.test), the Socket Mode
app token (apps.connections.open), and the channel with the same check a pairing makes."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bridges.base import from_env
from bridges.probe import Finding, fail, note, ok
from bridges.slack.platform import REQUIRED_SCOPES, channel_problems
from tether_tui.config import SlackSettings


async def probe(settings: SlackSettings) -> list[Finding]:
    client = AsyncWebClient(
        token=settings.bot_token, base_url=from_env(None, "TETHER_TUI_SLACK_API_URL") or AsyncWebClient.BASE_URL, timeout=15
    )
    findings: list[Finding] = []
    try:
        try:
            auth = await client.auth_test()
        except SlackApiError as exc:
            return [
                fail(
                    f"Slack bot token: refused ({exc.response.get('error')})",
                    "copy the Bot User OAuth Token (xoxb-…) again from the app's OAuth & Permissions page",
                )
            ]
        except Exception as exc:
            return [fail(f"Slack: unreachable ({exc})", "check the network, or a proxy (HTTPS_PROXY)")]
        findings.append(ok(f"Slack bot token: @{auth.get('user')} in {auth.get('team')}"))
        headers = {key.lower(): value for key, value in auth.headers.items()}
        granted = {scope.strip() for scope in str(headers.get("x-oauth-scopes", "")).split(",") if scope.strip()}
        missing = [" or ".join(choice) for choice in REQUIRED_SCOPES if not granted.intersection(choice)]
        if missing:
            findings.append(
                fail(
                    f"Slack scopes: missing {', '.join(missing)}",
                    "add them under OAuth & Permissions, Bot Token Scopes, then reinstall the app",
                )
            )
        else:
            findings.append(ok("Slack scopes: chat:write, history, users:read, files:write"))
        try:
            await client.apps_connections_open(app_token=settings.app_token)
            findings.append(ok("Slack app token: Socket Mode answers"))
        except SlackApiError as exc:
            findings.append(
                fail(
                    f"Slack app token: refused ({exc.response.get('error')})",
                    "Basic Information, App-Level Tokens: one with connections:write (xapp-…); and switch Socket Mode on",
                )
            )
        if not settings.channel_id:
            findings.append(
                note("Slack channel: none yet", "invite the app, then write !pair <the code the dashboard shows> in the channel")
            )
        else:
            problems = await channel_problems(client, settings.channel_id, auth.get("user"))
            findings.extend(fail(f"Slack channel {settings.channel_id}: not usable", problem) for problem in problems)
            if not problems:
                findings.append(ok(f"Slack channel {settings.channel_id}: the app is in it"))
        return findings
    finally:
        session = getattr(client, "session", None)
        if session is not None and not session.closed:
            await session.close()
