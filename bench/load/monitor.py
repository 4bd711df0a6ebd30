"""Samples, every 2 seconds while Locust runs: the load average, and the CPU seconds of the docflow processes
(the pids given), of nginx, and of the PostgreSQL backends serving the load database (pg_stat_activity), plus
how many connections that database has and the statements its active backends run at that moment (a
sampling view of the slowest statements: the server does not preload pg_stat_statements, and restarting the
shared server to load it was not an option). One JSON line per sample, to bench/load/report.py.

    python -m bench.load.monitor OUT.jsonl PID [PID …]      (stops when killed)
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.load import paths

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK   # utime + stime


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def main() -> int:
    out, pids = Path(sys.argv[1]), [int(p) for p in sys.argv[2:]]
    engine = create_engine(paths.DB_URL, pool_size=1)
    seen_pg: dict[int, float] = {}     # backends that ended keep their last CPU figure
    with out.open("a", encoding="utf-8") as f:
        while True:
            with engine.connect() as conn:
                rows = conn.execute(text("SELECT pid, state, left(regexp_replace(query, '\\s+', ' ', 'g'), 200) "
                                         "FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"),
                                    {"d": paths.DB_NAME}).all()
            for pid, _state, _query in rows:
                seen_pg[pid] = cpu_seconds(pid) or seen_pg.get(pid, 0.0)
            app = sum(cpu_seconds(p) + sum(cpu_seconds(c) for c in children(p)) for p in pids)
            f.write(json.dumps({"t": time.time(), "load1": os.getloadavg()[0], "app_cpu": app,
                                "pg_cpu": sum(seen_pg.values()), "connections": len(rows),
                                "active": sum(1 for _p, s, _q in rows if s == "active"),
                                "queries": [q for _p, s, q in rows if s == "active"]}) + "\n")
            f.flush()
            time.sleep(2)


if __name__ == "__main__":
    sys.exit(main())
