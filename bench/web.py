"""Benchmark: the web app on a 1,000,000-record ledger, 50 concurrent users browsing and opening records.

Builds (or reuses, --db) a SQLite database with one person ledger of --rows records spread over the
villages of the Yongchuan demo tree, starts `uvicorn` (--workers, default 2) on 127.0.0.1, logs 50
users in (town, village, department and admin accounts), then drives a bounded number of requests
from a separate process: each user opens its ledger page filtered by an org unit in its scope
(50 rows a page), follows "next page" now and then, and opens records from the page.

Reports throughput and p50/p95/p99 latency per request kind. Targets (2 cores): p95 <= 200 ms for a
ledger page, >= 200 requests/s, no errors. Usage:
    python bench/web.py [--db FILE] [--rows 1000000] [--requests 6000] [--users 50] [--workers 2]
Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, emit, machine

LEDGER = "bench_person"
PASSWORD = "bench-password-1"
TOWN = "500118103000"  # 临江镇
ROW_LINK = re.compile(rf'href="/ledgers/{LEDGER}/records/(\d+)"')
NEXT_LINK = re.compile(r'href="(\?[^"]*cursor=[^"]+)">[^<]*›')


# --- building the database ----------------------------------------------------------------------

def _id_number(i: int) -> tuple[str, date]:
    born = date(1940, 1, 1) + timedelta(days=i % 23_000)
    body = f"500118{born:%Y%m%d}{i // 23_000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11], born


def build(db: Path, rows: int) -> dict:
    from sqlalchemy import select

    from yibiaotong.access.grants import set_grant
    from yibiaotong.access.users import create_user
    from yibiaotong.ledgers import LedgerDef, LedgerStore, Source
    from yibiaotong.ledgers.store import PreparedRecord
    from yibiaotong.setup import init_database
    from yibiaotong.store.schema import org_unit

    started = time.perf_counter()
    engine, _ = init_database(db, "yongchuan")
    with engine.connect() as conn:
        units = conn.execute(select(org_unit.c.code, org_unit.c.kind, org_unit.c.parent_code)).all()
    villages = sorted(u.code for u in units if u.kind in ("village", "community"))
    if not villages:  # an older demo tree without villages: spread over towns
        villages = sorted(u.code for u in units if u.parent_code)
    store = LedgerStore(engine)
    store.create_ledger(LedgerDef.from_dict({
        "id": LEDGER, "name": "人员基本信息台账（压测）", "subject": "person", "key": ["id_number"],
        "columns": ["id_number", "person_name", "gender", "birth_date", "ethnicity", "phone", "marital_status",
                    "address_current"]}))
    rng = random.Random(7)
    surnames, given = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何高林罗", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
    batch = 20_000
    for start in range(0, rows, batch):
        records = []
        for i in range(start, min(rows, start + batch)):
            number, born = _id_number(i)
            unit = villages[rng.randrange(len(villages))]
            records.append(PreparedRecord(number, unit, {
                "id_number": number, "person_name": rng.choice(surnames) + rng.choice(given) + rng.choice(given),
                "gender": rng.choice("12"), "birth_date": born, "ethnicity": "01", "phone": f"13{rng.randrange(10**9):09d}",
                "marital_status": rng.choice(["10", "20", "30", "40"]), "address_current": f"{unit}号院{i % 97}栋"}))
        store.write(LEDGER, records, source=Source(kind="file", file_name="bench.xlsx", sheet="Sheet1"))
        print(f"  {min(rows, start + batch):,} records", file=sys.stderr, flush=True)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    accounts = {"admin": ("admin", None, None), "minzheng": ("department", "500118000000", "民政局"),
                "town": ("town", TOWN, None)}
    village_of_town = [v for v in villages if v.startswith(TOWN[:9])] or villages
    accounts["village"] = ("village", village_of_town[0], None)
    for name, (role, unit, department) in accounts.items():
        create_user(engine, f"bench_{name}", PASSWORD, display_name=name, role=role, org_unit=unit,
                    department=department, replace=True)
    set_grant(engine, "民政局", LEDGER, columns=["id_number", "person_name", "gender", "birth_date", "phone"])
    engine.dispose()
    return {"build_seconds": round(time.perf_counter() - started, 1), "villages": len(villages)}


# --- the server -----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int, workers: int, access_log: bool) -> subprocess.Popen:
    env = {**os.environ, "YBT_DATABASE_URL": f"sqlite:///{db.resolve()}", "YBT_SECRET_KEY": "bench-secret-key"}
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "yibiaotong.web.app:create_app", "--host", "127.0.0.1",
           "--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    if not access_log:
        cmd.append("--no-access-log")
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    sys.exit("the server did not start")


def server_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of the uvicorn master and its workers so far, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, IndexError, ValueError):
            pass
    return total


# --- the load driver (run in its own process) ------------------------------------------------------

class Connection:
    """A minimal keep-alive HTTP/1.1 client: the driver must cost the 2 cores as little as possible."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None
        self.cookie = ""

    async def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None) -> tuple[int, str]:
        reused = self.writer is not None
        try:
            return await self._request(method, path, body, headers)
        except (ConnectionError, IndexError, asyncio.IncompleteReadError):
            if not reused:
                raise
            # the server closed an idle keep-alive connection (uvicorn: after 5 s): reconnect once
            self.reader = self.writer = None
            return await self._request(method, path, body, headers)

    async def _request(self, method: str, path: str, body: bytes, headers: dict | None) -> tuple[int, str]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
        if self.cookie:
            lines.append(f"Cookie: {self.cookie}")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length, close = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name = name.lower()
            if name == "content-length":
                length = int(value)
            elif name == "set-cookie" and value.strip().startswith("ybt_session="):
                self.cookie = value.strip().split(";", 1)[0]
            elif name == "connection" and "close" in value.lower():
                close = True
        data = await self.reader.readexactly(length) if length else b""
        if close:
            self.writer.close()
            self.reader = self.writer = None
        return status, data.decode("utf-8", "replace")


