"""A scripted Anthropic Messages API behind httpx's MockTransport, for the real `anthropic` client.

Each scripted step is a reply text, an (status, headers) error, or an exception to raise (a
timeout). Every request the SDK sends is recorded, so tests count requests and read their shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

import anthropic
import httpx2 as httpx  # the anthropic SDK ships on httpx2

from migrator_pipeline.agents.llm import Budget, LlmClient


@dataclass
class Usage:
    input_tokens: int = 1000
    output_tokens: int = 200
    cache_read_input_tokens: int = 0
    cache_creation_input_tokens: int = 0


@dataclass
class Status:
    code: int
    headers: dict = field(default_factory=dict)


@dataclass
class MockApi:
    script: list
    usages: list[Usage] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    headers: list[dict] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(json.loads(request.content))
        self.headers.append(dict(request.headers))
        step = self.script[min(len(self.requests), len(self.script)) - 1]
        if isinstance(step, Exception):
            raise step
        if isinstance(step, Status):
            return httpx.Response(step.code, headers=step.headers, json={
                "type": "error", "error": {"type": "overloaded_error" if step.code == 529
                                           else "rate_limit_error", "message": "slow down"}})
        replies = [s for s in self.script[:len(self.requests)] if isinstance(s, str)]
        usage = self.usages[len(replies) - 1] if len(self.usages) >= len(replies) else Usage()
        return httpx.Response(200, json=message(step, "claude-sonnet-4-6", usage.__dict__, f"msg_{len(self.requests)}"))

    def sdk(self, max_retries: int = 0, timeout: float = 5.0) -> anthropic.Anthropic:
        return anthropic.Anthropic(api_key="sk-ant-test-secret-0000", max_retries=max_retries,
                                   timeout=timeout,
                                   http_client=httpx.Client(transport=httpx.MockTransport(self.handler)))

    def client(self, *, max_retries: int = 0, budget: Budget | None = None, cache=None,
               model: str = "claude-sonnet-4-6", concurrency: int = 1) -> LlmClient:
        """Concurrency 1 by default: scripted replies are then answered in object order."""
        return LlmClient(self.sdk(max_retries), model, budget=budget, cache=cache, concurrency=concurrency)


def message(text: str, model: str, usage: dict, message_id: str = "msg") -> dict:
    """A Messages API reply holding one text block, as the API sends it."""
    return {"id": message_id, "type": "message", "role": "assistant", "model": model,
            "stop_reason": "end_turn", "stop_sequence": None,
            "content": [{"type": "text", "text": text}], "usage": usage}


def answer(handler: BaseHTTPRequestHandler, reply: dict) -> None:
    """Send `reply` as a 200 JSON response from a loopback `http.server` handler."""
    data = json.dumps(reply).encode()
    handler.send_response(200)
    handler.send_header("content-type", "application/json")
    handler.send_header("content-length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def sql_reply(sql: str) -> str:
    return f"Here is the query.\n```sql\n{sql}\n```\n"
