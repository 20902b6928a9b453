#!/usr/bin/env python3
"""A loopback OpenAI-compatible chat server that answers like a model using aider's `whole` edit format.

Used by Tests/GitAOTests/RealAiderTests.swift (and Tests/Fixtures/aider-0.86.2/capture.sh). Each
request is logged as one JSON line to $FAKE_LOG: its kind, its last user message, and every user
message it carries (a restored conversation sends the earlier ones again). aider asks twice per
task: the task itself ("task": the reply writes `notes.txt` with a line naming the task number, so
every task makes one edit) and then the commit message for its diff ("commit": the reply is a
one-line message).
"""
import json, os, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = os.environ.get("FAKE_LOG", "/tmp/fake-openai.log")
DELAY = float(os.environ.get("FAKE_DELAY", "0"))
count = 0

def is_commit_request(msgs):
    """aider's commit-message request: a system prompt about writing a commit message."""
    return any(m.get("role") == "system" and "commit message" in text_of(m).lower() for m in msgs)

def text_of(m):
    c = m.get("content")
    return c if isinstance(c, str) else " ".join(p.get("text", "") for p in (c or []) if isinstance(p, dict))

def reply_text(n, user):
    first = user.strip().splitlines()[0] if user.strip() else "empty"
    return f"I will record the task.\n\nnotes.txt\n```\ntask {n}: {first}\n```\n"

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        body = json.dumps({"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model"}]}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def do_POST(self):
        global count
        length = int(self.headers.get("Content-Length", "0"))
        req = json.loads(self.rfile.read(length) or b"{}")
        msgs = req.get("messages", [])
        users = [text_of(m) for m in msgs if m.get("role") == "user"]
        user = users[-1] if users else ""
        kind = "commit" if is_commit_request(msgs) else "task"
        if kind == "task":
            count += 1
        with open(LOG, "a") as f:
            f.write(json.dumps({"kind": kind, "n": count, "user": user, "users": users}) + "\n")
        if DELAY and kind == "task": time.sleep(DELAY)
        text = "Record the task" if kind == "commit" else reply_text(count, user)
        if req.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            for i in range(0, len(text), 16):
                chunk = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "gpt-4o-mini",
                         "choices": [{"index": 0, "delta": {"content": text[i:i+16]}, "finish_reason": None}]}
                self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
            end = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "gpt-4o-mini",
                   "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            self.wfile.write(b"data: " + json.dumps(end).encode() + b"\n\n")
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True
        else:
            body = json.dumps({"id": "c1", "object": "chat.completion", "created": 0, "model": "gpt-4o-mini",
                               "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                               "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}}).encode()
            self.send_response(200); self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)

if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()