async def login(port: int, user: str) -> Connection:
    c = Connection(port)
    _, page = await c.request("GET", "/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": user, "password": PASSWORD, "csrf": csrf, "next": "/"}).encode()
    status, _ = await c.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
    if status != 303:
        raise SystemExit(f"login of {user} failed: {status}")
    return c


async def drive(port: int, users: int, total: int, units: dict[str, list[str]], seed: int, ready=None) -> dict:
    rng = random.Random(seed)
    # who the 50 users are: mostly grassroots clerks, some department and bureau staff
    roles = (["town"] * 20 + ["village"] * 20 + ["minzheng"] * 6 + ["admin"] * 4)[:users]
    roles += ["town"] * (users - len(roles))
    conns = []
    for i in range(0, len(roles), 10):  # logins are argon2-slow on purpose: log in 10 at a time
        conns += await asyncio.gather(*(login(port, f"bench_{r}") for r in roles[i:i + 10]))
    if ready is not None:
        ready()
    samples: dict[str, list[float]] = {"ledger_page": [], "next_page": [], "record": []}
    errors: list[str] = []
    remaining = [total]

    async def user(conn: Connection, role: str) -> None:
        choices = units[role]
        ids, next_link = [], None
        while remaining[0] > 0:
            remaining[0] -= 1
            r = rng.random()
            if ids and r < 0.4:
                kind, path = "record", f"/ledgers/{LEDGER}/records/{rng.choice(ids)}"
            elif next_link and r < 0.55:
                kind, path = "next_page", f"/ledgers/{LEDGER}" + next_link.replace("&amp;", "&")
            else:
                unit = rng.choice(choices)
                kind, path = "ledger_page", f"/ledgers/{LEDGER}" + (f"?org_unit={unit}" if unit else "")
            t0 = time.perf_counter()
            try:
                status, body = await conn.request("GET", path)
            except Exception as exc:  # a dropped connection is an error, and the user reconnects
                errors.append(f"{kind}: {exc.__class__.__name__}")
                conn.reader = conn.writer = None
                continue
            samples[kind].append(time.perf_counter() - t0)
            if status != 200:
                errors.append(f"{kind} {status} {path}")
                continue
            if kind != "record":
                found = ROW_LINK.findall(body)
                if found:
                    ids = found
                m = NEXT_LINK.search(body)
                next_link = m.group(1) if m else None

    started = time.perf_counter()
    await asyncio.gather(*(user(c, r) for c, r in zip(conns, roles)))
    elapsed = time.perf_counter() - started
    done = sum(len(v) for v in samples.values())

    def pct(values: list[float], p: float) -> float:
        if not values:
            return 0.0
        values = sorted(values)
        return round(values[min(len(values) - 1, int(p / 100 * len(values)))] * 1000, 1)

    out = {"requests": done, "seconds": round(elapsed, 2), "throughput_rps": round(done / elapsed, 1),
           "errors": len(errors), "error_examples": errors[:5]}
    everything = [x for v in samples.values() for x in v]
    for kind, values in {**samples, "all": everything}.items():
        out[kind] = {"n": len(values), "p50_ms": pct(values, 50), "p95_ms": pct(values, 95), "p99_ms": pct(values, 99)}
    return out


