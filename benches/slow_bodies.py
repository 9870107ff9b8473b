"""Stalled request bodies from one address (#25): opens N connections that
each send a request head announcing a 262,000-byte JSON body, send 250 KB
of it and stall, while /healthz is timed on fresh connections every 20 ms
from another address (127.0.0.2: another client, not the attacker's own
share) and the server's RSS is read every 200 ms. Prints /healthz p50/p99/max,
the RSS growth, how each stalled connection ended (status, seconds until
the server closed it) and how many were still open at the end.

Usage: python3 benches/slow_bodies.py PORT SERVER_PID [N] [SECONDS]
(a release server with its default limits: HOITHI_RATE_LIMITS on).
"""
import asyncio
import resource
import statistics
import sys
import time

hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

PORT = int(sys.argv[1])
PID = sys.argv[2]
N = int(sys.argv[3]) if len(sys.argv) > 3 else 4000
SECONDS = float(sys.argv[4]) if len(sys.argv) > 4 else 60.0
LENGTH = 262_000
SENT = 250_000


def rss_mb():
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return 0.0


async def stalled(results):
    t0 = time.monotonic()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    except OSError:
        results.append(("connect-failed", 0.0))
        return
    head = (
        f"POST /api/v1/contests/dvc-2023/sessions HTTP/1.1\r\nHost: 127.0.0.1:{PORT}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {LENGTH}\r\n\r\n"
    ).encode()
    body = b'{"phone":"' + b"1" * (SENT - 10)
    status = "none"
    try:
        writer.write(head + body)
        await writer.drain()
    except (ConnectionError, OSError):
        pass
    try:
        first = await asyncio.wait_for(reader.readline(), SECONDS)
        if first:
            status = first.split()[1].decode() if len(first.split()) > 1 else "?"
        # Until the server closes the connection.
        while await asyncio.wait_for(reader.read(65536), SECONDS):
            pass
        results.append((status, time.monotonic() - t0))
    except asyncio.TimeoutError:
        results.append(("still-open", time.monotonic() - t0))
    except (ConnectionError, OSError):
        results.append((status if status != "none" else "reset", time.monotonic() - t0))
    finally:
        writer.close()


async def healthz(latencies, failures, stop):
    while not stop.is_set():
        t0 = time.monotonic()
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", PORT, local_addr=("127.0.0.2", 0)), 5
            )
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            await writer.drain()
            answer = await asyncio.wait_for(reader.read(), 5)
            writer.close()
            latencies.append(time.monotonic() - t0)
            if not answer.startswith(b"HTTP/1.1 200"):
                failures.append(answer[:12])
        except (asyncio.TimeoutError, OSError):
            latencies.append(5.0)
            failures.append(b"timeout")
        await asyncio.sleep(0.02)


async def memory(samples, stop):
    while not stop.is_set():
        samples.append(rss_mb())
        await asyncio.sleep(0.2)


async def main():
    start_rss = rss_mb()
    latencies, failures, samples, results = [], [], [], []
    stop = asyncio.Event()
    probes = [
        asyncio.create_task(healthz(latencies, failures, stop)),
        asyncio.create_task(memory(samples, stop)),
    ]
    t0 = time.monotonic()
    await asyncio.gather(*(stalled(results) for _ in range(N)))
    took = time.monotonic() - t0
    stop.set()
    await asyncio.gather(*probes)
    lat = sorted(latencies)
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
    by_status = {}
    for status, secs in results:
        by_status.setdefault(status, []).append(secs)
    print(f"{N} stalled connections from one address, all ended after {took:.1f} s")
    for status, secs in sorted(by_status.items()):
        print(
            f"  {status}: {len(secs)} connections, closed after median {statistics.median(secs):.1f} s, "
            f"max {max(secs):.1f} s"
        )
    print(
        f"/healthz: {len(lat)} probes, {len(failures)} not 200, p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, max {lat[-1] * 1000:.1f} ms"
    )
    print(
        f"RSS: start {start_rss:.0f} MB, max {max(samples):.0f} MB (growth {max(samples) - start_rss:.0f} MB), "
        f"end {rss_mb():.0f} MB"
    )


asyncio.run(main())
