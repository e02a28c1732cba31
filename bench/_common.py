"""What the HTTP read benchmarks share (``api_reads.py``, ``storefront.py``): the seed subprocess, ``mallops
serve`` on the embedded default in a throwaway ``MALLOPS_DATA_DIR``, one ``wrk`` run per path with the
server's CPU per request, and the load average. Each bench keeps its own seed, plan and printed lines.

Not a benchmark itself: ``run_all.py`` skips modules whose name starts with ``_``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable

WRK_LUA = r"""
function done(summary, latency, requests)
  local counts, parts = {}, {}
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout))
end
"""


def load_arguments(description: str, argv: list[str], unit: str) -> argparse.ArgumentParser:
    """The options every HTTP bench takes (``--quick``, ``--seconds``, ``--connections``, ``--wrk-threads``)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help=f"3 s per {unit}")
    parser.add_argument("--seconds", type=int, default=10, help=f"wrk -d per {unit}")
    parser.add_argument("--connections", type=int, default=64, help="keep-alive connections (wrk -c)")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk -t")
    return parser


def drive(
    wrk: str, url: str, headers: list[str], args: argparse.Namespace, script: Path
) -> dict[str, object]:
    """One path: ``wrk`` with keep-alive connections for ``args.seconds``."""
    command = [wrk, "-t", str(args.wrk_threads), "-c", str(args.connections), "-d", f"{args.seconds}s"]
    command += ["--timeout", "30s", "-s", str(script)]
    for header in headers:
        command += ["-H", header]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, check=False, timeout=args.seconds + 60
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("WRKJSON ")]
    if not lines:
        raise RuntimeError(f"wrk gave no result:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    data = json.loads(lines[-1][len("WRKJSON ") :])
    seconds = max(1e-6, data["duration_us"] / 1e6)
    return {
        "rps": round(data["requests"] / seconds, 1),
        "p50_ms": round(data["p50_us"] / 1000, 1),
        "p99_ms": round(data["p99_us"] / 1000, 1),
        "max_ms": round(data["max_us"] / 1000, 1),
        "requests": data["requests"],
        "non_2xx": data["errors"]["status"],
        "socket_errors": {k: v for k, v in data["errors"].items() if v and k != "status"},
    }


def probe(url: str, headers: dict[str, str]) -> tuple[int, int]:
    """Status and body size of one request (a bench refuses to time a path that fails)."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url)
    for name, value in headers.items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status), len(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), len(error.read())


def wait_http(port: int, proc: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("mallops serve exited")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the app did not come up")


def cpu_seconds(root: int) -> float:
    """CPU seconds used so far by ``root`` and its descendants (the server: steadier than wall time on
    a shared machine)."""
    tick = os.sysconf("SC_CLK_TCK")
    table: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        table[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    found, grew = {root}, True
    while grew:
        grew = False
        for pid, (ppid, _) in table.items():
            if ppid in found and pid not in found:
                found.add(pid)
                grew = True
    return sum(table[p][1] for p in found if p in table)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


@dataclass
class Server:
    """A running ``mallops serve`` and what a bench needs to drive it."""

    port: int
    process: subprocess.Popen[bytes]
    wrk: str
    script: Path
    seed: dict[str, str]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def time(self, path: str, headers: dict[str, str], args: argparse.Namespace) -> dict[str, object]:
        """Probe ``path`` (must answer 200), then drive it; adds ``bytes`` and ``server_cpu_ms``."""
        status, size = probe(self.url(path), headers)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        cpu = cpu_seconds(self.process.pid)
        row = drive(self.wrk, self.url(path), [f"{k}: {v}" for k, v in headers.items()], args, self.script)
        cpu = cpu_seconds(self.process.pid) - cpu
        row["bytes"] = size
        row["server_cpu_ms"] = round(cpu * 1000 / max(1, int(str(row["requests"]))), 2)
        return row


@contextmanager
def served(bench_file: str) -> Iterator[Server]:
    """Seed a fresh embedded-default database by running ``bench_file _prepare`` (which prints its
    seed's JSON last), then start ``mallops serve`` on a free port (granian, its defaults) and
    stop it when the block ends. The throwaway data directory goes with it."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import servers

    wrk = servers.wrk()
    if wrk is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "LOG_LEVEL")}
    with tempfile.TemporaryDirectory() as data_dir:
        python_path = os.pathsep.join(p for p in (str(ROOT / "src"), base.get("PYTHONPATH", "")) if p)
        env = {**base, "MALLOPS_DATA_DIR": data_dir, "PYTHONPATH": python_path}
        started = time.monotonic()
        seeded = subprocess.run(
            [PYTHON, bench_file, "_prepare"], env=env, capture_output=True, text=True, check=False, cwd=ROOT
        )
        if seeded.returncode != 0:
            raise RuntimeError(f"seeding failed:\n{seeded.stderr[-3000:]}")
        seed: dict[str, str] = json.loads(seeded.stdout.strip().splitlines()[-1])
        print(f"seeded in {time.monotonic() - started:.1f} s", flush=True)
        port = servers.free_port()
        script = Path(data_dir) / "bench.lua"
        script.write_text(WRK_LUA)
        with open(Path(data_dir) / "serve.log", "wb") as log:
            serve = subprocess.Popen(
                [PYTHON, "-m", "mallops", "serve", "--port", str(port)],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                wait_http(port, serve)
                print(f"load average before: {load()}", flush=True)
                yield Server(port=port, process=serve, wrk=wrk, script=script, seed=seed)
            finally:
                serve.send_signal(signal.SIGTERM)
                try:
                    serve.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    serve.kill()
                    serve.wait()
    print(f"load average after: {load()} (2 cores: figures are comparable only at similar load)")


def prepare_or_none(argv: list[str], prepare: Callable[[], dict[str, str]]) -> int | None:
    """The seed subprocess's entry: with ``_prepare`` first, print ``prepare()`` as JSON and return 0."""
    if argv and argv[0] == "_prepare":
        print(json.dumps(prepare()))
        return 0
    return None
