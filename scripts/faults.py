#!/usr/bin/env python3
"""Faults under load: concurrent writes and public lookups, a SIGKILL in the middle, an SMTP
server and a webhook receiver that are down for the first third, and on PostgreSQL two
instances on one database. Prints the figures; exits 1 if anything is lost, duplicated,
answered 5xx or "database is locked", or the audit trail does not verify.

    scripts/faults.py                                   # SQLite, 20 s (CI runs 12 s)
    scripts/faults.py --database postgres://postgres@127.0.0.1:5432/postgres
    scripts/faults.py --seconds 300 --writers 16        # the long form

Each run uses a new database (a temporary SQLite file, or a new PostgreSQL database on the
server named, dropped at the end) loaded with `certbody demo`. Writers register client
organisations (each a user, an organisation, an audit event and a mail in one transaction)
while readers look certificates up; halfway through, the server is killed with SIGKILL and
started again. Meanwhile a decision maker suspends and reinstates a certificate that a relying
party watches with a webhook. Mail goes over SMTP to a sink this script runs, and webhooks to
its receiver; both are down (connection refused) for the first third of the run. Afterwards
every registration acknowledged with 201 must exist exactly once, every message the outbox
counts as sent must have reached the sink once (the one the killed instance may have been
sending goes again once its claim lapses), every webhook delivery must have arrived once, and
`certbody audit verify` must pass. On PostgreSQL a second instance serves half the traffic
and runs the same background jobs: no message may be delivered by both.
Standard library only; the binary is target/debug/certbody unless CERTBODY_BIN says otherwise.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

BIN = os.environ.get("CERTBODY_BIN", "target/debug/certbody")
PASSWORD = None  # the demo's, read from its output


def call(base, method, path, body=None, token=None, timeout=10):
    """(status, parsed body); status 0 when the connection failed."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        text = error.read()
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, text.decode(errors="replace")
    except (urllib.error.URLError, http.client.HTTPException, ValueError, OSError):
        return 0, None  # refused, cut off by the kill, or not an answer


def read_line(stream):
    """A line from a peer that may vanish (a killed server): empty when it has."""
    try:
        return stream.readline()
    except ConnectionError:
        return b""


class Receivers:
    """An SMTP sink and a webhook receiver on loopback, started late: until then their ports
    refuse connections, as a server that is down does."""

    def __init__(self, smtp_port, webhook_port):
        self.smtp_port, self.webhook_port = smtp_port, webhook_port
        self.message_ids, self.webhook_ids, self.lock = [], [], threading.Lock()
        self.servers = []

    def start(self):
        receivers = self

        class Smtp(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"220 sink\r\n")
                while line := read_line(self.rfile):
                    verb = line[:4].upper()
                    if verb == b"DATA":
                        self.wfile.write(b"354 go on\r\n")
                        data = b""
                        while (part := read_line(self.rfile)) not in (b".\r\n", b""):
                            data += part
                        found = re.search(rb"(?im)^message-id:\s*(\S+)", data)
                        with receivers.lock:
                            receivers.message_ids.append(found.group(1) if found else None)
                        self.wfile.write(b"250 queued\r\n")
                    elif verb == b"QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    elif verb == b"EHLO":
                        self.wfile.write(b"250 sink\r\n")
                    else:
                        self.wfile.write(b"250 ok\r\n")

        class Hooks(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("content-length", 0)))
                with receivers.lock:
                    receivers.webhook_ids.append(self.headers.get("webhook-id"))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_):
                pass

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.servers = [socketserver.ThreadingTCPServer(("127.0.0.1", self.smtp_port), Smtp),
                        HTTPServer(("127.0.0.1", self.webhook_port), Hooks)]
        for server in self.servers:
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self):
        for server in self.servers:
            server.shutdown()
            server.server_close()


