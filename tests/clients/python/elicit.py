"""Drives `mcp_test_server --approval` with the official Python SDK (`mcp` 2.x `Client`), whose
elicitation callback answers the server's approval forms, and prints what it saw as one JSON
object per protocol revision, for tests/tests/mcp_clients.rs to check.

    python elicit.py stdio /path/to/server REVISION...
    python elicit.py http http://127.0.0.1:PORT/mcp REVISION...

2026-07-28 is negotiated by the client's default mode ("auto"), where the server answers
`input_required` and the client retries with the user's answer; for the revisions of the
initialize handshake, the client's "legacy" mode is used, where the server sends
`elicitation/create`.
"""

import json
import sys

import anyio
import mcp.client.session
import mcp_types as types
from mcp import Client, StdioServerParameters

MODERN = "2026-07-28"

# What the user answers to each form, in order.
ANSWERS = [
    ("yes", types.ElicitResult(action="accept", content={"approve": True})),
    ("no", types.ElicitResult(action="accept", content={"approve": False})),
    ("decline", types.ElicitResult(action="decline")),
    ("cancel", types.ElicitResult(action="cancel")),
]


def text(result):
    return "\n".join(block.text for block in result.content if block.type == "text")


def options(revision):
    if revision == MODERN:
        return {}
    # The version the legacy handshake offers.
    mcp.client.session.LATEST_HANDSHAKE_VERSION = revision
    return {"mode": "legacy"}


def server(transport, target):
    if transport == "stdio":
        return StdioServerParameters(command=target, args=["--approval"])
    return target


async def with_a_user(transport, target, revision):
    """A client that can show forms: each call of `delete_note` is answered by the next answer."""
    seen = {"forms": [], "calls": {}}
    pending = []

    async def elicitation(context, params):
        seen["forms"].append({"message": params.message, "schema": params.requested_schema})
        return pending.pop(0)

    client = Client(server(transport, target), elicitation_callback=elicitation, **options(revision))
    async with client:
        seen["protocolVersion"] = client.protocol_version
        before = int(text(await client.call_tool("notes_deleted", {})))
        for label, answer in ANSWERS:
            pending.append(answer)
            result = await client.call_tool("delete_note", {"name": f"note-{label}"})
            seen["calls"][label] = {"text": text(result), "isError": result.is_error}
        # A read-only tool is not asked about.
        seen["add"] = text(await client.call_tool("add", {"a": 2, "b": 3}))
        after = int(text(await client.call_tool("notes_deleted", {})))
        seen["deleted"] = after - before
    return seen


async def without_forms(transport, target, revision):
    """A client without the elicitation capability: the server's fallback applies."""
    async with Client(server(transport, target), **options(revision)) as client:
        result = await client.call_tool("delete_note", {"name": "note-unasked"})
        return {"text": text(result), "isError": result.is_error}


async def main():
    transport, target, *revisions = sys.argv[1:]
    for revision in revisions:
        try:
            seen = await with_a_user(transport, target, revision)
            seen["withoutForms"] = await without_forms(transport, target, revision)
        except Exception as error:  # reported to the test, which shows it
            seen = {"failure": f"{type(error).__name__}: {error}"}
        seen["revision"] = revision
        print(json.dumps(seen), flush=True)


anyio.run(main)
