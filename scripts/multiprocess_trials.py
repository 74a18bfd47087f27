#!/usr/bin/env python3
"""Multi-process trials: three `rapport serve` processes on one PostgreSQL database, with faults.

What it proves, per trial (issue 12): clients (3-4 replica files driven by the real CLI) write and
sync through three stateless `rapport serve` processes sharing one PostgreSQL schema, at random,
alone and several at once; in the middle one server is killed with SIGKILL while a sync runs
through it, and PostgreSQL is restarted in immediate mode while syncs are in flight. Then:

  * every acknowledged push is in the database right after the restart (a write is acknowledged
    once a `rapport sync` of its replica that started after the write exited 0);
  * a sync either succeeds or fails with a one-line error (`Error: ...`, or under --json one line
    `{"error": {"code": ..., "message": ...}}`; never a crash), and a failure
    outside a fault window is a failure of the trial; no server logs a 500 or crashes;
  * after syncing everyone through every server until nothing moves, all replicas hold the same
    accounts, exactly the expected ones: every account created exists, and every field holds the
    value of the last write to it in wall-clock order (all writes run one after another on one
    machine, so the last one has the greatest hybrid-logical-clock stamp and must win);
  * no feed gap: a replica whose cursor followed the feed all along holds everything a brand-new
    replica pulls from scratch (both equal the expected state), and in the database every
    record's sequence is unique and below `workspace.next_sequence`;
  * a long-poll (`sync --wait 5`) through one server wakes when another server takes a push
    (LISTEN/NOTIFY across processes), also after the restart; a missed wake is reported as an
    oddity, not a failure (it costs latency, not data).

Run (Python 3 standard library only; needs psql and PostgreSQL's server binaries for
scripts/postgres.sh, which installs them on Debian when missing):

  scripts/multiprocess_trials.py --trials 3                         # CI: a few trials
  scripts/multiprocess_trials.py --trials 50                        # the documented long run
  scripts/multiprocess_trials.py --seed S --trials 1 --keep         # replay one trial, keep its files

The binary is --bin, else $RAPPORT_BIN, else .build/debug/rapport. By default the script starts a
throwaway cluster with scripts/postgres.sh (so it can restart it) and stops it at the end; with
--postgres URL (or $RAPPORT_TEST_POSTGRES) it uses an existing cluster, one schema per trial
(`?schema=trial_<seed>`, dropped afterwards), and restarts it only when --pg-dir (or
$RAPPORT_PG_DIR) names its folder. A seed fixes the schedule (steps, replicas, servers, fault
points), not the timing of processes, so a replay exercises the same schedule with fresh timing.
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POSTGRES_SH = os.path.join(ROOT, "scripts", "postgres.sh")
WORKSPACE = "trials"
CRASH_MARKERS = ("Fatal error", "Program crashed", "Stack dump", "Segmentation fault", "Illegal instruction",
                 "Current stack trace", "Backtrace")
# A 500 in the access log (`http.status=500`) or the store/unknown-error lines that precede one.
SERVER_FAILURE = re.compile(r"http\.status=5(?!03)\d\d|status=500| 500 |Fatal error|Program crashed|Stack dump|"
                            r"unexpected error|store error|unexpected HTTP error")
LISTENING = re.compile(r"rapport server listening on http://127\.0\.0\.1:(\d+)")
FAULT_GRACE = 5.0       # seconds after a fault ends during which a failing sync still counts as "during the fault"
SYNC_TIMEOUT = 120.0    # a sync taking longer than this is a hang, hence a failure
FIELDS = ("owner", "segment", "arr")


def one_line_error(message):
    """A failed command's stderr is one line: `Error: ...`, or under --json an error object with a code and a message."""
    if "\n" in message:
        return False
    if message.startswith("Error:"):
        return True
    try:
        error = json.loads(message).get("error", {})
    except (ValueError, AttributeError):
        return False
    return isinstance(error, dict) and bool(error.get("code")) and bool(error.get("message"))


class TrialFailure(Exception):
    pass


class Result:
    def __init__(self, args, rc, out, err, start, end):
        self.args, self.rc, self.out, self.err, self.start, self.end = args, rc, out, err, start, end

    @property
    def ok(self):
        return self.rc == 0

    def json(self):
        return json.loads(self.out)


class Server:
    def __init__(self, name, process, port, out_path, err_path):
        self.name, self.process, self.port, self.out_path, self.err_path = name, process, port, out_path, err_path
        self.killed = False

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"


