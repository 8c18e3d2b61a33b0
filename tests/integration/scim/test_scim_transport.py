#!/usr/bin/env python3
"""scim.so (through tests/integration/scim/scim_driver.c) against a small
scripted HTTP server on 127.0.0.1 that misbehaves at the transport level:
a body cut off after a 200 status line is a failed attempt and retried;
a Retry-After (seconds or an HTTP date) beyond request_deadline fails the
request at once; retries stop at request_deadline; a 200 carrying a SCIM
Error is not an empty listing.

Usage: test_scim_transport.py --driver BIN --plugin scim.so
"""
import argparse
import http.server
import json
import subprocess
import sys
import threading
import time

TOKEN = "transport-test-token-0123456789"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
GOOD = json.dumps({"schemas": [LIST], "totalResults": 1, "itemsPerPage": 1, "startIndex": 1,
                   "Resources": [{"id": "u1", "userName": "a@example.com",
                                  "externalId": "e1", "active": True}]}).encode()

failures = 0
# the script: a list of (status, headers, body, cut) per request; the
# last entry repeats
script = []
seen = []


def check(name, cond, out=""):
    global failures
    print(("ok   " if cond else "FAIL ") + name)
    if not cond:
        failures += 1
        print(out)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        seen.append(self.path)
        status, headers, body, cut = script[min(len(seen), len(script)) - 1]
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if cut:
            # the status line and part of the body, then the connection drops
            self.wfile.write(body[:len(body) // 3])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--driver", required=True)
    ap.add_argument("--plugin", required=True)
    a = ap.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d/t/scim/v2/" % srv.server_address[1]

    def drive(steps, *keys):
        script[:] = steps
        seen.clear()
        t0 = time.monotonic()
        p = subprocess.run([a.driver, a.plugin, "url=" + url, "token=" + TOKEN,
                            "profile=identity-center", "rate_limit=0", *keys, "--", "list-users"],
                           capture_output=True, text=True, timeout=120)
        out = p.stdout + p.stderr
        if TOKEN in out:
            raise AssertionError("the token appeared in the driver's output")
        return p.stdout.strip(), out, time.monotonic() - t0

    try:
        out, full, _ = drive([(200, {}, GOOD, True), (200, {}, GOOD, False)])
        check("a body cut off after a 200 status line is retried, then the listing completes",
              out == "rc 0 users 1" and len(seen) == 2, full)

        out, full, _ = drive([(200, {}, GOOD, True)], "retries=2")
        check("... and after the last retry it is a connection failure that names the status",
              out == "rc -4 users 0" and len(seen) == 3 and
              "connection failed after the status line (HTTP 200)" in full, full)

        err = json.dumps({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                          "status": "429", "detail": "Rate exceeded"}).encode()
        out, full, took = drive([(429, {"Retry-After": "999999"}, err, False)])
        check("Retry-After: 999999 fails the request at once, naming the deadline",
              out == "rc -4 users 0" and len(seen) == 1 and took < 30 and
              "the server asked to retry after 999999 s, beyond request_deadline = 120 s" in full,
              full)

        out, full, took = drive([(503, {"Retry-After": "Thu, 01 Jan 2099 00:00:00 GMT"}, b"", False)])
        check("a Retry-After date in 2099 fails the request at once",
              out == "rc -4 users 0" and len(seen) == 1 and took < 30 and
              "beyond request_deadline = 120 s" in full, full)

        out, full, took = drive([(503, {"Retry-After": "2"}, b"", False)],
                                "retries=20", "request_deadline=5")
        check("retries stop at request_deadline (5 s), well before 20 retries",
              out == "rc -4 users 0" and 2 <= len(seen) <= 4 and took < 30 and
              "request_deadline = 5 s" in full, full)

        err200 = json.dumps({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                             "status": "400", "detail": "Invalid cursor"}).encode()
        out, full, _ = drive([(200, {}, err200, False)])
        check("a 200 with a SCIM Error body is a failed listing, not an empty one",
              out == "rc -4 users 0" and
              "SCIM error (status 400: Invalid cursor)" in full, full)
    except AssertionError as e:
        check(str(e), False)
    finally:
        srv.shutdown()
        srv.server_close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
