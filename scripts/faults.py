#!/usr/bin/env python3
"""Faults under load: concurrent writes and public lookups, a SIGKILL in the middle, and on
PostgreSQL two instances on one database. Prints the figures; exits 1 if anything is lost,
duplicated, answered 5xx or "database is locked", or the audit trail does not verify.

    scripts/faults.py                                   # SQLite, CI's short form (20 s)
    scripts/faults.py --database postgres://postgres@127.0.0.1:5432/postgres
    scripts/faults.py --seconds 300 --writers 16        # the long form

Each run uses a new database (a temporary SQLite file, or a new PostgreSQL database on the
server named, dropped at the end) loaded with `certbody demo`. Writers register client
organisations (each a user, an organisation, an audit event and a mail in one transaction)
while readers look certificates up; halfway through, the server is killed with SIGKILL and
started again. Afterwards every registration acknowledged with 201 must exist exactly once,
the outbox must have delivered every message (mail goes to files, one per message id; the one
message the killed instance may have been sending goes again once its claim lapses), and
`certbody audit verify` must pass. On PostgreSQL a second instance serves half the traffic
and runs the same background jobs: no message may be delivered by both.
Standard library only; the binary is target/debug/certbody unless CERTBODY_BIN says otherwise.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

BIN = os.environ.get("CERTBODY_BIN", "target/debug/certbody")
PASSWORD = "demo-password-2026"


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
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return 0, None


class Server:
    def __init__(self, name, database, port, work):
        self.name, self.port = name, port
        self.base = f"http://127.0.0.1:{port}"
        self.mail_dir = os.path.join(work, f"mail-{name}")
        self.log = open(os.path.join(work, f"{name}.log"), "ab")
        self.env = dict(os.environ, DATABASE_URL=database, CERTBODY_BIND=f"127.0.0.1:{port}",
                        CERTBODY_PUBLIC_URL=self.base, CERTBODY_MAIL_DIR=self.mail_dir,
                        CERTBODY_JWT_SECRET="faults-secret-0123456789-abcdefghijklmnop",
                        CERTBODY_REGISTER_LIMIT_PER_IP="1000000", CERTBODY_LOGIN_LIMIT_PER_IP="1000000",
                        CERTBODY_PUBLIC_LIMIT_PER_MINUTE="10000000", CERTBODY_MAIL_POLL_SECONDS="1",
                        CERTBODY_DEADLINE_POLL_SECONDS="2", RUST_LOG="warn")
        self.process = None

    def start(self):
        self.process = subprocess.Popen([BIN, "serve"], env=self.env, stdout=self.log, stderr=self.log)
        for _ in range(300):
            if call(self.base, "GET", "/health", timeout=1)[0] == 200:
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

    def __init__(self, servers, numbers, writers, readers):
        self.servers, self.numbers = servers, numbers
        self.lock = threading.Lock()
        self.acknowledged, self.statuses, self.locked = [], {}, 0
        self.running = True
        self.threads = [threading.Thread(target=self.write, args=(i,)) for i in range(writers)]
        self.threads += [threading.Thread(target=self.read, args=(i,)) for i in range(readers)]

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="a PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--readers", type=int, default=4)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="certbody-faults-")
    database, drop = new_database(args.database, work)
    servers = []
    try:
        demo = subprocess.run([BIN, "demo"], env=dict(os.environ, DATABASE_URL=database, RUST_LOG="warn"),
                              capture_output=True, text=True, check=True).stdout
        numbers = [line.split()[0] for line in demo.splitlines() if line.startswith("  CB-")]
        servers = [Server("a", database, 18110, work)]
        if args.database:
            servers.append(Server("b", database, 18111, work))
        for server in servers:
            server.start()
        killed_at = None
        with Load(servers, numbers, args.writers, args.readers) as load:
            time.sleep(args.seconds / 2)
            servers[0].kill()
            killed_at = len(load.acknowledged)
            time.sleep(0.5)
            servers[0].start()
            time.sleep(args.seconds / 2)
        report(args, servers, load, killed_at, database, work)
    finally:
        for server in servers:
            server.stop()
        drop()
        shutil.rmtree(work, ignore_errors=True)


def report(args, servers, load, killed_at, database, work):
    base = servers[0].base
    status, token = call(base, "POST", "/api/v1/auth/token",
                         {"email": "admin@cb.example", "password": PASSWORD})
    token = token["access_token"]
    present, offset = [], 0
    while True:
        status, page = call(base, "GET", f"/api/v1/organisations?q=faults&limit=200&offset={offset}", token=token)
        assert status == 200, page
        present += [item["legal_name"] for item in page["items"]]
        offset += 200
        if offset >= page["total"]:
            break
    acknowledged = set(load.acknowledged)
    lost = acknowledged - set(present)
    duplicated = len(present) - len(set(present))
    # The outbox drains: every message sent, each written once across the instances.
    for _ in range(60):
        status, pending = call(base, "GET", "/api/v1/admin/outbox?status=pending&limit=1", token=token)
        if pending["total"] == 0:
            break
        time.sleep(1)
    _, sent = call(base, "GET", "/api/v1/admin/outbox?status=sent&limit=1", token=token)
    # A message the killed instance had claimed waits for its claim to lapse (10 minutes),
    # then goes again with the same Message-ID: at least once, never lost.
    _, in_flight = call(base, "GET", "/api/v1/admin/outbox?status=sending&limit=1", token=token)
    files = {}
    for server in servers:
        for name in os.listdir(server.mail_dir) if os.path.isdir(server.mail_dir) else []:
            files[name] = files.get(name, 0) + 1
    twice = sum(1 for count in files.values() if count > 1)
    verify = subprocess.run([BIN, "audit", "verify"], env=dict(os.environ, DATABASE_URL=database, RUST_LOG="warn"),
                            capture_output=True, text=True)
    errors = {k: v for k, v in load.statuses.items() if k[1] >= 500}
    refused = {k: v for k, v in load.statuses.items() if 400 <= k[1] < 500}
    print(f"backend: {'PostgreSQL, two instances' if args.database else 'SQLite'}; "
          f"{args.seconds} s, {args.writers} writers, {args.readers} readers, SIGKILL after {killed_at} writes")
    print("answers:", ", ".join(f"{kind} {status or 'no connection'}: {n}"
                                for (kind, status), n in sorted(load.statuses.items())))
    print(f"registrations acknowledged: {len(acknowledged)}, present: {len(present)}, lost: {len(lost)}, "
          f"duplicated: {duplicated}")
    print(f"mail: {sent['total']} sent, {pending['total']} pending, {in_flight['total']} in flight "
          f"at the kill, {len(files)} files, {twice} delivered by both instances")
    print("audit trail:", verify.stdout.strip().splitlines()[0] if verify.stdout else verify.stderr.strip())
    problems = []
    if errors:
        problems.append(f"5xx answers: {errors}")
    if refused:
        problems.append(f"4xx answers: {refused}")
    if load.locked:
        problems.append(f"{load.locked} 'database is locked' answers")
    if lost or duplicated:
        problems.append(f"lost {sorted(lost)[:5]}, duplicated {duplicated}")
    if pending["total"] or twice or in_flight["total"] > 1 or len(files) < sent["total"]:
        problems.append("mail lost or delivered twice")
    if verify.returncode != 0:
        problems.append("audit trail broken")
    if problems:
        print("FAILED:", "; ".join(problems))
        sys.exit(1)
    print("faults: nothing lost, nothing twice")


if __name__ == "__main__":
    main()
