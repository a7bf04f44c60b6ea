"""Drives an MCP server with the official Python SDK (`mcp` 2.x `Client`) and prints what it saw
as one JSON object per protocol revision, for tests/tests/mcp_clients.rs to check.

    python drive.py stdio /path/to/server REVISION...
    python drive.py http http://127.0.0.1:PORT/mcp REVISION...

2026-07-28 is negotiated by the client's default mode ("auto"). For the revisions of the
initialize handshake, the client's "legacy" mode is used, with the version it offers set to the
revision asked for.
"""

import json
import sys

import anyio
import mcp.client.session
from mcp import Client, StdioServerParameters
from mcp.shared.exceptions import MCPError

MODERN = "2026-07-28"


def text(result):
    return "\n".join(block.text for block in result.content if block.type == "text")


async def scenario(client):
    seen = {"protocolVersion": client.protocol_version}
    listed = await client.list_tools()
    seen["tools"] = [tool.name for tool in listed.tools]

    added = await client.call_tool("add", {"a": 2, "b": 3})
    seen["add"] = {
        "text": text(added),
        "structured": added.structured_content,
        "isError": added.is_error,
    }

    failed = await client.call_tool("fail", {"message": "no such city"})
    seen["fail"] = {"text": text(failed), "isError": failed.is_error}

    cut = await client.call_tool("repeat", {"word": "word", "times": 25000})
    seen["repeat"] = {
        "isError": cut.is_error,
        "structured": cut.structured_content,
        "cut": "[output cut:" in text(cut),
    }

    try:
        await client.call_tool("ad", {})
        seen["unknown"] = "no error"
    except MCPError as error:
        seen["unknown"] = {"code": error.code, "message": error.message}

    reports = []

    async def on_progress(progress, total, message):
        reports.append([progress, total, message])

    counted = await client.call_tool("count_up", {"n": 3}, progress_callback=on_progress)
    seen["count_up"] = text(counted)
    seen["progress"] = reports

    before = int(text(await client.call_tool("cancellations", {})))
    with anyio.move_on_after(0.5):
        await client.call_tool("wait_for_cancel", {})
    after = before
    for _ in range(100):
        after = int(text(await client.call_tool("cancellations", {})))
        if after > before:
            break
        await anyio.sleep(0.05)
    seen["cancelled"] = after > before
    return seen


def client(transport, target, revision):
    """A client of the server at `target` (a command, or a URL), at `revision`."""
    if revision == MODERN:
        options = {}
    else:
        # The version the legacy handshake offers.
        mcp.client.session.LATEST_HANDSHAKE_VERSION = revision
        options = {"mode": "legacy"}
    server = StdioServerParameters(command=target, args=[]) if transport == "stdio" else target
    return Client(server, **options)


async def drive(scenario, transport, target, revisions):
    """Runs `scenario` with a client at each of `revisions`, printing what it saw."""
    for revision in revisions:
        try:
            async with client(transport, target, revision) as connected:
                seen = await scenario(connected)
        except Exception as error:  # reported to the test, which shows it
            seen = {"failure": f"{type(error).__name__}: {error}"}
        seen["revision"] = revision
        print(json.dumps(seen), flush=True)


if __name__ == "__main__":
    anyio.run(drive, scenario, sys.argv[1], sys.argv[2], sys.argv[3:])
