"""Uses a gateway with the official Python SDK's `Client`, and prints what it saw as one JSON
object per protocol revision, for tests/tests/mcp_clients.rs to check (there, the server is
ours, serving the tools of another server): calls `count` (to 3) listening to its progress, and
`sleep` (30 s), which it stops waiting for after 0.5 s.

    python gateway.py http http://127.0.0.1:PORT/mcp REVISION...
"""

import sys

import anyio

from drive import drive, text


async def scenario(client):
    reports = []

    async def on_progress(progress, total, message):
        reports.append([progress, total, message])

    counted = await client.call_tool("count", {"n": 3}, progress_callback=on_progress)
    seen = {"text": text(counted), "isError": counted.is_error, "progress": reports}
    with anyio.move_on_after(0.5) as waited:
        await client.call_tool("sleep", {"seconds": 30})
    seen["sleepCancelled"] = waited.cancelled_caught
    return seen


anyio.run(drive, scenario, sys.argv[1], sys.argv[2], sys.argv[3:])
