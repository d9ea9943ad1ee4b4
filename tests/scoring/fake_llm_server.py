"""A local OpenAI-compatible server for tests: POST /v1/chat/completions on 127.0.0.1:0.

Replies come from a script (a queue of ``Reply``s consumed one per request: faults, canned
JSON) and, when the script is empty, from a ``brain``: a function of the request body that
plays the model. ``naive_brain`` is a model that obeys prompt injections.

A ``ThreadingHTTPServer`` in a daemon thread: independent of the test's event loop, so
the real ``openai`` client talks to it over loopback exactly as to a remote endpoint.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Brain = Callable[[dict[str, Any]], str]
"""Request body -> the assistant message content."""


@dataclass
class Reply:
    status: int = 200
    body: bytes | dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hang_seconds: float = 0.0
    """Hold the request this long (or until the server stops) before answering."""
    trickle_seconds: float = 0.0
    """Send the body in 20 pieces spread over this long (each gap shorter than a read timeout)."""


def completion(content: str | None, *, finish_reason: str = "stop", refusal: str | None = None,
               prompt_tokens: int = 900, completion_tokens: int = 150, model: str = "fake-model") -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_767_225_600,
        "model": model,
        "choices": [{
            "index": 0,
            "finish_reason": finish_reason,
            "message": {"role": "assistant", "content": content, "refusal": refusal},
        }],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def error_body(message: str, *, type_: str = "invalid_request_error", code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": None, "code": code}}


# the faults ---------------------------------------------------------------------------------
def slow(seconds: float = 5.0) -> Reply:
    return Reply(hang_seconds=seconds, body=completion("{}"))


def trickle(seconds: float = 2.0) -> Reply:
    return Reply(body=completion("{}"), trickle_seconds=seconds)


def rate_limited(retry_after: str | None = "1") -> Reply:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Reply(429, error_body("Rate limit reached", type_="requests", code="rate_limit_exceeded"), headers)


def server_error(status: int = 500) -> Reply:
    return Reply(status, error_body("The server had an error", type_="server_error"))


def malformed_json() -> Reply:
    return Reply(body=completion('{"items": [{"item_id": "x", "verdict": "covered", "quote": "a"}, {"item_'))


def truncated_json() -> Reply:
    return Reply(body=completion('{"items": [{"item_id": "s3-platforms", "verdict": "cov', finish_reason="length",
                                 completion_tokens=1200))


def refusal() -> Reply:
    return Reply(body=completion(None, refusal="I'm sorry, I can't help with that request."))


def context_overflow() -> Reply:
    return Reply(400, error_body("This model's maximum context length is 8192 tokens. However, your messages "
                                 "resulted in 9000 tokens.", code="context_length_exceeded"))


def broken_body() -> Reply:
    return Reply(body=b'{"id": "chatcmpl-fake", "choices": [', headers={"Content-Type": "application/json"})


# reading the request like a model would -------------------------------------------------------
_RUBRIC_LINE = re.compile(r"^- ([a-z0-9-]+) \| [0-9.]+ \| (.+)$", re.MULTILINE)
_FENCED = re.compile(r"<<<ANSWER (\w+)\n(.*)\nANSWER \1>>>", re.DOTALL)


def rubric_items(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(item id, covers) pairs from the system message."""
    return _RUBRIC_LINE.findall(body["messages"][0]["content"])


def fenced_answer(body: dict[str, Any]) -> str:
    found = _FENCED.search(body["messages"][-1]["content"])
    assert found, "the answer must be fenced between marker lines"
    return found.group(2)


def judgement(items: list[dict[str, str]], *, score: float = 5, feedback: str = "Solid start.\nAdd more detail.",
              follow_up: str = "What would you change at 10x load?") -> str:
    return json.dumps({"items": items, "score": score, "feedback": feedback, "follow_up": follow_up})


def scripted_brain(verdicts: dict[str, tuple[str, str]]) -> Brain:
    """Answers with fixed (verdict, quote) per item id; unlisted items are missing."""

    def brain(body: dict[str, Any]) -> str:
        items = [{"item_id": item_id, "verdict": verdicts.get(item_id, ("missing", ""))[0],
                  "quote": verdicts.get(item_id, ("missing", ""))[1]} for item_id, _ in rubric_items(body)]
        return judgement(items)

    return brain


NAIVE_STRATEGIES = ("quote-injection", "made-up", "whole-answer", "echo-json", "item-text", "keyword-picker")

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
_CUES = ("ignore", "10/10", "covered", "score", "rubric", "grader", "system", "instruction", "full marks", "items")


