"""A scripted Anthropic Messages API behind httpx's MockTransport, for the real `anthropic` client.

Each scripted step is a reply text, an (status, headers) error, an exception to raise (a
timeout), or a `Broken` stream. Every request the SDK sends is recorded, so tests count requests
and read their shape. A request with `stream: true` is answered as the API streams: server-sent
events (`message_start`, text deltas, `message_delta` with the cumulative usage, `message_stop`).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import anthropic
import httpx2 as httpx  # the anthropic SDK ships on httpx2
import pytest

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
class Broken:
    """A stream that starts, then breaks off with an `error` event (the API overloaded mid-reply)."""

    text: str = "```sql\nSELECT"


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
        replies = [s for s in self.script[:len(self.requests)] if isinstance(s, (str, Broken))]
        usage = self.usages[len(replies) - 1] if len(self.usages) >= len(replies) else Usage()
        streamed = self.requests[-1].get("stream", False)
        if isinstance(step, Broken):
            return httpx.Response(200, headers={"content-type": "text/event-stream"},
                                  content=events(message(step.text, "claude-sonnet-4-6", usage.__dict__), broken=True))
        reply = message(step, "claude-sonnet-4-6", usage.__dict__, f"msg_{len(self.requests)}")
        if streamed:
            return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=events(reply))
        return httpx.Response(200, json=reply)

    def sdk(self, max_retries: int = 0, timeout: float = 120.0) -> anthropic.Anthropic:
        return anthropic.Anthropic(api_key="sk-ant-test-secret-0000", max_retries=max_retries,
                                   timeout=timeout,
                                   http_client=httpx.Client(transport=httpx.MockTransport(self.handler)))

    def client(self, *, max_retries: int = 0, budget: Budget | None = None, cache=None,
               model: str = "claude-sonnet-4-6", concurrency: int = 1, max_tokens: int = 4096) -> LlmClient:
        """Concurrency 1 by default: scripted replies are then answered in object order. With the
        product's timeout (120 s), max_tokens over ~4,266 makes the client stream."""
        return LlmClient(self.sdk(max_retries), model, max_tokens, budget=budget, cache=cache,
                         concurrency=concurrency)


def message(text: str, model: str, usage: dict, message_id: str = "msg") -> dict:
    """A Messages API reply holding one text block, as the API sends it."""
    return {"id": message_id, "type": "message", "role": "assistant", "model": model,
            "stop_reason": "end_turn", "stop_sequence": None,
            "content": [{"type": "text", "text": text}], "usage": usage}


def events(reply: dict, broken: bool = False) -> bytes:
    """A reply as the Messages API streams it: its text in several deltas; the input and cache
    counts in `message_start` (output 1), the cumulative counts in `message_delta`. `broken`:
    an `error` event instead of the end, as when the API is overloaded mid-reply."""
    usage = reply["usage"]
    start = {**reply, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 1}}
    text = reply["content"][0]["text"]
    chunks = [text[i:i + 7] for i in range(0, len(text), 7)] or [""]
    stream = [("message_start", {"type": "message_start", "message": start}),
              ("content_block_start", {"type": "content_block_start", "index": 0,
                                       "content_block": {"type": "text", "text": ""}}),
              ("ping", {"type": "ping"}),
              *[("content_block_delta", {"type": "content_block_delta", "index": 0,
                                         "delta": {"type": "text_delta", "text": chunk}}) for chunk in chunks]]
    if broken:
        stream.append(("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}))
    else:
        stream += [("content_block_stop", {"type": "content_block_stop", "index": 0}),
                   ("message_delta", {"type": "message_delta", "delta": {"stop_reason": reply["stop_reason"],
                                                                        "stop_sequence": None}, "usage": usage}),
                   ("message_stop", {"type": "message_stop"})]
    return b"".join(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in stream)


def answer(handler: BaseHTTPRequestHandler, reply: dict, streamed: bool = False) -> None:
    """Send `reply` as a 200 response from a loopback `http.server` handler: JSON, or server-sent
    events when the request asked for a stream."""
    data = events(reply) if streamed else json.dumps(reply).encode()
    handler.send_response(200)
    handler.send_header("content-type", "text/event-stream" if streamed else "application/json")
    handler.send_header("content-length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def sql_reply(sql: str) -> str:
    return f"Here is the query.\n```sql\n{sql}\n```\n"


class TopicApi(BaseHTTPRequestHandler):
    """A loopback Messages API for the product's own client (ANTHROPIC_BASE_URL): each prompt is
    kept in `prompts` and answered with the SQL of the first topic of `rewrites` it mentions
    ("I can't." for none), reporting that topic's usage from `usages`. A test subclasses it with
    its own `prompts`, `rewrites` and `usages`."""

    prompts: list = []
    rewrites: dict[str, str] = {}
    usages: dict[str, dict] = {}

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        prompt = body["messages"][0]["content"]
        type(self).prompts.append(prompt)
        about = next((k for k in self.rewrites if k in prompt), None)
        text = f"```sql\n{self.rewrites[about]}\n```" if about else "I can't."
        usage = self.usages.get(about, {"input_tokens": 10, "output_tokens": 1})
        answer(self, message(text, body["model"], usage), body.get("stream", False))

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def loopback_api(handler: type[BaseHTTPRequestHandler], key: str, **environment: str) -> Iterator[None]:
    """A Messages API on a loopback port answered by `handler`, and the LLM turned on against it
    with `key` (and any other variables given), for a whole `migrator migrate` in this process."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.MonkeyPatch.context() as env:
            for name, value in {"MIGRATOR_LLM_ENABLED": "1", "ANTHROPIC_API_KEY": key,
                                "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{server.server_address[1]}",
                                **environment}.items():
                env.setenv(name, value)
            yield
    finally:
        server.shutdown()