def scope_units(db: Path) -> dict[str, list[str]]:
    """Org units each kind of user filters by: its own unit and units below (town: its villages)."""
    from sqlalchemy import select

    from yibiaotong.store.engine import connect
    from yibiaotong.store.schema import org_unit, user

    engine = connect(db)
    with engine.connect() as conn:
        paths = dict(conn.execute(select(org_unit.c.code, org_unit.c.path)).all())
        homes = dict(conn.execute(select(user.c.name, user.c.org_unit).where(user.c.name.like("bench_%"))).all())
    engine.dispose()
    below = {name: sorted(c for c, p in paths.items() if p.startswith(paths[home])) for name, home in homes.items() if home}
    towns = [c for c, p in paths.items() if p.count("/") == 3]
    return {"town": below["bench_town"], "village": below["bench_village"],
            "minzheng": [None, *towns], "admin": [None, *towns]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, help="reuse this database (built here when it does not exist)")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--requests", type=int, default=6000)
    ap.add_argument("--warmup", type=int, default=500)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--access-log", action="store_true", help="keep uvicorn's (redacted) access log on")
    ap.add_argument("--drive", type=str, help=argparse.SUPPRESS)  # internal: port,users,total,db of the driver
    args = ap.parse_args()
    if args.drive:
        import json

        port, users, total, warmup, db = args.drive.split(",", 4)
        units = scope_units(Path(db))
        asyncio.run(drive(int(port), int(users), int(warmup), units, seed=1))  # warm caches, counts, pages

        def ready() -> None:  # logged in and warm: the parent starts counting the server's CPU now
            print("READY", flush=True)
            sys.stdin.readline()

        print(json.dumps(asyncio.run(drive(int(port), int(users), int(total), units, seed=2, ready=ready)),
                         ensure_ascii=False))
        return
    info = {}
    db = args.db or ROOT / "bench" / "out" / f"web-{args.rows}.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    if not db.exists():
        print(f"building {db} with {args.rows:,} records …", file=sys.stderr)
        info = build(db, args.rows)
    port = free_port()
    server = start_server(db, port, args.workers, args.access_log)
    try:
        # the driver is its own process, so that it does not share the server's interpreter
        driver = subprocess.Popen([sys.executable, __file__, "--drive",
                                   f"{port},{args.users},{args.requests},{args.warmup},{db}"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        while (line := driver.stdout.readline()) and line.strip() != "READY":
            pass
        cpu_before = server_cpu_seconds(server.pid)
        driver.stdin.write("GO\n")
        driver.stdin.flush()
        output = driver.stdout.read()
        server_cpu = server_cpu_seconds(server.pid) - cpu_before
        if driver.wait() != 0:
            sys.exit("the driver failed")
    finally:
        server.terminate()
        server.wait(10)
    import json

    result = json.loads(output.strip().splitlines()[-1])
    page = result["ledger_page"]
    # CPU per request does not depend on what else runs on the machine: it tells the capacity of 2 free cores
    info["server_cpu_ms_per_request"] = round(server_cpu / result["requests"] * 1000, 2)
    info["capacity_rps_on_2_free_cores"] = round(2000 / info["server_cpu_ms_per_request"])
    emit({"benchmark": "web", "machine": machine(), "load_average_1m": round(os.getloadavg()[0], 2), "rows": args.rows, "users": args.users, "workers": args.workers,
          **info, **result,
          "targets_met": {"ledger_page_p95_le_200ms": page["p95_ms"] <= 200,
                          "throughput_ge_200rps": result["throughput_rps"] >= 200, "zero_errors": result["errors"] == 0}})


if __name__ == "__main__":
    main()