class Server:
    def __init__(self, name, database, port, work, smtp_port, public_url):
        self.name, self.port = name, port
        self.base = f"http://127.0.0.1:{port}"
        self.log = open(os.path.join(work, f"{name}.log"), "ab")
        self.env = dict(os.environ, DATABASE_URL=database, CERTBODY_BIND=f"127.0.0.1:{port}",
                        CERTBODY_PUBLIC_URL=public_url, CERTBODY_SMTP_HOST="127.0.0.1",
                        CERTBODY_SMTP_PORT=str(smtp_port), CERTBODY_SMTP_TLS="none",
                        CERTBODY_MAIL_RETRY_SECONDS="1", CERTBODY_MAIL_MAX_ATTEMPTS="30",
                        CERTBODY_WEBHOOKS_ALLOW_PRIVATE="true",
                        CERTBODY_JWT_SECRET="faults-secret-0123456789-abcdefghijklmnop",
                        CERTBODY_REGISTER_LIMIT_PER_IP="1000000", CERTBODY_LOGIN_LIMIT_PER_IP="1000000",
                        CERTBODY_PUBLIC_LIMIT_PER_MINUTE="10000000", CERTBODY_MAIL_POLL_SECONDS="1",
                        CERTBODY_DEADLINE_POLL_SECONDS="2", RUST_LOG="warn")
        self.process = None

    def start(self):
        if call(self.base, "GET", "/health", timeout=1)[0]:
            raise SystemExit(f"port {self.port} is taken")
        self.process = subprocess.Popen([BIN, "serve"], env=self.env, stdout=self.log, stderr=self.log)
        for _ in range(300):
            if self.process.poll() is None and call(self.base, "GET", "/health", timeout=1)[0] == 200:
                return
            time.sleep(0.1)
        raise SystemExit(f"{self.name} did not start")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=40)


class Load:
    """Writers and readers against the servers, counting what each answer was."""

    def __init__(self, servers, numbers, writers, readers, changes):
        self.servers, self.numbers = servers, numbers
        self.lock = threading.Lock()
        self.acknowledged, self.statuses, self.locked, self.crashes = [], {}, 0, []
        self.running = True
        loops = [(self.write, (i,)) for i in range(writers)] + [(self.read, (i,)) for i in range(readers)]
        loops.append((self.change, changes))
        self.threads = [threading.Thread(target=self.guarded, args=loop) for loop in loops]
        self.changes = 0

    def guarded(self, loop, args):
        """A loop that dies is a failure of the run, not a quieter load."""
        try:
            loop(*args)
        except Exception as error:  # noqa: BLE001 - reported below
            with self.lock:
                self.crashes.append(repr(error))

    def change(self, certificate, token):
        """Suspends and reinstates `certificate` in turn, each change a webhook delivery."""
        n = 0
        while self.running:
            n += 1
            server = self.servers[n % len(self.servers)]
            step, body = ("suspend", {"reason": "Faults test"}) if n % 2 else ("reinstate", {})
            status, answer = call(server.base, "POST", f"/api/v1/certificates/{certificate}/{step}",
                                  body, token=token)
            if status == 200:
                with self.lock:
                    self.changes += 1
            elif status == 0:
                n -= 1  # the server is down: the same step again
            # A 409 after a lost answer: that step was taken; the next one is the other.
            self.count("change", status, answer if status != 409 else None)
            time.sleep(0.3)

    def count(self, kind, status, body):
        with self.lock:
            key = (kind, status)
            self.statuses[key] = self.statuses.get(key, 0) + 1
            if "locked" in json.dumps(body or ""):
                self.locked += 1

    def write(self, worker):
        n = 0
        while self.running:
            n += 1
            name = f"Faults {worker}-{n} GmbH"
            server = self.servers[n % len(self.servers)]
            status, body = call(server.base, "POST", "/api/v1/auth/register", {
                "organisation": {"legal_name": name, "street": "Teststraße 1", "city": "Berlin",
                                 "postcode": "10115", "country": "DE"},
                "email": f"w{worker}-{n}@faults.example", "full_name": "Load Writer",
                "password": PASSWORD})
            self.count("write", status, body)
            if status == 201:
                with self.lock:
                    self.acknowledged.append(name)
            elif status == 0:
                time.sleep(0.05)

    def read(self, worker):
        n = 0
        while self.running:
            n += 1
            server = self.servers[(n + worker) % len(self.servers)]
            number = self.numbers[n % len(self.numbers)]
            status, body = call(server.base, "GET", f"/api/v1/public/certificates/{number}")
            self.count("read", status, body)
            if status == 0:
                time.sleep(0.05)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_):
        self.running = False
        for thread in self.threads:
            thread.join()


