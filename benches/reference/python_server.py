"""The official Python SDK's MCP server with one tool, `add`, for mcp_latency's reference rows.

`python_server.py stdio` serves on standard input and output. `python_server.py http` serves
streamable HTTP at /mcp with sessions and JSON answers, as `HttpServer` does: it prints its
address, then serves until standard input closes.
"""

import asyncio
import socket
import sys

import uvicorn
from mcp.server.mcpserver import MCPServer

server = MCPServer("bench", log_level="WARNING")


@server.tool()
def add(a: int, b: int) -> int:
    """Adds two numbers."""
    return a + b


async def serve_http() -> None:
    # As uvicorn binds: with IPPROTO_TCP named, so that asyncio sets TCP_NODELAY.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    host, port = listener.getsockname()
    app = server.streamable_http_app(json_response=True)
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
    asyncio.run(serve_http())
