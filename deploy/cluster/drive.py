"""Drives MCP calls through one URL with the official Python SDK (`mcp` 2.x `Client`, default
mode) and prints one JSON object: how many calls were answered or failed, latencies, wall time.

    python drive.py URL CALLS CONCURRENCY RUN_ID [KILL_PID KILL_AFTER]

The calls are the mix of deploy/cluster/calls.py. With KILL_PID, the process KILL_PID gets
SIGKILL once KILL_AFTER calls have finished: a replica dying in the middle of the load.
"""

import json
import os
import signal
import sys
import time

import anyio
from mcp import Client

sys.path.insert(0, os.path.dirname(__file__))
from calls import call_of, summary  # noqa: E402


async def main():
    url, calls, concurrency, run_id, *kill = sys.argv[1:]
    calls, concurrency = int(calls), int(concurrency)
    kill_pid, kill_after = (int(kill[0]), int(kill[1])) if kill else (None, None)
    outcomes = []  # (kind, seconds)
    next_call = 0
    finished = 0

    def record(kind, start):
        nonlocal finished, kill_pid
        outcomes.append((kind, time.perf_counter() - start))
        finished += 1
        if kill_pid is not None and finished >= kill_after:
            os.kill(kill_pid, signal.SIGKILL)
            kill_pid = None

    async def worker(client, in_flight):
        nonlocal next_call
        while next_call < calls:
            index = next_call
            next_call += 1
            name, arguments = call_of(run_id, index)
            start = in_flight[index] = time.perf_counter()
            try:
                result = await client.call_tool(name, arguments)
                kind = "error" if result.is_error else "answered"
            except Exception:  # the connection was lost: the SDK has no retry of its own
                kind = "failed"
            del in_flight[index]
            record(kind, start)

    # A few clients (connections), each with several calls in flight.
    clients = min(4, concurrency)
    start = time.perf_counter()
    async with anyio.create_task_group() as group:
        for c in range(clients):
            share = concurrency // clients + (1 if c < concurrency % clients else 0)

            async def run(share=share):
                # A lost connection can end the client itself, with the calls it carried:
                # those count as failed, and a new client takes the next calls.
                while next_call < calls:
                    in_flight = {}
                    try:
                        async with Client(url) as client:
                            async with anyio.create_task_group() as workers:
                                for _ in range(share):
                                    workers.start_soon(worker, client, in_flight)
                    except Exception:
                        pass
                    for start in in_flight.values():
                        record("failed", start)

            group.start_soon(run)
    wall = time.perf_counter() - start
    print(json.dumps(summary(outcomes, wall)), flush=True)


anyio.run(main)
