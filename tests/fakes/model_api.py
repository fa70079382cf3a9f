"""A scripted model API on 127.0.0.1 for running the real agent CLIs offline.

Speaks Anthropic's Messages API (streamed, for Claude Code), OpenAI's Responses API (for Codex)
and Gemini's streamGenerateContent (for Gemini CLI). Each conversation is scripted the same way:
the first turn asks to run one shell command; once a tool result comes back, the model answers
with a short text. Every request body is kept for assertions.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ScriptedModel:
    def __init__(self, command: str) -> None:
        self.command = command
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> ScriptedModel:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def tool_results(self) -> list[str]:
        """Every tool result text the agents sent back (Anthropic, OpenAI and Gemini shapes)."""
        found: list[str] = []

        def walk(value: Any) -> None:
            if isinstance(value, dict):
                if value.get("type") == "tool_result":
                    content = value.get("content")
                    found.append(json.dumps(content) if not isinstance(content, str) else content)
                elif value.get("type") == "function_call_output":
                    found.append(str(value.get("output")))
                elif "functionResponse" in value:
                    found.append(json.dumps(value["functionResponse"]))
                else:
                    for item in value.values():
                        walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        for _path, body in self.requests:
            walk(body)
        return found

    # ----------------------------------------------------------------- HTTP
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        model = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self._json({"data": [], "models": []})

            def do_HEAD(self) -> None:
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                try:
                    body = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    body = {}
                model.requests.append((self.path, body))
                if self.path.startswith("/v1/messages/count_tokens"):
                    self._json({"input_tokens": 100})
                elif self.path.startswith("/v1/messages"):
                    self._anthropic(body)
                elif self.path.startswith("/v1/responses"):
                    self._openai(body)
                elif ":streamGenerateContent" in self.path or ":generateContent" in self.path:
                    self._gemini(body, stream=":streamGenerateContent" in self.path)
                else:
                    self._json({})

            def _json(self, payload: Any, status: int = 200) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _sse(self, events: list[tuple[str | None, dict[str, Any]]]) -> None:
                chunks = []
                for name, data in events:
                    prefix = f"event: {name}\n" if name else ""
                    chunks.append(f"{prefix}data: {json.dumps(data)}\n\n")
                payload = "".join(chunks).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            # Anthropic Messages, streamed
            def _anthropic(self, body: dict[str, Any]) -> None:
                messages = body.get("messages") or []
                last_user = next((m for m in reversed(messages) if m.get("role") == "user"), {})
                content = last_user.get("content")
                answered = isinstance(content, list) and any(
                    isinstance(block, dict) and block.get("type") == "tool_result" for block in content
                )
                wants_tools = bool(body.get("tools"))
                usage = {"input_tokens": 50, "output_tokens": 10}
                events: list[tuple[str | None, dict[str, Any]]] = [
                    (
                        "message_start",
                        {
                            "type": "message_start",
                            "message": {
                                "id": "msg_1",
                                "type": "message",
                                "role": "assistant",
                                "model": body.get("model", "claude"),
                                "content": [],
                                "stop_reason": None,
                                "stop_sequence": None,
                                "usage": usage,
                            },
                        },
                    ),
                ]
                if wants_tools and not answered:
                    arguments = json.dumps({"command": model.command, "description": "Write the file"})
                    events += [
                        (
                            "content_block_start",
                            {
                                "type": "content_block_start",
                                "index": 0,
                                "content_block": {
                                    "type": "tool_use",
                                    "id": f"toolu_{len(model.requests):04d}",
                                    "name": "Bash",
                                    "input": {},
                                },
                            },
                        ),
                        (
                            "content_block_delta",
                            {"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": arguments}},
                        ),
                        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                        (
                            "message_delta",
                            {
                                "type": "message_delta",
                                "delta": {"stop_reason": "tool_use", "stop_sequence": None},
                                "usage": {"output_tokens": 10},
                            },
                        ),
                    ]
                else:
                    text = "All done." if wants_tools else "tether test"
                    events += [
                        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
                        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}}),
                        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                        (
                            "message_delta",
                            {
                                "type": "message_delta",
                                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                "usage": {"output_tokens": 5},
                            },
                        ),
                    ]
                events.append(("message_stop", {"type": "message_stop"}))
                if body.get("stream"):
                    self._sse(events)
                else:
                    self._json(
                        {
                            "id": "msg_1",
                            "type": "message",
                            "role": "assistant",
                            "model": "claude",
                            "content": [{"type": "text", "text": "tether test"}],
                            "stop_reason": "end_turn",
                            "stop_sequence": None,
                            "usage": usage,
                        }
                    )

            # OpenAI Responses, streamed
            def _openai(self, body: dict[str, Any]) -> None:
                items = body.get("input") or []
                answered = any(isinstance(i, dict) and i.get("type") == "function_call_output" for i in items)
                response = {"id": f"resp_{len(model.requests)}", "object": "response", "status": "in_progress", "output": []}
                events: list[tuple[str | None, dict[str, Any]]] = [
                    ("response.created", {"type": "response.created", "response": response}),
                ]
                if not answered:
                    item = {
                        "type": "function_call",
                        "id": "fc_1",
                        "call_id": f"call_{len(model.requests)}",
                        "name": "exec_command",
                        "arguments": json.dumps({"cmd": model.command}),
                        "status": "completed",
                    }
                else:
                    item = {
                        "type": "message",
                        "id": "msg_1",
                        "role": "assistant",
                        "status": "completed",
                        "content": [{"type": "output_text", "text": "All done.", "annotations": []}],
                    }
                events.append(("response.output_item.done", {"type": "response.output_item.done", "output_index": 0, "item": item}))
                events.append(
                    (
                        "response.completed",
                        {
                            "type": "response.completed",
                            "response": {
                                **response,
                                "status": "completed",
                                "output": [item],
                                "usage": {
                                    "input_tokens": 50,
                                    "input_tokens_details": {"cached_tokens": 0},
                                    "output_tokens": 10,
                                    "output_tokens_details": {"reasoning_tokens": 0},
                                    "total_tokens": 60,
                                },
                            },
                        },
                    )
                )
                self._sse(events)

            # Gemini generateContent
            def _gemini(self, body: dict[str, Any], stream: bool) -> None:
                contents = body.get("contents") or []
                answered = any(
                    isinstance(part, dict) and "functionResponse" in part for content in contents for part in (content.get("parts") or [])
                )
                wants_tools = bool(body.get("tools"))
                if wants_tools and not answered:
                    parts = [
                        {"functionCall": {"name": "run_shell_command", "args": {"command": model.command, "description": "Write the file"}}}
                    ]
                else:
                    parts = [{"text": "All done." if wants_tools else "{}"}]
                chunk = {
                    "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
                    "usageMetadata": {"promptTokenCount": 50, "candidatesTokenCount": 10, "totalTokenCount": 60},
                    "modelVersion": "gemini-2.5-pro",
                }
                if stream:
                    self._sse([(None, chunk)])
                else:
                    self._json(chunk)

        return Handler
