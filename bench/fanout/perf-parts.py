#!/usr/bin/env python3
"""Attributes the CPU of a `perf record -g` profile of one `playbook run` to the parts of a
delivery: each sample goes to the innermost frame of its stack that names a part (allocation,
reference counting and kernel frames count for the code that called them). Prints microseconds
of CPU per delivery, all threads, start to exit.

    perf record -F 1999 -g -o run.data playbook run bench.yaml --yes --state state
    perf script -i run.data | bench/fanout/perf-parts.py --deliveries 50000 --frequency 1999
"""
import argparse
import re
import sys

PARTS = [
    ("journal (SQLite statements, commits, WAL)", re.compile(r"sqlite|SQLiteJournal|SQLiteDatabase")),
    ("envelope (the JSON body, its bytes)", re.compile(r"JSONBytes|OutboundMessage|JSONValue")),
    ("render (subject and text)", re.compile(r"MessageRenderer|CompiledTemplate|Mustache")),
    ("gate", re.compile(r"ChannelGate")),
    ("progress lines", re.compile(r"ProgressPrinter")),
    ("HTTP client (library, NIO, loopback TCP in the kernel)", re.compile(r"NIO|KeepAlive|HTTPTransport|llhttp|WebhookChannel")),
    ("runtime (tasks, continuations, executors, scheduler)", re.compile(r"libswift_Concurrency|libdispatch|swift_task|swift_job|AsyncTask|swift_continuation")),
    ("contacts read, segment, routing", re.compile(r"ContactsFile|ContactWalk|DeliveryRouting|CSV|Segment|Contact")),
    # Module names as Swift mangles them: the engine's own code (not the binary's other symbols).
    ("engine (fan-out, sender, retry, counter)", re.compile(r"14PlaybookEngine|12PlaybookCore|16PlaybookChannels|8playbook")),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--deliveries", type=int, required=True)
    parser.add_argument("--frequency", type=int, required=True)
    args = parser.parse_args()
    counts = {}
    total = 0
    stack = []

    def finish():
        nonlocal total
        if not stack:
            return
        total += 1
        part = "other (start-up, libraries, idle loops)"
        for frame in stack:
            found = next((name for name, pattern in PARTS if pattern.search(frame)), None)
            if found:
                part = found
                break
        counts[part] = counts.get(part, 0) + 1

    for line in sys.stdin:
        if not line.strip():
            finish()
            stack = []
        elif line.startswith((" ", "\t")):
            # "address symbol+offset (object)": the symbol, and the object only for the runtime's
            # libraries (every symbol of the binary would otherwise name the binary).
            frame = line.strip().split(" ", 1)[-1]
            symbol, _, obj = frame.rpartition(" (")
            if "libswift_Concurrency" in obj or "libdispatch" in obj:
                symbol += " " + obj
            stack.append(symbol)
    finish()
    scale = 1e6 / args.frequency / args.deliveries
    for name, count in sorted(counts.items(), key=lambda item: -item[1]):
        print(f"| {name} | {count * scale:.1f} µs |")
    print(f"| **all (CPU per delivery, start to exit)** | **{total * scale:.1f} µs** |  ({total} samples)")


main()