def new_database(url, work):
    if not url:
        return os.path.join(work, "faults.db"), lambda: None
    name = f"certbody_faults_{os.getpid()}"
    base, _, _ = url.rpartition("/")
    subprocess.run(["psql", url, "-qc", f"CREATE DATABASE {name}"], check=True)
    drop = lambda: subprocess.run(["psql", url, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                                  check=False)
    return f"{base}/{name}", drop


def demo_output(database):
    """Loads the demo; returns its certificate numbers and sets the accounts' password."""
    global PASSWORD
    output = subprocess.run([BIN, "demo"], env=dict(os.environ, DATABASE_URL=database, RUST_LOG="warn"),
                            capture_output=True, text=True, check=True).stdout
    PASSWORD = re.search(r"password: (\S+)", output).group(1)
    section = output.split("Certificates", 1)[1].split("\n\n", 1)[0]
    numbers = [line.split()[0] for line in section.splitlines()[1:] if line.strip()]
    assert numbers, output
    return numbers


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="a PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--readers", type=int, default=4)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="certbody-faults-")
    database, drop = new_database(args.database, work)
    servers, receivers = [], Receivers(18120, 18121)
    try:
        numbers = demo_output(database)
        # One public URL, as behind a load balancer: a token from one instance works on both.
        public_url = "http://127.0.0.1:18110"
        servers = [Server("a", database, 18110, work, receivers.smtp_port, public_url)]
        if args.database:
            servers.append(Server("b", database, 18111, work, receivers.smtp_port, public_url))
        for server in servers:
            server.start()
        base = servers[0].base
        buyer = sign_in(base, "buyer@procurement.example")
        status, endpoint = call(base, "POST", "/api/v1/watch/webhooks",
                                {"url": f"http://127.0.0.1:{receivers.webhook_port}/hooks"}, token=buyer)
        assert status == 201, endpoint
        reviewer = sign_in(base, "reviewer@cb.example")
        _, listed = call(base, "GET", "/api/v1/certificates?limit=200", token=reviewer)
        active = next(c["id"] for c in listed["items"] if c["status"] == "active")
        killed_at = None
        with Load(servers, numbers, args.writers, args.readers, (active, reviewer)) as load:
            time.sleep(args.seconds / 3)
            receivers.start()
            time.sleep(args.seconds / 6)
            servers[0].kill()
            killed_at = len(load.acknowledged)
            time.sleep(0.5)
            servers[0].start()
            time.sleep(args.seconds / 2)
        report(args, servers, load, killed_at, database, receivers, (buyer, endpoint["id"]))
    finally:
        for server in servers:
            server.stop()
        receivers.stop()
        drop()
        shutil.rmtree(work, ignore_errors=True)


def every(base, path, token):
    """All items of a paged list."""
    items, separator = [], "&" if "?" in path else "?"
    while True:
        status, page = call(base, "GET", f"{path}{separator}limit=200&offset={len(items)}", token=token)
        assert status == 200, page
        items += page["items"]
        if len(items) >= page["total"] or not page["items"]:
            return items


def sign_in(base, email):
    status, answer = call(base, "POST", "/api/v1/auth/token", {"email": email, "password": PASSWORD})
    assert status == 200, answer
    return answer["access_token"]


