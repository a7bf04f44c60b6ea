"""Drives an MCP server with the OpenAI Agents SDK (`openai-agents`), its MCP server objects in
their default settings, and prints what it saw as one JSON object, for
tests/tests/mcp_clients.rs to check. No model is asked and no API key is needed: only the MCP
side of the SDK runs (`list_tools`, `call_tool`), and the SDK's own conversion of the listed
tools into OpenAI function tools in strict mode.

    python agents_sdk.py stdio /path/to/server
    python agents_sdk.py http http://127.0.0.1:PORT/mcp
    python agents_sdk.py http http://127.0.0.1:PORT/mcp --list-only

The calls are those of `mcp_test_server`'s tools; `--list-only` lists and converts the tools of
any server.
"""

import asyncio
import copy
import json
import sys

from agents.mcp import MCPServerStdio, MCPServerStreamableHttp, MCPUtil
from agents.strict_schema import ensure_strict_json_schema
from mcp.shared.exceptions import MCPError


def text(result):
    return "\n".join(block.text for block in result.content if block.type == "text")


def strict_conversion(tool, server):
    """The SDK's function tool for `tool` in strict mode: whether it is strict and its
    parameters; when the SDK fell back to a non-strict tool, why (the SDK only logs it)."""
    function_tool = MCPUtil.to_function_tool(tool, server, convert_schemas_to_strict=True)
    seen = {
        "strict": function_tool.strict_json_schema,
        "parameters": function_tool.params_json_schema,
    }
    if not function_tool.strict_json_schema:
        # The SDK's conversion again, on the schema it kept, to tell why it failed.
        try:
            ensure_strict_json_schema(
                copy.deepcopy(function_tool.params_json_schema), _reject_open_objects=True
            )
        except Exception as error:
            seen["error"] = f"{type(error).__name__}: {error}"
    return seen


async def scenario(server, list_only):
    seen = {}
    tools = await server.list_tools()
    seen["tools"] = [tool.name for tool in tools]
    seen["strict"] = {tool.name: strict_conversion(tool, server) for tool in tools}
    if list_only:
        return seen

    added = await server.call_tool("add", {"a": 2, "b": 3})
    seen["add"] = {
        "text": text(added),
        "structured": added.structured_content,
        "isError": added.is_error,
    }

    failed = await server.call_tool("fail", {"message": "no such city"})
    seen["fail"] = {"text": text(failed), "isError": failed.is_error}

    cut = await server.call_tool("repeat", {"word": "word", "times": 25000})
    seen["repeat"] = {
        "isError": cut.is_error,
        "structured": cut.structured_content,
        "cut": "[output cut:" in text(cut),
    }

    try:
        await server.call_tool("ad", {})
        seen["unknown"] = "no error"
    except MCPError as error:
        seen["unknown"] = {"code": error.code, "message": error.message}
    return seen


async def main():
    transport, target, *options = sys.argv[1:]
    if transport == "stdio":
        server = MCPServerStdio(params={"command": target, "args": []})
    else:
        server = MCPServerStreamableHttp(params={"url": target})
    try:
        async with server:
            seen = await scenario(server, options == ["--list-only"])
            # The revision the SDK's default mode ("auto") negotiated.
            seen["protocolVersion"] = server.session.protocol_version
    except Exception as error:  # reported to the test, which shows it
        seen = {"failure": f"{type(error).__name__}: {error}"}
    print(json.dumps(seen), flush=True)


asyncio.run(main())
