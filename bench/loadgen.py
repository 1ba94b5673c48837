"""A load generator for the HTTP benchmarks, run as its own process (loopback only).

Sends ``--count`` signed 1111 submissions (one new case each, RFC 9421 as an agency signs
them) to ``--url`` with ``--concurrency`` requests in flight, after ``--warmup`` requests
that are not measured, and prints one JSON summary: requests, answers by status, seconds,
throughput, latency percentiles and when (Unix time) the measured requests began. Every request is built and signed before the clock
starts, so the client's CPU during the run is only aiohttp's. The run stops at
``--max-seconds`` whatever is left (bounded in count and time).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from common import SENDER, percentile, pmo_message

from saphan.auth import sign_request
from saphan.ledger.keys import read_private_key


def prepared(
    url: str, key: Path, start: int, count: int, target: str
) -> list[tuple[bytes, dict[str, str]]]:
    private = read_private_key(key)
    target_url = f"{url.rstrip('/')}/v1/inbound/pmo1111"
    now = datetime.now(UTC)
    out = []
    for number in range(start, start + count):
        body = pmo_message(number, target)
        headers = {"Content-Type": "application/json"}
        headers.update(sign_request("POST", target_url, headers, body, private, SENDER, now))
        out.append((body, headers))
    return out


async def run(
    url: str, requests: list[tuple[bytes, dict[str, str]]], concurrency: int, max_seconds: float
) -> tuple[list[float], Counter[int], float]:
    target_url = f"{url.rstrip('/')}/v1/inbound/pmo1111"
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    queue = iter(requests)
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    started = time.perf_counter()
    deadline = started + max_seconds
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def worker() -> None:
            for body, headers in queue:
                if time.perf_counter() > deadline:
                    return
                sent = time.perf_counter()
                try:
                    async with session.post(target_url, data=body, headers=headers) as resp:
                        await resp.read()
                        statuses[resp.status] += 1
                except (aiohttp.ClientError, TimeoutError):
                    statuses[0] += 1
                    continue
                latencies.append(time.perf_counter() - sent)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, statuses, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", type=Path, required=True, help="the sender's PEM key")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--start", type=int, default=0, help="first ticket number")
    parser.add_argument("--warmup", type=int, default=0)
    parser.add_argument("--max-seconds", type=float, default=60)
    parser.add_argument("--target", default="DOL")
    args = parser.parse_args()

    total = args.warmup + args.count
    requests = prepared(args.url, args.key, args.start, total, args.target)
    if args.warmup:
        asyncio.run(run(args.url, requests[: args.warmup], args.concurrency, args.max_seconds))
    measured_from = time.time()
    latencies, statuses, seconds = asyncio.run(
        run(args.url, requests[args.warmup :], args.concurrency, args.max_seconds)
    )
    done = len(latencies)
    print(
        json.dumps(
            {
                "requests": done,
                "statuses": {str(k): v for k, v in sorted(statuses.items())},
                "seconds": round(seconds, 4),
                "per_s": round(done / seconds, 2) if seconds else 0.0,
                "p50_ms": round(percentile(latencies, 50) * 1e3, 3),
                "p99_ms": round(percentile(latencies, 99) * 1e3, 3),
                "concurrency": args.concurrency,
                "started_number": args.start,
                "measured_from": measured_from,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
