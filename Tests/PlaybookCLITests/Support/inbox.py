"""A loopback peer for the console tests: the inbox an approval link is received on, and a
Meta Marketing API that has one active campaign to pause.

POST /owner (any path but the Graph API's): appends the request body (one line) to
DIR/inbox.jsonl. GET /vNN/act_ID/campaigns: one ACTIVE campaign. POST /vNN/CAMPAIGN_ID: appends
"CAMPAIGN_ID BODY" to DIR/paused.log and answers {"success": true}. Every answer is 200. Prints
the port it listens on, then serves until killed.

    python3 inbox.py DIR
"""
import http.server
import json
import os
import re
import sys
import threading

directory = sys.argv[1]
lock = threading.Lock()
CAMPAIGN = "120210000000001"


def append(name, line):
    with lock:
        with open(os.path.join(directory, name), "ab") as out:
            out.write(line + b"\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if re.match(r"^/v[0-9.]+/act_[0-9]+/campaigns", self.path):
            self.answer({"data": [{"id": CAMPAIGN, "name": "Autumn sale", "effective_status": "ACTIVE"}]})
        else:
            self.answer({})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).replace(b"\n", b" ")
        match = re.match(r"^/v[0-9.]+/([0-9]+)$", self.path.split("?")[0])
        if match:
            append("paused.log", match.group(1).encode() + b" " + body)
            self.answer({"success": True})
        else:
            append("inbox.jsonl", body)
            self.answer({"ok": True})


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