def report(args, servers, load, killed_at, database, receivers, watcher):
    base = servers[0].base
    token = sign_in(base, "admin@cb.example")
    present = [item["legal_name"] for item in every(base, "/api/v1/organisations?q=faults", token)]
    acknowledged = set(load.acknowledged)
    lost = acknowledged - set(present)
    duplicated = len(present) - len(set(present))
    # The outbox drains: every message sent, each received once across the instances. A
    # webhook delivery that failed while the receiver was down is retried 30 s later.
    # A message the killed instance had claimed waits for its claim to lapse (10 minutes),
    # then goes again with the same Message-ID: at least once, never lost. So at most one
    # message may stay "sending"; a second is one a live instance is sending right now,
    # which the count waits for rather than mistaking it for a loss.
    buyer, endpoint = watcher
    for _ in range(90):
        status, pending = call(base, "GET", "/api/v1/admin/outbox?status=pending&limit=1", token=token)
        _, in_flight = call(base, "GET", "/api/v1/admin/outbox?status=sending&limit=1", token=token)
        deliveries = every(base, f"/api/v1/watch/webhooks/{endpoint}/deliveries", buyer)
        waiting = [d for d in deliveries if d["status"] == "pending"]
        if pending["total"] == 0 and in_flight["total"] <= 1 and not waiting:
            break
        time.sleep(1)
    _, sent = call(base, "GET", "/api/v1/admin/outbox?status=sent&limit=1", token=token)
    with receivers.lock:
        received, hooks = list(receivers.message_ids), list(receivers.webhook_ids)
    twice = len(received) - len(set(received))
    delivered = [d["id"] for d in deliveries if d["status"] == "delivered"]
    hooks_twice = len(hooks) - len(set(hooks))
    hooks_lost = set(delivered) - set(hooks)
    verify = subprocess.run([BIN, "audit", "verify"], env=dict(os.environ, DATABASE_URL=database, RUST_LOG="warn"),
                            capture_output=True, text=True)
    errors = {k: v for k, v in load.statuses.items() if k[1] >= 500}
    refused = {k: v for k, v in load.statuses.items() if 400 <= k[1] < 500 and k[0] != "change"}
    refused.update({k: v for k, v in load.statuses.items() if k[0] == "change" and 400 <= k[1] < 500
                    and k[1] != 409})
    print(f"backend: {'PostgreSQL, two instances' if args.database else 'SQLite'}; "
          f"{args.seconds} s, {args.writers} writers, {args.readers} readers, SIGKILL after {killed_at} writes")
    print("answers:", ", ".join(f"{kind} {status or 'no connection'}: {n}"
                                for (kind, status), n in sorted(load.statuses.items())))
    print(f"registrations acknowledged: {len(acknowledged)}, present: {len(present)}, lost: {len(lost)}, "
          f"duplicated: {duplicated}")
    print(f"mail: {sent['total']} sent, {pending['total']} pending, {in_flight['total']} in flight "
          f"at the kill; the sink received {len(set(received))} distinct, {twice} twice")
    print(f"webhooks: {load.changes} status changes, {len(deliveries)} deliveries, "
          f"{len(delivered)} delivered; the receiver got {len(set(hooks))} distinct, {hooks_twice} twice")
    print("audit trail:", verify.stdout.strip().splitlines()[0] if verify.stdout else verify.stderr.strip())
    problems = []
    if errors:
        problems.append(f"5xx answers: {errors}")
    if refused:
        problems.append(f"4xx answers: {refused}")
    if load.crashes:
        problems.append(f"load threads crashed: {load.crashes[:3]}")
    if load.locked:
        problems.append(f"{load.locked} 'database is locked' answers")
    if lost or duplicated:
        problems.append(f"lost {sorted(lost)[:5]}, duplicated {duplicated}")
    if pending["total"] or twice or in_flight["total"] > 1 or len(set(received)) < sent["total"]:
        problems.append("mail lost or delivered twice")
    if (hooks_twice or hooks_lost or len(delivered) + 1 < len(deliveries)
            or len(deliveries) < load.changes):
        problems.append("webhooks lost or delivered twice")
    if verify.returncode != 0:
        problems.append("audit trail broken")
    if problems:
        print("FAILED:", "; ".join(problems))
        sys.exit(1)
    print("faults: nothing lost, nothing twice")


if __name__ == "__main__":
    main()
