#!/usr/bin/env python3
"""A tiny OpenAI-compatible server for toolshell's remote-engine fault tests.

    fake_openai_server.py SCENARIO [--log FILE]

Listens on a free loopback port and prints the port on the first line of stdout. Every
request body is appended to FILE (one JSON line: {"path":..., "body":...}) when --log is given.
Scenarios (what POST /v1/chat/completions and /v1/completions do):
  ok              stream "Hello" " world" with finish_reason stop, then [DONE]
  tools           stream a tool call get_weather({"city": "Paris"}) in three deltas
  kill            stream one content chunk and half a tool call, then the process exits
  slow            send the SSE headers, then nothing for 60 s
  garbage         stream one chunk, then a data line that is not JSON
  error500        answer 500 with {"error": {"message": "CUDA out of memory"}}
  ignore-format   stream free text whatever the request asked for
"""
import json
import os
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

SCENARIO = sys.argv[1]
LOG = sys.argv[sys.argv.index("--log") + 1] if "--log" in sys.argv else None


def chunk(delta=None, finish=None, text=None):
    choice = {"index": 0, "finish_reason": finish}
    if text is not None:
        choice["text"] = text
    else:
        choice["delta"] = delta or {}
    return {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "fake-model", "choices": [choice]}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path != "/v1/models":
            self.send_error(404)
            return
        body = json.dumps({"object": "list", "data": [{"id": "fake-model", "object": "model", "owned_by": "vllm"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def event(self, obj):
        data = obj if isinstance(obj, str) else json.dumps(obj)
        self.wfile.write(f"data: {data}\n\n".encode())
        self.wfile.flush()

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        if LOG:
            with open(LOG, "a") as f:
                f.write(json.dumps({"path": self.path, "body": body}) + "\n")
        chat = self.path.endswith("/chat/completions")
        if SCENARIO == "error500":
            payload = json.dumps({"error": {"message": "CUDA out of memory", "type": "server_error"}}).encode()
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()

        def content(text):
            return chunk({"content": text}) if chat else chunk(text=text)

        if SCENARIO == "ok":
            self.event(content("Hello"))
            self.event(content(" world"))
            self.event(chunk({}, "stop") if chat else chunk(text="", finish="stop"))
            self.event("[DONE]")
        elif SCENARIO == "tools":
            call = {"index": 0, "id": "call_abc", "type": "function", "function": {"name": "get_weather", "arguments": ""}}
            self.event(chunk({"role": "assistant", "tool_calls": [call]}))
            self.event(chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{\"city\": "}}]}))
            self.event(chunk({"tool_calls": [{"index": 0, "function": {"arguments": "\"Paris\"}"}}]}))
            self.event(chunk({}, "tool_calls"))
            self.event("[DONE]")
        elif SCENARIO == "kill":
            self.event(content("Let me check"))
            call = {"index": 0, "id": "call_abc", "type": "function", "function": {"name": "get_weather", "arguments": "{\"ci"}}
            self.event(chunk({"tool_calls": [call]}))
            os._exit(1)
        elif SCENARIO == "slow":
            self.wfile.flush()
            time.sleep(60)
        elif SCENARIO == "garbage":
            self.event(content("Partial"))
            self.wfile.write(b"data: {this is not json\n\n")
            self.wfile.flush()
            time.sleep(0.2)
        elif SCENARIO == "ignore-format":
            self.event(content("Sure! Ada Lovelace was born in 1815."))
            self.event(chunk({}, "stop") if chat else chunk(text="", finish="stop"))
            self.event("[DONE]")
        self.close_connection = True


server = HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
