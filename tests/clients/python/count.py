"""Calls `count` (to 3) with the official Python SDK's `Client`, listening to its progress, and
prints what it saw as one JSON object per protocol revision, for tests/tests/mcp_clients.rs to
check (there, the server is ours, serving the tools of another server).

    python count.py http http://127.0.0.1:PORT/mcp REVISION...
"""

import sys

import anyio

from drive import drive, text


async def count(client):
    reports = []

    async def on_progress(progress, total, message):
        reports.append([progress, total, message])

    counted = await client.call_tool("count", {"n": 3}, progress_callback=on_progress)
    return {"text": text(counted), "isError": counted.is_error, "progress": reports}


anyio.run(drive, count, sys.argv[1], sys.argv[2], sys.argv[3:])
