#!/usr/bin/env python3
"""A real SMTP server for the smtp channel's tests, built on aiosmtpd.

    smtp_server.py DIR [--mode plain|starttls|tls] [--cert PEM --key PEM] [--auth]
                       [--auth-mechanisms PLAIN,LOGIN] [--no-pipelining] [--close-after N]

Listens on 127.0.0.1 on a free port and prints the port on a line of its own when ready; exits
on SIGTERM or when its standard input is closed (the test process has gone).
Every accepted message is saved in DIR as N.eml (the bytes after DATA, dot-stuffing undone) and
N.json (the envelope, the connection it came on, and the message as Python's email package
parses it). DIR/events.log gets one line per connection and per MAIL, RSET and QUIT.
RCPT of an address starting with "reject" gets 550, with "later" 451.

--mode starttls offers STARTTLS and requires it before MAIL and AUTH; --mode tls is TLS from the
first byte. --auth takes user "playbook" with password "s3cret-P4ss,word" and requires it.
"""
import argparse
import asyncio
import email
import email.policy
import itertools
import json
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

USER = b"playbook"
PASSWORD = b"s3cret-P4ss,word"

connection_ids = itertools.count(1)
message_ids = itertools.count(1)


def log_event(directory, text):
    with open(os.path.join(directory, "events.log"), "a") as f:
        f.write(text + "\n")


def parsed(raw):
    """What a mail reader sees: decoded headers and each leaf part decoded."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    parts = []
    for part in message.walk():
        if part.is_multipart():
            continue
        parts.append({
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "transfer_encoding": part.get("Content-Transfer-Encoding"),
            "content": part.get_content(),
        })
    return {
        "headers": [[name, str(value)] for name, value in message.items()],
        "content_type": message.get_content_type(),
        "defects": [str(d) for d in message.defects],
        "parts": parts,
    }


class Handler:
    def __init__(self, directory, pipelining, close_after):
        self.directory = directory
        self.pipelining = pipelining
        self.close_after = close_after

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(len(responses) - 1, "250-PIPELINING")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.lower()
        if local.startswith("reject"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if local.startswith("later"):
            return f"451 4.3.0 <{address}>: Temporary failure, try again later"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        number = next(message_ids)
        raw = envelope.original_content
        base = os.path.join(self.directory, str(number))
        with open(base + ".eml", "wb") as f:
            f.write(raw)
        record = {
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "connection": session.connection_id,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "auth": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
            "message": parsed(raw),
        }
        with open(base + ".json.tmp", "w") as f:
            json.dump(record, f, indent=1)
        os.replace(base + ".json.tmp", base + ".json")
        session.messages = getattr(session, "messages", 0) + 1
        if self.close_after and session.messages >= self.close_after:
            # Closes the connection after this reply, as servers do at their per-connection limit.
            asyncio.get_running_loop().call_later(0.05, server.transport.close)
        return f"250 2.0.0 Ok: queued as {number}"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER and auth_data.password == PASSWORD
    # handled=False: aiosmtpd then answers 535 itself.
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


class RecordingSMTP(SMTP):
    """Numbers connections and logs the commands the tests look for."""

    def __init__(self, *args, directory, **kwargs):
        self.directory = directory
        self.connection_id = None
        super().__init__(*args, **kwargs)

    def connection_made(self, transport):
        first = self.connection_id is None
        if first:
            self.connection_id = next(connection_ids)
        super().connection_made(transport)
        self.session.connection_id = self.connection_id
        if first:
            log_event(self.directory, f"{self.connection_id} CONNECT")

    async def smtp_MAIL(self, arg):
        # Bytes already waiting after MAIL: the client sent RCPT and DATA without waiting.
        waiting = len(self._reader._buffer)
        log_event(self.directory, f"{self.connection_id} MAIL buffered={waiting}")
        await super().smtp_MAIL(arg)

    async def smtp_RSET(self, arg):
        log_event(self.directory, f"{self.connection_id} RSET")
        await super().smtp_RSET(arg)

    async def smtp_QUIT(self, arg):
        log_event(self.directory, f"{self.connection_id} QUIT")
        await super().smtp_QUIT(arg)


async def serve(args):
    os.makedirs(args.directory, exist_ok=True)
    context = None
    if args.mode != "plain":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    handler = Handler(args.directory, not args.no_pipelining, args.close_after)
    mechanisms = {m.strip().upper() for m in args.auth_mechanisms.split(",") if m.strip()}
    excluded = [m for m in ("PLAIN", "LOGIN") if m not in mechanisms]

    def factory():
        kwargs = dict(
            hostname="mx.test",
            decode_data=False,
            directory=args.directory,
            auth_exclude_mechanism=excluded,
        )
        if args.auth:
            kwargs.update(authenticator=authenticator, auth_required=True)
        if args.mode == "starttls":
            kwargs.update(tls_context=context, require_starttls=True, auth_require_tls=True)
        else:
            # Plain: AUTH in the clear is this test server's choice; implicit TLS: the whole
            # connection is encrypted, which aiosmtpd's auth_require_tls does not see.
            kwargs.update(auth_require_tls=False)
        return RecordingSMTP(handler, **kwargs)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, host="127.0.0.1", port=0, ssl=context if args.mode == "tls" else None)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory")
    parser.add_argument("--mode", choices=["plain", "starttls", "tls"], default="plain")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--auth", action="store_true")
    parser.add_argument("--auth-mechanisms", default="PLAIN,LOGIN")
    parser.add_argument("--no-pipelining", action="store_true")
    parser.add_argument("--close-after", type=int, default=0)
    args = parser.parse_args()
    # The test runner may start us with signals blocked; SIGTERM must work.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    # Exit when the test process goes away (it holds our stdin open), even if it crashed.
    def watch_stdin():
        while sys.stdin.buffer.read(4096):
            pass
        os._exit(0)
    threading.Thread(target=watch_stdin, daemon=True).start()
    if args.mode != "plain" and not (args.cert and args.key):
        parser.error("--mode starttls and tls need --cert and --key")
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
