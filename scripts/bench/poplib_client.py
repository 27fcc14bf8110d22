#!/usr/bin/env python3
"""The baseline for `npm run bench`: Python's stdlib poplib, one command at a time,
the way most POP3 clients behave. Reads a JSON plan on stdin, writes JSON results
on stdout. Times are wall-clock seconds (time.perf_counter)."""
import email.parser
import email.policy
import json
import poplib
import sys
import time

HEADER_PARSER = email.parser.BytesHeaderParser(policy=email.policy.default)


def summarize(lines):
    """What an inbox row needs, decoded the way a mail client would."""
    msg = HEADER_PARSER.parsebytes(b"\r\n".join(lines) + b"\r\n")
    return (str(msg.get("from", "")), str(msg.get("subject", "")), str(msg.get("date", "")))


def connect(task):
    conn = poplib.POP3(task["host"], task["port"], timeout=task.get("timeout", 60))
    conn.user(task["user"])
    conn.pass_(task["password"])
    return conn


def first_page(task):
    """Connect, log in, LIST, UIDL, then TOP n 0 for the newest `limit` messages."""
    start = time.perf_counter()
    conn = connect(task)
    _, listing, _ = conn.list()
    conn.uidl()
    count = len(listing)
    rows = [summarize(conn.top(n, 0)[1]) for n in range(count, max(0, count - task["limit"]), -1)]
    elapsed = time.perf_counter() - start
    conn.quit()
    return {"seconds": elapsed, "rows": len(rows), "count": count}


def all_headers(task):
    """Logged in already (not timed): TOP n 0 for every message, newest first."""
    conn = connect(task)
    _, listing, _ = conn.list()
    count = len(listing)
    start = time.perf_counter()
    rows = [summarize(conn.top(n, 0)[1]) for n in range(count, 0, -1)]
    elapsed = time.perf_counter() - start
    conn.quit()
    return {"seconds": elapsed, "rows": len(rows)}


def page(task):
    """Logged in already: one page of `limit` headers (what GET /api/messages does for an uncached page)."""
    conn = connect(task)
    _, listing, _ = conn.list()
    count = len(listing)
    times = []
    for offset in range(0, task["limit"] * task["pages"], task["limit"]):
        start = time.perf_counter()
        top = count - offset
        for n in range(top, max(0, top - task["limit"]), -1):
            summarize(conn.top(n, 0)[1])
        times.append(time.perf_counter() - start)
    conn.quit()
    return {"samples": times}


def preview(task):
    """Logged in already: TOP n 20 of a few messages."""
    conn = connect(task)
    times = []
    for n in task["numbers"]:
        start = time.perf_counter()
        _, lines, _ = conn.top(n, task["lines"])
        msg = email.parser.BytesParser(policy=email.policy.default).parsebytes(b"\r\n".join(lines) + b"\r\n")
        body = msg.get_body(preferencelist=("plain",))
        if body is not None:
            body.get_content()
        times.append(time.perf_counter() - start)
    conn.quit()
    return {"samples": times}


def retr(task):
    """Logged in already: RETR of one (large) message, counting its bytes."""
    conn = connect(task)
    start = time.perf_counter()
    _, lines, octets = conn.retr(task["number"])
    elapsed = time.perf_counter() - start
    size = sum(len(line) + 2 for line in lines)
    del lines
    conn.quit()
    return {"seconds": elapsed, "bytes": size, "octets": octets}


TASKS = {"first_page": first_page, "all_headers": all_headers, "page": page, "preview": preview, "retr": retr}


def main():
    plan = json.load(sys.stdin)
    results = []
    for task in plan["tasks"]:
        try:
            result = TASKS[task["kind"]](task)
            result["ok"] = True
        except Exception as error:  # reported, not raised: the bench prints what failed
            result = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        result["name"] = task["name"]
        results.append(result)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
