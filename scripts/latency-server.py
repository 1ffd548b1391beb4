#!/usr/bin/env python3
"""An OpenAI-compatible chat completions server that answers every request after a fixed
latency, for `refold-bench live`: what a busy model endpoint looks like from the harness.

    python3 scripts/latency-server.py PORT_FILE LATENCY_MS

Every POST to /v1/chat/completions is answered, after LATENCY_MS, with a `next_step` tool
call deciding `done_for_now`; each request is served on its own thread, so N requests in
flight finish together. Listens on a free port and writes its number to PORT_FILE once it
accepts connections.
"""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LATENCY = float(sys.argv[2]) / 1000 if len(sys.argv) > 2 else 0.1
COUNT = [0]
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The answer leaves in one segment, at once: no wait for the client's delayed ACK.
    disable_nagle_algorithm = True

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        time.sleep(LATENCY)
        with LOCK:
            COUNT[0] += 1
            number = COUNT[0]
        arguments = json.dumps({"intent": "done_for_now", "message": "done"})
        body = json.dumps({
            "id": f"chatcmpl-{number}", "object": "chat.completion", "created": 1763632800,
            "model": "latency-server",
            "choices": [{
                "index": 0, "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant", "content": None,
                    "tool_calls": [{
                        "id": f"call_{number}", "type": "function",
                        "function": {"name": "next_step", "arguments": arguments},
                    }],
                },
            }],
            "usage": {"prompt_tokens": 1000, "completion_tokens": 20, "total_tokens": 1020},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        # Headers and body in one write.
        self._headers_buffer.append(b"\r\n" + body)
        self.flush_headers()

    def log_message(self, *arguments):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


if __name__ == "__main__":
    server = Server(("127.0.0.1", 0), Handler)
    with open(sys.argv[1] + ".part", "w", encoding="utf-8") as handle:
        handle.write(str(server.server_address[1]))
    os.replace(sys.argv[1] + ".part", sys.argv[1])
    server.serve_forever()
