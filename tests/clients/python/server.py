"""An MCP server built with the official Python SDK (`MCPServer`), for the tests that drive our
client against it (tests/tests/mcp_clients.rs) and for the benchmark that times it beside ours
(benches/src/bin/mcp_latency.rs). Its tools: `add`, `fail` (always an error), `sleep` (which
writes "sleep cancelled" to stderr when its call is cancelled) and `count` (which reports each
step as progress).

    python server.py stdio       # serves on standard input and output
    python server.py http        # streamable HTTP at /mcp, with sessions, answering calls as
                                 # event streams (the SDK's default): prints its address, then
                                 # serves until standard input closes
    python server.py http-json   # the same, answering in JSON (no progress reports then)
"""

import asyncio
import socket
import sys

import anyio
import uvicorn
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

server = MCPServer("python-sdk-server", log_level="WARNING")


@server.tool()
def add(a: int, b: int) -> int:
    """Adds two numbers."""
    return a + b


@server.tool()
def fail() -> str:
    """Always fails."""
    raise ToolError("this tool always fails")


@server.tool()
async def sleep(seconds: float) -> str:
    """Sleeps for a while."""
    try:
        await anyio.sleep(seconds)
    except anyio.get_cancelled_exc_class():
        print("sleep cancelled", file=sys.stderr, flush=True)
        raise
    return "slept"


@server.tool()
async def count(n: int, ctx: Context) -> int:
    """Counts from 1 to `n`, reporting each step as progress."""
    for step in range(1, n + 1):
        await ctx.report_progress(step, n, f"step {step}")
        await anyio.sleep(0.05)
    return n


async def serve_http(json_response: bool) -> None:
    # As uvicorn binds: with IPPROTO_TCP named, so that asyncio sets TCP_NODELAY.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    host, port = listener.getsockname()
    app = server.streamable_http_app(json_response=json_response)
    http = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    print(f"{host}:{port}", flush=True)

    async def until_stdin_closes() -> None:
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        http.should_exit = True

    stop = asyncio.create_task(until_stdin_closes())
    await http.serve(sockets=[listener])
    await stop


if sys.argv[1:] == ["stdio"]:
    server.run()
else:
    asyncio.run(serve_http(json_response=sys.argv[1:] == ["http-json"]))
