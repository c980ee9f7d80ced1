"""A loopback HTTP peer for the scale-out test: a webhook sink and a platform to probe.

POST /hook and /recovered: appends the request's Idempotency-Key (one line) to hook.keys or
recovered.keys in DIR and answers 200. GET /platform: 503 ("down") until the file DIR/up exists,
then 200. Prints the port it listens on, then serves until killed.

    python3 sink.py DIR
"""
import http.server
import os
import sys
import threading

directory = sys.argv[1]
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status):
        body = b"ok"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        name = {"/hook": "hook.keys", "/recovered": "recovered.keys"}.get(self.path)
        if name is None:
            return self.answer(404)
        key = self.headers.get("Idempotency-Key", "-")
        with lock:
            with open(os.path.join(directory, name), "a") as out:
                out.write(key + "\n")
        self.answer(200)

    def do_GET(self):
        if self.path == "/platform":
            return self.answer(200 if os.path.exists(os.path.join(directory, "up")) else 503)
        self.answer(404)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
