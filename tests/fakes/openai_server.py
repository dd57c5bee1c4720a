"""A scripted OpenAI-compatible chat-completions server for tests.

Shapes follow what `openai` parses and `langchain_openai.ChatOpenAI` reads:
`chat.completion` objects, and SSE `chat.completion.chunk` events where a tool
call's first delta carries index, id and name, later deltas only index and an
arguments fragment, and usage arrives in a final chunk with no choices.

    python -m tests.fakes.openai_server --port 8011 [--delay 2]
runs it as a process that outlives a pytest fixture.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import inspect
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import web

from tests.fakes._server import BackgroundServer


@dataclass
class Reply:
    content: str = ""
    tool_calls: list[dict] = field(default_factory=list)  # {"name", "args", "id"?}


def message_text(content: Any) -> str:
    """Text of a message's content, which may be a string or a list of parts."""
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content or ""


def echo_responder(request: dict) -> Reply:
    """Deterministic default: echo the last user message, or report a tool result."""
    messages = request.get("messages") or []
    if messages and messages[-1].get("role") == "tool":
        return Reply(f"tool said: {message_text(messages[-1].get('content'))}")
    users = [m for m in messages if m.get("role") == "user"]
    return Reply(f"echo: {message_text(users[-1].get('content')) if users else ''}")


def _tokens(text: str) -> int:
    return len(text.split())


class FakeOpenAI(BackgroundServer):
    def __init__(self, port: int = 0, delay: float = 0.0) -> None:
        super().__init__(port)
        self.requests: list[dict] = []
        self._ids = itertools.count(1)
        self.reset()
        self.delay = delay

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    @property
    def calls(self) -> int:
        return len(self.requests)

    def reset(self) -> None:
        """Forget requests, queued replies and faults; restore the echo responder."""
        with self._lock:
            self.requests.clear()
            self._queue: collections.deque[Reply] = collections.deque()
            self._faults: collections.deque[tuple[str, int]] = collections.deque()
            self.responder: Callable[[dict], Reply | str] = echo_responder
            self.delay = 0.0
            # Seconds between the chunks of a streamed reply: a slow model that keeps the
            # connection busy, which no HTTP read timeout cuts.
            self.trickle = 0.0

    def queue(self, *replies: Reply | str) -> None:
        """One-shot replies, consumed in order before the responder is asked."""
        with self._lock:
            self._queue.extend(Reply(r) if isinstance(r, str) else r for r in replies)

    def fail_next(self, n: int = 1, status: int = 503) -> None:
        with self._lock:
            self._faults.extend([("fail", status)] * n)

    def hang_next(self, n: int = 1) -> None:
        with self._lock:
            self._faults.extend([("hang", 0)] * n)

    def wait_requests(self, n: int = 1, timeout: float = 5.0) -> list[dict]:
        return self.wait_until(lambda: self.calls >= n and list(self.requests), timeout)

    # -- server ---------------------------------------------------------------

    def build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        app.router.add_get("/v1/models", self._models)
        return app

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "gpt-test", "object": "model"}]})

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        with self._lock:
            self.requests.append(body)
            fault = self._faults.popleft() if self._faults else None
            # A failed or hung request leaves the queued reply for the retry.
            queued = self._queue.popleft() if self._queue and not fault else None
        if fault and fault[0] == "hang":
            await asyncio.sleep(3600)
        if fault and fault[0] == "fail":
            # retry-after-ms keeps the openai client's built-in retries fast.
            return web.json_response(
                {"error": {"message": f"injected failure ({fault[1]})", "type": "server_error",
                           "param": None, "code": None}},
                status=fault[1], headers={"retry-after-ms": "10"})
        if self.delay:
            await asyncio.sleep(self.delay)
        try:
            reply = queued if queued is not None else self.responder(body)
            if inspect.isawaitable(reply):
                reply = await reply
        except Exception as error:  # a broken responder should fail the test loudly, once
            return web.json_response({"error": {"message": f"responder raised {error!r}", "type": "responder_error",
                                                "param": None, "code": None}},
                                     status=500, headers={"x-should-retry": "false"})
        if isinstance(reply, str):
            reply = Reply(reply)
        calls = [
            {"id": tc.get("id") or f"call_{next(self._ids)}", "type": "function",
             "function": {"name": tc["name"], "arguments": json.dumps(tc.get("args", {}))}}
            for tc in reply.tool_calls
        ]
        prompt = sum(_tokens(message_text(m.get("content"))) for m in body.get("messages", []))
        usage = {"prompt_tokens": prompt, "completion_tokens": _tokens(reply.content),
                 "total_tokens": prompt + _tokens(reply.content)}
        head = {"id": f"chatcmpl-{next(self._ids)}", "created": int(time.time()),
                "model": body.get("model", "gpt-test"), "system_fingerprint": "fp_fake"}
        finish = "tool_calls" if calls else "stop"
        if body.get("stream"):
            return await self._stream(request, body, head, reply.content, calls, finish, usage)
        message = {"role": "assistant", "content": reply.content if reply.content or not calls else None,
                   "refusal": None}
        if calls:
            message["tool_calls"] = calls
        return web.json_response({**head, "object": "chat.completion", "usage": usage, "choices": [
            {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}]})

    async def _stream(self, request, body, head, content, calls, finish, usage) -> web.StreamResponse:
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await resp.prepare(request)

        async def send(delta: dict | None, finish_reason: str | None = None, **extra) -> None:
            chunk = {**head, "object": "chat.completion.chunk", **extra}
            chunk.setdefault("choices", [{"index": 0, "delta": delta, "finish_reason": finish_reason,
                                          "logprobs": None}])
            if include_usage:
                chunk.setdefault("usage", None)  # as OpenAI does: null until the last chunk
            await resp.write(f"data: {json.dumps(chunk)}\n\n".encode())

        await send({"role": "assistant", "content": "", "refusal": None})
        for piece in re.findall(r"\S+\s*|\s+", content):
            if self.trickle:
                await asyncio.sleep(self.trickle)
            await send({"content": piece})
        for index, call in enumerate(calls):
            fn = call["function"]
            await send({"tool_calls": [{"index": index, "id": call["id"], "type": "function",
                                        "function": {"name": fn["name"], "arguments": ""}}]})
            args = fn["arguments"]
            for start in range(0, len(args), 8):
                await send({"tool_calls": [{"index": index, "function": {"arguments": args[start:start + 8]}}]})
        await send({}, finish)
        if include_usage:
            await send(None, choices=[], usage=usage)
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    fake = FakeOpenAI(port=args.port).start()
    fake.delay = args.delay
    print(fake.base_url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