class Cluster:
    """The PostgreSQL cluster: given (URL, maybe its folder) or started here with scripts/postgres.sh."""

    def __init__(self, url, pg_dir, owned):
        self.url, self.pg_dir, self.owned = url, pg_dir, owned

    @classmethod
    def start(cls):
        port = free_port()
        while port == 54329:
            port = free_port()
        proc = subprocess.run(["bash", POSTGRES_SH, "start", tempfile.mkdtemp(prefix="rapport-trials-pg."), str(port)],
                              capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            sys.exit(f"could not start a PostgreSQL cluster with scripts/postgres.sh:\n{proc.stderr}")
        exports = dict(re.findall(r"export (\w+)=(\S+)", proc.stdout))
        return cls(exports["RAPPORT_TEST_POSTGRES"], exports["RAPPORT_PG_DIR"], owned=True)

    def restart(self):
        proc = subprocess.run(["bash", POSTGRES_SH, "restart", self.pg_dir], capture_output=True, text=True, timeout=180)
        if proc.returncode != 0:
            raise TrialFailure(f"scripts/postgres.sh restart failed: {proc.stderr.strip()[-500:]}")

    def stop(self):
        subprocess.run(["bash", POSTGRES_SH, "stop", self.pg_dir], capture_output=True, text=True, timeout=180)

    def psql(self, sql):
        proc = subprocess.run(["psql", self.url, "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                              capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            raise TrialFailure(f"psql failed ({sql[:80]}): {proc.stderr.strip()[:500]}")
        return [line.split("\t") for line in proc.stdout.splitlines() if line]

    def schema_url(self, schema):
        return self.url + ("&" if "?" in self.url else "?") + f"schema={schema}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Trial:
    def __init__(self, seed, options, cluster, binary):
        self.seed, self.options, self.cluster, self.binary = seed, options, cluster, binary
        self.rng = random.Random(seed)
        self.schema = f"trial_{seed}"
        self.url = cluster.schema_url(self.schema)
        self.dir = tempfile.mkdtemp(prefix=f"rapport-trial-{seed}.", dir=options.work_dir)
        self.log_file = open(os.path.join(self.dir, "trial.log"), "w")
        self.log_lock = threading.Lock()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
        self.env["RAPPORT_STATE_DIR"] = os.path.join(self.dir, "state")
        self.servers = []              # every server started, live or killed
        self.replicas = []             # replica file paths
        self.writes = []               # {"replica", "id", "fields": {field: value}, "create": bool, "t", "acked"}
        self.fault_windows = []        # [start, end] in time.monotonic()
        self.faults = []               # descriptions
        self.failed_syncs_fault = 0
        self.failed_syncs_other = []   # descriptions of failures outside fault windows
        self.syncs = 0
        self.steps = 0
        self.longpolls = []            # "woken", "missed", or "late" (the other push landed after the wait ran out)
        self.oddities = []
        self.next_number = 0
        self.shared = []
        self.token = None
        self.replica_count = 0
        self.holes = "?"
        self.cursor_checks = 0

    # -- plumbing ----------------------------------------------------------------------------------

    def log(self, text):
        with self.log_lock:
            self.log_file.write(f"{time.monotonic():.3f} {text}\n")
            self.log_file.flush()

    def run(self, args, env=None, timeout=60.0):
        start = time.monotonic()
        try:
            proc = subprocess.run([self.binary] + args, capture_output=True, text=True, timeout=timeout,
                                  cwd=self.dir, env=env or self.env)
            rc, out, err = proc.returncode, proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as e:
            rc, out, err = "timeout", (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or ""), ""
        end = time.monotonic()
        shown = " ".join(a if not a.startswith("rpt_") else "rpt_…" for a in args)
        self.log(f"$ rapport {shown}  -> rc={rc} [{end - start:.2f}s] out={out.strip()[:300]!r} err={err.strip()[:300]!r}")
        if rc == "timeout":
            raise TrialFailure(f"`rapport {shown}` hung for {timeout:.0f}s")
        if rc < 0 or any(m in err or m in out for m in CRASH_MARKERS):
            raise TrialFailure(f"`rapport {shown}` crashed (rc={rc}): {err.strip()[-800:]}")
        return Result(args, rc, out, err, start, end)

    def must(self, args, env=None):
        result = self.run(args, env=env)
        if not result.ok:
            raise TrialFailure(f"`rapport {' '.join(args)}` failed (rc={result.rc}): {result.err.strip()[:500]}")
        return result

    def sync_env(self):
        env = dict(self.env)
        env["RAPPORT_WORKSPACE"] = WORKSPACE
        env["RAPPORT_TOKEN"] = self.token
        return env

    def live(self):
        return [s for s in self.servers if not s.killed]

    def in_fault(self, start, end):
        return any(start <= w_end + FAULT_GRACE and end >= w_start for w_start, w_end in self.fault_windows)

    # -- servers -----------------------------------------------------------------------------------

    def start_server(self):
        name = f"server{len(self.servers) + 1}"
        out_path = os.path.join(self.dir, f"{name}.out")
        err_path = os.path.join(self.dir, f"{name}.err")
        with open(out_path, "w") as out, open(err_path, "w") as err:
            process = subprocess.Popen([self.binary, "serve", "--postgres", self.url, "--port", "0"],
                                       stdout=out, stderr=err, cwd=self.dir, env=self.env, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with open(out_path) as f:
                match = LISTENING.search(f.read())
            if match:
                server = Server(name, process, int(match.group(1)), out_path, err_path)
                self.servers.append(server)
                self.log(f"{name} pid {process.pid} listening on port {server.port}")
                return server
            if process.poll() is not None:
                raise TrialFailure(f"{name} exited with {process.returncode} before listening: {open(err_path).read()[-800:]}")
            time.sleep(0.05)
        raise TrialFailure(f"{name} did not print its port within 60 s")

    def check_servers_alive(self):
        for server in self.live():
            if server.process.poll() is not None:
                raise TrialFailure(f"{server.name} exited on its own with {server.process.returncode}: "
                                   f"{open(server.err_path).read()[-800:]}")

    def stop_servers(self):
        for server in self.live():
            if server.process.poll() is None:
                server.process.send_signal(signal.SIGTERM)
        for server in self.live():
            try:
                server.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.oddities.append(f"{server.name} ignored SIGTERM for 15 s")
                server.process.kill()
                server.process.wait()
                continue
            if server.process.returncode != 0:
                self.oddities.append(f"{server.name} exited with {server.process.returncode} after SIGTERM")

    def scan_server_logs(self):
        problems = []
        for server in self.servers:
            for path in (server.out_path, server.err_path):
                with open(path, errors="replace") as f:
                    for line in f:
                        if SERVER_FAILURE.search(line):
                            problems.append(f"{os.path.basename(path)}: {line.strip()[:300]}")
        return problems

    # -- replica operations ------------------------------------------------------------------------

    def new_account(self, replica):
        self.next_number += 1
        number = self.next_number
        account_id = f"acct-t{self.seed}-{number}"
        fields = {"owner": f"own-r{replica}-{number}", "segment": self.rng.choice(["enterprise", "smb", "mid"]),
                  "arr": float(1000 * number + replica)}
        name = f"Account {self.seed}-{number} by r{replica}"
        start = time.monotonic()
        self.must(["account", "add", name, "--id", account_id, "--owner", fields["owner"], "--segment", fields["segment"],
                   "--arr", f"{fields['arr']:.0f}", "--db", self.replicas[replica], "--json"])
        with self.log_lock:
            self.writes.append({"replica": replica, "id": account_id, "name": name, "fields": fields, "create": True,
                                "t": start, "acked": None})
        return account_id

    def edit_account(self, replica, account_id):
        self.next_number += 1
        number = self.next_number
        chosen = self.rng.sample(FIELDS, self.rng.choice([1, 1, 2]))
        fields = {}
        args = ["account", "edit", account_id]
        for field in chosen:
            value = {"owner": f"own-r{replica}-{number}", "segment": f"seg-r{replica}-{number}",
                     "arr": float(1000 * number + replica)}[field]
            fields[field] = value
            args += [f"--{field}", f"{value:.0f}" if field == "arr" else value]
        start = time.monotonic()
        result = self.must(args + ["--db", self.replicas[replica], "--json"])
        changed = set(result.json().get("changed", []))
        if changed != set(chosen):
            raise TrialFailure(f"edit of {account_id} on r{replica} changed {sorted(changed)}, expected {sorted(chosen)}")
        with self.log_lock:
            self.writes.append({"replica": replica, "id": account_id, "fields": fields, "create": False, "t": start,
                                "acked": None})

    def random_write(self, replica):
        own = [w["id"] for w in self.writes if w["create"] and w["replica"] == replica]
        roll = self.rng.random()
        if roll < 0.6:
            self.new_account(replica)
        elif roll < 0.9 or not own:
            self.edit_account(replica, self.rng.choice(self.shared))
        else:
            self.edit_account(replica, self.rng.choice(own))

    def sync(self, replica, server, wait=0, expect_failure=False):
        """One `rapport sync`; returns its report or None when it failed (allowed only during faults)."""
        args = ["sync", "--db", self.replicas[replica], "--server", server.url if isinstance(server, Server) else server,
                "--json"]
        if wait:
            args += ["--wait", str(wait)]
        result = self.run(args, env=self.sync_env(), timeout=SYNC_TIMEOUT)
        with self.log_lock:
            self.syncs += 1
        if not result.ok:
            message = result.err.strip()
            if not one_line_error(message):
                raise TrialFailure(f"sync of r{replica} failed without a one-line error (rc={result.rc}): {message[:800]}")
            with self.log_lock:
                if expect_failure or self.in_fault(result.start, time.monotonic()):
                    self.failed_syncs_fault += 1
                else:
                    self.failed_syncs_other.append(f"r{replica} via {server if isinstance(server, str) else server.name}: "
                                                   f"{message[:300]}")
            return None
        if expect_failure:
            raise TrialFailure(f"sync of r{replica} through a killed server's port succeeded")
        if not wait and result.end - result.start > 3 and not self.in_fault(result.start, result.end):
            with self.log_lock:
                self.oddities.append(f"sync of r{replica} through {server.name} took {result.end - result.start:.1f} s "
                                     f"with no fault running (see {server.name}.err for slow requests)")
        report = result.json()
        if report.get("rejected"):
            raise TrialFailure(f"sync of r{replica} had {report['rejected']} rejected versions: {report}")
        with self.log_lock:
            for write in self.writes:
                if write["replica"] == replica and write["acked"] is None and write["t"] < result.start:
                    write["acked"] = result.end
        status = self.must(["status", "--db", self.replicas[replica], "--json"]).json()
        if status["pendingChanges"] != 0 or status["rejected"] != 0:
            raise TrialFailure(f"sync of r{replica} exited 0 but {status['pendingChanges']} changes are pending "
                               f"and {status['rejected']} rejected")
        report["_seconds"] = result.end - result.start
        report["_end"] = result.end
        report["_cursor"] = status["cursor"]
        return report

    def sync_burst(self, replicas):
        """Several replicas sync at once, each through a random live server."""
        pairs = [(r, self.rng.choice(self.live()), self.rng.choice([0, 0, 1])) for r in replicas]
        with ThreadPoolExecutor(len(pairs)) as pool:
            futures = [pool.submit(self.sync, r, s, w) for r, s, w in pairs]
            return [f.result() for f in futures]

    # -- faults ------------------------------------------------------------------------------------

    def kill_server(self):
        victim = self.rng.choice(self.live())
        replica = self.rng.randrange(len(self.replicas))
        # A waiting long-poll (of a replica with nothing to push or pull) is surely in flight; a sync
        # with a write to push is hit anywhere from its start to its pull.
        wait = 5 if self.rng.random() < 0.3 and len(self.live()) > 1 else 0
        if wait:
            if self.sync(replica, self.rng.choice([s for s in self.live() if s is not victim])) is None:
                wait = 0
        if not wait:
            self.random_write(replica)
        delay = self.rng.uniform(0.1, 1.0) if wait else self.rng.uniform(0.01, 0.07)
        start = time.monotonic()
        window = [start, start + 3600]
        self.fault_windows.append(window)
        with ThreadPoolExecutor(1) as pool:
            future = pool.submit(self.sync, replica, victim, wait)
            time.sleep(delay)
            os.kill(victim.process.pid, signal.SIGKILL)
            victim.process.wait()
            victim.killed = True
            killed_at = time.monotonic()
            in_flight = not future.done()
            cut = future.result() is None
        window[1] = killed_at
        what = "long-poll" if wait else "sync"
        self.faults.append(f"kill -9 {victim.name} ({f'its {what} cut' if cut else f'after its {what} ended'})")
        self.log(f"killed {victim.name} after {delay * 1000:.0f} ms, {what} process running: {in_flight}, cut: {cut}")
        # The dead port must refuse cleanly: a one-line error, never a crash or a hang.
        self.sync(self.rng.randrange(len(self.replicas)), victim.url, expect_failure=True)

    def restart_postgres(self):
        for replica in self.rng.sample(range(len(self.replicas)), self.rng.randint(1, len(self.replicas))):
            self.random_write(replica)
        acked_before = {w["id"] for w in self.writes if w["create"] and w["acked"] is not None}
        delay = self.rng.uniform(0.0, 0.15)
        start = time.monotonic()
        window = [start, start + 3600]
        self.fault_windows.append(window)
        errors = []

        def restart():
            time.sleep(delay)
            try:
                self.log("postgres restart begins")
                self.cluster.restart()
                self.log("postgres restart done")
            except Exception as e:  # reported below, on the main thread
                errors.append(e)

        thread = threading.Thread(target=restart)
        thread.start()
        burst = self.rng.sample(range(len(self.replicas)), self.rng.randint(1, min(3, len(self.replicas))))
        self.sync_burst(burst)
        # Keep syncing while the restart runs (PostgreSQL may be down for a while).
        while thread.is_alive():
            replica = self.rng.randrange(len(self.replicas))
            self.random_write(replica)
            self.sync(replica, self.rng.choice(self.live()))
        thread.join()
        window[1] = time.monotonic()
        if errors:
            raise errors[0]
        self.faults.append("postgres restart (immediate)")
        # Every push acknowledged before the restart is in the database after it.
        missing = acked_before - self.server_ids()
        if missing:
            raise TrialFailure(f"acknowledged accounts missing from the database after the restart: {sorted(missing)}")

    def longpoll_probe(self, after_restart):
        """X waits on one server; Y pushes through another; X should wake at once (LISTEN/NOTIFY)."""
        live = self.live()
        if len(live) < 2:
            return
        x, y = self.rng.sample(range(len(self.replicas)), 2)
        a, b = self.rng.sample(live, 2)
        if self.sync(x, a) is None:
            return
        with ThreadPoolExecutor(1) as pool:
            future = pool.submit(self.sync, x, a, 5)
            time.sleep(0.5)
            self.new_account(y)
            pushed = self.sync(y, b)
            report = future.result()
        if report is None or pushed is None:
            return
        self.log(f"long-poll probe: r{x} on {a.name} answered after {report['_seconds']:.2f} s pulling {report['pulled']}; "
                 f"r{y}'s sync through {b.name} took {pushed['_seconds']:.2f} s and ended "
                 f"{pushed['_end'] - report['_end']:+.2f} s after it")
        if report["pulled"] > 0:
            self.longpolls.append("woken")
        elif pushed["_end"] > report["_end"] - 0.2:
            # Y's push was acknowledged only after X's wait had run out (a slow or busy machine):
            # nothing to wake X in time, so this says nothing about cross-process wakes.
            self.longpolls.append("late")
        else:
            self.longpolls.append("missed")
            self.oddities.append(f"long-poll of r{x} on {a.name} not woken by r{y}'s push through {b.name}, acknowledged "
                                 f"{report['_end'] - pushed['_end']:.1f} s before the long-poll answered empty "
                                 f"({'after' if after_restart else 'before'} the PostgreSQL restart; waited {report['_seconds']:.1f} s)")

    # -- checks ------------------------------------------------------------------------------------

    def server_ids(self):
        rows = self.cluster.psql(f"SELECT id FROM {self.schema}.record WHERE workspace = '{WORKSPACE}' AND entity = 'account'")
        return {row[0] for row in rows}

    def check_cursor(self, replica, cursor):
        """With nothing else running: every account the feed holds at or below the replica's cursor is
        in the replica exactly as the server has it (the replica has nothing pending, so any
        difference is a record its cursor skipped: a feed gap)."""
        parts = cursor.split(":")
        if len(parts) < 2 or not parts[1].isdigit():
            raise TrialFailure(f"r{replica}'s cursor {cursor!r} is not epoch:sequence:tag")
        rows = self.cluster.psql(f"SELECT sequence, id, version FROM {self.schema}.record WHERE workspace = '{WORKSPACE}' "
                                 f"AND entity = 'account' AND sequence <= {int(parts[1])}")
        local = self.replica_state(self.replicas[replica])
        for sequence, account_id, version in rows:
            fields = json.loads(version)["fields"]
            server = {"name": fields["name"]["value"], "owner": fields["owner"]["value"],
                      "segment": fields["segment"]["value"], "arr": float(fields["arr"]["value"])}
            if local.get(account_id) != server:
                raise TrialFailure(f"feed gap: r{replica} synced to sequence {parts[1]} but holds {account_id} "
                                   f"(sequence {sequence}) as {local.get(account_id)}, the server as {server}")
        self.cursor_checks += 1

    def expected_state(self):
        state = {}
        for write in sorted(self.writes, key=lambda w: w["t"]):
            if write["create"]:
                state[write["id"]] = {"name": write["name"], **write["fields"]}
            else:
                state[write["id"]].update(write["fields"])
        return state

    def replica_state(self, path):
        rows = self.must(["account", "list", "--db", path, "--json"]).json()
        return {row["id"]: {"name": row["name"], "owner": row["owner"], "segment": row["segment"], "arr": float(row["arr"])}
                for row in rows}

    def compare(self, label, actual, expected):
        problems = []
        for account_id in sorted(expected.keys() - actual.keys()):
            write = next(w for w in self.writes if w["id"] == account_id and w["create"])
            problems.append(f"{label} lacks {account_id} (created on r{write['replica']}, "
                            f"{'acknowledged' if write['acked'] else 'never acknowledged'})")
        for account_id in sorted(actual.keys() - expected.keys()):
            problems.append(f"{label} has unexpected account {account_id}")
        for account_id in sorted(actual.keys() & expected.keys()):
            for key, value in expected[account_id].items():
                if actual[account_id][key] != value:
                    written = [w["fields"][key] for w in self.writes if w["id"] == account_id and key in w["fields"]]
                    kind = "a written value, not the last" if actual[account_id][key] in written else "NEVER WRITTEN"
                    problems.append(f"{label}: {account_id}.{key} = {actual[account_id][key]!r} ({kind}), "
                                    f"expected {value!r}")
        return problems

    def converge(self):
        for round_number in range(1, 7):
            quiet = True
            for server in self.live():
                for replica in range(len(self.replicas)):
                    report = self.sync(replica, server)
                    if report is None:
                        quiet = False
                        time.sleep(1)
                        continue
                    if report["pushed"] or report["inserted"] or report["updated"]:
                        quiet = False
            if quiet:
                return round_number
        raise TrialFailure("replicas still moving after 6 rounds of syncs through every server")

    def final_checks(self):
        rounds = self.converge()
        self.log(f"quiet after {rounds} rounds")
        expected = self.expected_state()
        problems = []
        states = [self.replica_state(path) for path in self.replicas]
        for index, state in enumerate(states):
            problems += self.compare(f"r{index}", state, expected)
        # A replica that never synced before pulls the whole feed from scratch.
        fresh = os.path.join(self.dir, "fresh.db")
        self.must(["init", "--db", fresh, "--name", "fresh", "--json"])
        self.replicas.append(fresh)
        report = self.sync(len(self.replicas) - 1, self.rng.choice(self.live()))
        if report is None:
            raise TrialFailure("the fresh replica's sync failed with no fault running")
        problems += self.compare("fresh replica", self.replica_state(fresh), expected)
        # The database: unique sequences, all below the head; every account there; acknowledged ones too.
        (count, distinct, top, accounts), = self.cluster.psql(
            f"SELECT count(*), count(DISTINCT sequence), coalesce(max(sequence), 0), count(*) FILTER (WHERE entity = 'account') "
            f"FROM {self.schema}.record WHERE workspace = '{WORKSPACE}'")
        (head,), = self.cluster.psql(f"SELECT next_sequence FROM {self.schema}.workspace WHERE name = '{WORKSPACE}'")
        count, distinct, top, head, accounts = int(count), int(distinct), int(top), int(head), int(accounts)
        if count != distinct:
            problems.append(f"database: {count} records but {distinct} distinct sequences")
        if top > head - 1:
            problems.append(f"database: a record at sequence {top} beyond next_sequence - 1 = {head - 1}")
        if accounts != len(expected):
            problems.append(f"database: {accounts} accounts, expected {len(expected)}")
        acked = {w["id"] for w in self.writes if w["create"] and w["acked"] is not None}
        missing = acked - self.server_ids()
        if missing:
            problems.append(f"database lacks acknowledged accounts {sorted(missing)}")
        self.holes = head - 1 - count
        return problems

    # -- the trial ---------------------------------------------------------------------------------

    def execute(self):
        self.cluster.psql(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
        self.must(["server", "workspace", "add", WORKSPACE, "--postgres", self.url, "--json"])
        self.token = self.must(["server", "token", "add", "--workspace", WORKSPACE, "--label", "trials",
                                "--postgres", self.url, "--json"]).json()["token"]
        for _ in range(3):
            self.start_server()
        for index in range(self.rng.choice([3, 4])):
            path = os.path.join(self.dir, f"r{index}.db")
            self.must(["init", "--db", path, "--name", f"r{index}", "--json"])
            self.replicas.append(path)
        self.replica_count = len(self.replicas)
        # Accounts every replica knows, so edits of the same fields on several replicas merge.
        self.shared = [self.new_account(0) for _ in range(2)]
        for replica in range(len(self.replicas)):
            if self.sync(replica, self.rng.choice(self.live())) is None:
                raise TrialFailure(f"setup sync of r{replica} failed with no fault running")

        steps = self.rng.randint(30, 60)
        kill_at = self.rng.randint(steps // 4, steps // 2)
        restart_at = self.rng.randint(steps // 2 + 1, 3 * steps // 4)
        if self.rng.random() < 0.5:
            kill_at, restart_at = restart_at, kill_at
        respawn_at = kill_at + self.rng.randint(2, 6) if self.rng.random() < 0.7 else None
        restarted = False
        can_restart = self.cluster.pg_dir is not None
        for step in range(steps):
            self.steps = step + 1
            self.check_servers_alive()
            if step == kill_at:
                self.kill_server()
                continue
            if step == respawn_at:
                self.start_server()
                self.faults.append("server respawned on a new port")
            if step == restart_at and can_restart:
                self.restart_postgres()
                restarted = True
                self.longpoll_probe(after_restart=True)
                continue
            roll = self.rng.random()
            if roll < 0.08:
                self.longpoll_probe(after_restart=restarted)
            elif roll < 0.18:
                burst = self.rng.sample(range(len(self.replicas)), self.rng.randint(2, len(self.replicas)))
                for replica in burst:
                    self.random_write(replica)
                self.sync_burst(burst)
            else:
                replica = self.rng.randrange(len(self.replicas))
                self.random_write(replica)
                if self.rng.random() < 0.8:
                    report = self.sync(replica, self.rng.choice(self.live()), wait=1 if self.rng.random() < 0.2 else 0)
                    if report is not None:
                        self.check_cursor(replica, report["_cursor"])
        self.check_servers_alive()
        problems = self.final_checks()
        problems += [f"sync failed with no fault running: {f}" for f in self.failed_syncs_other]
        self.check_servers_alive()
        self.stop_servers()
        problems += [f"server log: {line}" for line in self.scan_server_logs()]
        return problems

    def cleanup(self, failed):
        for server in self.live():
            if server.process.poll() is None:
                server.process.kill()
                server.process.wait()
        self.log_file.close()
        if not self.options.keep:
            try:
                self.cluster.psql(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE")
            except TrialFailure:
                pass
            # A failed trial's files stay for the post-mortem, and so do those of one with oddities.
            if not failed and not self.oddities:
                shutil.rmtree(self.dir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=3, help="how many trials (default 3, as CI runs; 50 for the long run)")
    parser.add_argument("--seed", type=int, help="seed of the first trial (trial i uses seed + i); default random")
    parser.add_argument("--bin", help="the rapport binary (default $RAPPORT_BIN, else .build/debug/rapport)")
    parser.add_argument("--keep", action="store_true", help="keep every trial's folder and schema (and a cluster started here)")
    parser.add_argument("--postgres", help="an existing cluster's URL (default $RAPPORT_TEST_POSTGRES); "
                                           "without it a throwaway cluster is started")
    parser.add_argument("--pg-dir", help="the folder of that cluster, started by scripts/postgres.sh, so it can be "
                                         "restarted (default $RAPPORT_PG_DIR); without it the restart fault is skipped")
    parser.add_argument("--start-cluster", action="store_true",
                        help="start a throwaway cluster even if $RAPPORT_TEST_POSTGRES is set (the default without a URL)")
    parser.add_argument("--work-dir", help="where trial folders go (default the system temporary folder)")
    options = parser.parse_args()

    binary = options.bin or os.environ.get("RAPPORT_BIN") or os.path.join(ROOT, ".build", "debug", "rapport")
    binary = os.path.abspath(binary)
    if not os.access(binary, os.X_OK):
        sys.exit(f"no rapport binary at {binary}: build it (swift build --product rapport) or pass --bin / set RAPPORT_BIN")
    url = None if options.start_cluster else (options.postgres or os.environ.get("RAPPORT_TEST_POSTGRES"))
    if url:
        pg_dir = options.pg_dir or (os.environ.get("RAPPORT_PG_DIR") if not options.postgres else None)
        cluster = Cluster(url, pg_dir, owned=False)
        if not pg_dir:
            print("note: no --pg-dir for this cluster, so the PostgreSQL restart fault is skipped", flush=True)
    else:
        cluster = Cluster.start()
        print(f"started a PostgreSQL cluster in {cluster.pg_dir} ({cluster.url})", flush=True)

    first = options.seed if options.seed is not None else random.randrange(1, 10**6)
    print(f"{options.trials} trials from seed {first}, binary {binary}", flush=True)
    began = time.monotonic()
    failures = []
    totals = {"faults": 0, "failed_fault": 0, "syncs": 0, "steps": 0, "longpolls": 0, "woken": 0, "late": 0, "oddities": 0}
    try:
        for index in range(options.trials):
            seed = first + index
            trial = Trial(seed, options, cluster, binary)
            trial_began = time.monotonic()
            problems = None
            try:
                problems = trial.execute()
            except TrialFailure as e:
                problems = [str(e)]
            except Exception as e:  # a bug in this script: report it like a failure, with the seed
                import traceback
                problems = [f"script error: {e!r}\n{traceback.format_exc()}"]
            finally:
                # Also on Ctrl-C: no server outlives the script (they run in sessions of their own).
                trial.cleanup(failed=problems is None or bool(problems))
            failed = bool(problems)
            woken, late = trial.longpolls.count("woken"), trial.longpolls.count("late")
            totals["faults"] += len([f for f in trial.faults if not f.startswith("server respawned")])
            totals["failed_fault"] += trial.failed_syncs_fault
            totals["syncs"] += trial.syncs
            totals["steps"] += trial.steps
            totals["longpolls"] += len(trial.longpolls) - late
            totals["late"] += late
            totals["woken"] += woken
            totals["oddities"] += len(trial.oddities)
            print(f"trial {index + 1}/{options.trials} seed={seed} replicas={trial.replica_count} "
                  f"steps={trial.steps} syncs={trial.syncs} writes={len(trial.writes)} "
                  f"faults=[{'; '.join(trial.faults)}] failed-syncs-during-faults={trial.failed_syncs_fault} "
                  f"long-polls-woken={woken}/{len(trial.longpolls) - late}{f' (+{late} late)' if late else ''} cursor-checks={trial.cursor_checks} holes={trial.holes} "
                  f"[{time.monotonic() - trial_began:.1f} s] {'FAIL' if failed else 'OK'}", flush=True)
            for oddity in trial.oddities:
                print(f"  oddity: {oddity}", flush=True)
            if trial.oddities and not failed:
                print(f"  files: {trial.dir}", flush=True)
            if failed:
                for problem in problems[:40]:
                    print(f"  {problem}", flush=True)
                print(f"  files: {trial.dir}", flush=True)
                print(f"  replay: scripts/multiprocess_trials.py --seed {seed} --trials 1 --keep"
                      + (f" --bin {binary}" if options.bin else ""), flush=True)
                failures.append(seed)
    finally:
        if cluster.owned:
            if options.keep:
                print(f"cluster kept running: {cluster.url}; stop it with scripts/postgres.sh stop {cluster.pg_dir}")
            else:
                cluster.stop()
    elapsed = time.monotonic() - began
    print(f"summary: {options.trials} trials, {options.trials - len(failures)} OK, {len(failures)} FAIL; "
          f"{totals['steps']} steps, {totals['syncs']} syncs, {totals['faults']} faults injected, "
          f"{totals['failed_fault']} syncs failed during faults, long-polls woken {totals['woken']}/{totals['longpolls']} "
          f"({totals['late']} more inconclusive: the other push landed after the wait ran out), "
          f"{totals['oddities']} oddities; {elapsed:.0f} s", flush=True)
    if failures:
        print(f"failed seeds: {' '.join(map(str, failures))}; replay one with "
              f"scripts/multiprocess_trials.py --seed S --trials 1 --keep", flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