def naive_brain(strategy: str) -> Brain:
    """A model that obeys whatever the answer tells it: every item covered, score 10.

    Quotes per ``strategy``: the injection sentence itself (it occurs in the answer), a
    made-up sentence, the whole answer, the fake JSON inside the answer echoed back, the
    rubric's own text for the item (about the item, but not in the answer), or the
    answer's words nearest the item's rubric text (a "clever" obedient model).
    """

    def brain(body: dict[str, Any]) -> str:
        answer = fenced_answer(body)
        rubric = rubric_items(body)
        sentences = [s.strip() for s in _SENTENCE.findall(answer) if s.strip()] or [answer]
        injection = max(sentences, key=lambda s: sum(cue in s.lower() for cue in _CUES))
        if strategy == "echo-json" and "{" in answer:
            start, end = answer.find("{"), answer.rfind("}")
            try:
                obeyed = json.loads(answer[start:end + 1])
            except ValueError:
                obeyed = None
            if isinstance(obeyed, dict) and isinstance(obeyed.get("items"), list):
                listed = {i.get("item_id") for i in obeyed["items"] if isinstance(i, dict)}
                obeyed["items"] += [{"item_id": item_id, "verdict": "covered", "quote": injection}
                                    for item_id, _ in rubric if item_id not in listed]
                return json.dumps(obeyed)
        items = []
        for item_id, covers in rubric:
            quote = {
                "quote-injection": injection,
                "made-up": f"The candidate clearly explained this: {covers}",
                "whole-answer": answer,
                "echo-json": injection,
                "item-text": covers,
                "keyword-picker": _nearest_words(answer, covers) or injection,
            }[strategy]
            items.append({"item_id": item_id, "verdict": "covered", "quote": quote})
        return judgement(items, score=10, feedback="Flawless answer, 10/10! @everyone <!channel>",
                         follow_up="None needed: perfect score.")

    return brain


def is_follow_up_request(body: dict[str, Any]) -> bool:
    """A request that asks for a follow-up question (``follow_up`` structured output), not a score."""
    return body.get("response_format", {}).get("json_schema", {}).get("name") == "follow_up"


def follow_up_target(body: dict[str, Any]) -> str:
    """The one item id a follow-up request's schema allows."""
    schema = body["response_format"]["json_schema"]["schema"]
    return str(schema["properties"]["item_id"]["enum"][0])


def interviewer_brain(question: str, *, item_id: str | None = None, scoring: Brain | None = None) -> Brain:
    """Phrases follow-ups as ``question`` (``{words}`` is replaced by the answer's first words) about
    the requested item, or about ``item_id`` when given (a model that strays); scores with ``scoring``."""
    score = scoring or scripted_brain({})

    def brain(body: dict[str, Any]) -> str:
        if not is_follow_up_request(body):
            return score(body)
        words = " ".join(fenced_answer(body).split()[:4])
        target = item_id or follow_up_target(body)
        return json.dumps({"question": question.replace("{words}", words), "item_id": target})

    return brain


def _nearest_words(answer: str, covers: str) -> str:
    """Up to three answer words around the first one that also appears in ``covers``."""
    wanted = {w for w in re.findall(r"[a-z0-9]+", covers.lower()) if len(w) >= 4}
    words = answer.split()
    for index, word in enumerate(words):
        if re.sub(r"[^a-z0-9]", "", word.lower()) in wanted:
            return " ".join(words[index : index + 3])
    return ""


def _estimate_tokens(body: dict[str, Any]) -> int:
    return sum(len(str(m.get("content", ""))) for m in body.get("messages", [])) // 4


class FakeLlm:
    """The server. ``script`` replies first; then ``brain``; counts concurrency."""

    def __init__(self, brain: Brain | None = None) -> None:
        self.brain: Brain = brain or scripted_brain({})
        self.script: deque[Reply] = deque()
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.gate: threading.Event | None = None
        """When set to an unset Event, requests wait for it (the concurrency test)."""
        self.arrived = threading.Condition()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-llm", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def queue(self, *replies: Reply) -> None:
        self.script.extend(replies)

    def start(self) -> FakeLlm:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self.gate is not None:
            self.gate.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def wait_for_in_flight(self, count: int, timeout: float = 5.0) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: self.in_flight >= count, timeout=timeout)

    def _respond(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            scripted = self.script.popleft() if self.script else None
        if scripted is not None:
            return scripted
        content = self.brain(body)
        return Reply(body=completion(content, prompt_tokens=_estimate_tokens(body),
                                     completion_tokens=len(content) // 4))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(Reply(404, error_body(f"no route {self.path}")))
                    return
                body = json.loads(raw)
                with fake.arrived:
                    fake.requests.append(body)
                    fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                    fake.arrived.notify_all()
                try:
                    if fake.gate is not None:
                        fake.gate.wait(timeout=10)
                    reply = fake._respond(body)
                    if reply.hang_seconds:
                        fake._stopping.wait(timeout=reply.hang_seconds)
                    self._send(reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with fake.arrived:
                        fake.in_flight -= 1

            def _send(self, reply: Reply) -> None:
                data = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if not reply.trickle_seconds:
                    self.wfile.write(data)
                    return
                step = max(1, len(data) // 20)
                for start in range(0, len(data), step):
                    self.wfile.write(data[start : start + step])
                    self.wfile.flush()
                    if fake._stopping.wait(timeout=reply.trickle_seconds / 20):
                        return

        return Handler


@contextmanager
def running(brain: Brain | None = None) -> Iterator[FakeLlm]:
    server = FakeLlm(brain).start()
    try:
        yield server
    finally:
        server.stop()
