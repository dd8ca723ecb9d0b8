"""Load test of /api/ask on this machine: CLIENTS concurrent clients each ask QUESTIONS questions
(50 x 20 by default) and the run reports errors and latency percentiles. Bounded: a fixed number
of requests, a deadline, loopback addresses only. By default it starts its own server (rate limit
off, a temporary data folder) on a free 127.0.0.1 port and stops it afterwards.

    python benchmarks/loadtest.py                       # and update docs/benchmarks.md
    python benchmarks/loadtest.py --url http://127.0.0.1:7860 --no-write
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import numpy as np
from helpers import free_port, git_commit, write_section

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- loadtest:begin -->", "<!-- loadtest:end -->"
CONTRACT = {"id", "question", "status", "message", "excerpts", "ranking"}
# What patients ask: mostly in scope, some off-topic, a follow-up, an emergency.
QUESTIONS = [
    ("Does Botox help neck pain?", None),
    ("Is coffee bad for migraines?", None),
    ("What are the signs of a cluster headache?", None),
    ("Can magnesium prevent migraines?", None),
    ("How much sleep do I need to avoid headaches?", None),
    ("Does the weather trigger migraines?", None),
    ("What happens at my first visit?", None),
    ("Are CGRP medicines safe?", None),
    ("Can children get migraines?", None),
    ("Is it safe to take migraine medicine while pregnant?", None),
    ("What is medication overuse headache?", None),
    ("Does acupuncture work for headaches?", None),
    ("what about side effects?", "Does Botox help with chronic migraine?"),
    ("How long does it last?", "What is a nerve block for headaches?"),
    ("How do I file my taxes?", None),
    ("Who won the football game last night?", None),
    ("Write me a poem about cats", None),
    ("What is the capital of France?", None),
    ("Sudden worst headache of my life, like a thunderclap", None),
    ("Does exercise help with migraine?", None),
]


def loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def start_server(index: str | None, workdir: Path) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "ASKCLINIC_RATE_LIMIT": "0", "ASKCLINIC_DATA": str(workdir / "data")}
    cli = [sys.executable, "-m", "askclinic.cli"]
    if index is None:
        current = ROOT / "index" / "current"
        if current.exists():
            index = str(ROOT / "index")
        else:
            index = str(workdir / "index")
            print("building an index of the sample articles...", file=sys.stderr)
            subprocess.run(
                cli + ["index", str(ROOT / "articles"), "--index", index],
                env=env,
                check=True,
                capture_output=True,
            )
    port = free_port()
    proc = subprocess.Popen(
        cli + ["serve", "--host", "127.0.0.1", "--port", str(port), "--index", index],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 180
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit("the server stopped: " + proc.stderr.read().decode(errors="replace")[-2000:])
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.terminate()
    raise SystemExit("the server did not answer /healthz within 180 s")


async def client(n: int, url: str, count: int, http: httpx.AsyncClient, results: list) -> None:
    for i in range(count):
        q, context = QUESTIONS[(n + i) % len(QUESTIONS)]
        params = {"q": q, **({"context": context} if context else {})}
        started = time.perf_counter()
        try:
            r = await http.get(url + "/api/ask", params=params)
            ms = (time.perf_counter() - started) * 1000
            body = r.json() if r.status_code == 200 else None
            if r.status_code != 200:
                results.append((ms, f"HTTP {r.status_code}", None))
            elif not CONTRACT <= set(body) or not body["id"]:
                results.append((ms, "answer without the JSON contract or an id", None))
            else:
                results.append((ms, None, body["status"]))
        except (httpx.HTTPError, ValueError) as e:
            results.append(((time.perf_counter() - started) * 1000, type(e).__name__, None))


async def run(url: str, clients: int, questions: int, deadline: float) -> tuple[list, float]:
    results: list = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=120, limits=limits) as http:
        await http.get(url + "/api/ask", params={"q": "warm up"})
        started = time.perf_counter()
        tasks = [asyncio.create_task(client(n, url, questions, http, results)) for n in range(clients)]
        done, pending = await asyncio.wait(tasks, timeout=deadline)
        for t in pending:
            t.cancel()
        elapsed = time.perf_counter() - started
    missing = clients * questions - len(results)
    results += [(0.0, "not sent before the deadline", None)] * missing
    return results, elapsed


def report(results: list, elapsed: float, clients: int, questions: int, own: bool, load_before: float) -> str:
    ok = [ms for ms, err, _ in results if err is None]
    p50, p95, p99 = np.percentile(ok, [50, 95, 99]) if ok else (0.0, 0.0, 0.0)
    errors: dict[str, int] = {}
    statuses: dict[str, int] = {}
    for _, err, status in results:
        if err:
            errors[err] = errors.get(err, 0) + 1
        else:
            statuses[status] = statuses.get(status, 0) + 1
    commit = git_commit()
    lines = [
        f"## Load test: {clients} concurrent clients × {questions} questions on /api/ask",
        "",
        f"Run {time.strftime('%Y-%m-%d')} at commit {commit} on {os.cpu_count()} CPU cores "
        f"({platform.machine()}, Python {platform.python_version()}), client and server on the same "
        f"machine over loopback{' (server started by the script, rate limit off)' if own else ''}; "
        f"1-minute load average {load_before:.1f} before the run (other work on the machine). "
        f"Command: `python benchmarks/loadtest.py`.",
        "",
        "| requests | errors | throughput | p50 | p95 | p99 | max |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {len(results):,} | {sum(errors.values()):,} | {len(ok) / elapsed:.1f} req/s | "
        f"{p50:.0f} ms | {p95:.0f} ms | {p99:.0f} ms | "
        f"{max(ok, default=0):.0f} ms |",
        "",
        "Answers: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(statuses.items()))
        + ". "
        + ("Errors: " + ", ".join(f"{k}: {v:,}" for k, v in errors.items()) + "." if errors else "No errors.")
        + " Latency is the whole request as a client sees it, queueing included: with "
        f"{clients} clients asking back to back, most of it is waiting in line. Each answered "
        "question costs a few hundred milliseconds of CPU (embedding the question and the "
        "excerpt sentences scored for highlights), so throughput, not the web layer, sets it.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--questions", type=int, default=20, help="questions per client")
    p.add_argument("--url", help="a running server on this machine (loopback only); default: start one")
    p.add_argument("--index", help="index for the server it starts (default ./index, else the samples)")
    p.add_argument(
        "--deadline", type=float, default=900, help="seconds before unsent requests count as errors"
    )
    p.add_argument("--no-write", action="store_true", help=f"do not update {DOC.relative_to(ROOT)}")
    args = p.parse_args(argv)
    if not (1 <= args.clients <= 200 and 1 <= args.questions <= 100):
        p.error("--clients is 1-200 and --questions 1-100 (a bounded test)")
    if args.url and not loopback(args.url):
        p.error("--url must be a loopback address (127.0.0.0/8, ::1 or localhost)")

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="askclinic-load-") as tmp:
        proc, url = (None, args.url.rstrip("/")) if args.url else start_server(args.index, Path(tmp))
        try:
            results, elapsed = asyncio.run(run(url, args.clients, args.questions, args.deadline))
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(30)
    text = report(results, elapsed, args.clients, args.questions, proc is not None, load_before)
    print(text)
    if not args.no_write:
        write_section(DOC, BEGIN, END, text)
        print(f"\nwritten to {DOC.relative_to(ROOT)}", file=sys.stderr)
    return 1 if any(err for _, err, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main())
