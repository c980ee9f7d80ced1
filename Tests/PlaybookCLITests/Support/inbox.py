"""A loopback inbox for the console tests: the channel an approval link is received on.

POST any path: appends the request body (one line, as received) to DIR/inbox.jsonl and answers
200. Prints the port it listens on, then serves until killed.

    python3 inbox.py DIR
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

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).replace(b"\n", b" ")
        with lock:
            with open(os.path.join(directory, "inbox.jsonl"), "ab") as inbox:
                inbox.write(body + b"\n")
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
