"""Drives an MCP server with a Python agent framework's MCP client, in its default settings, and
prints what the framework saw as one JSON object, for tests/tests/mcp_frameworks.rs to check.

    python frameworks.py FRAMEWORK SCENARIO stdio SERVER [SERVER_ARG...]
    python frameworks.py FRAMEWORK SCENARIO http URL

FRAMEWORK is `fastmcp` (FastMCP's `Client`), `pydantic_ai` (pydantic-ai's `MCPToolset`, in an
agent run with its `FunctionModel` and `TestModel`, so no model on the network is asked) or
`langchain` (`langchain-mcp-adapters`' `MultiServerMCPClient`, whose LangChain tools are
invoked as an agent invokes them: with a tool call). SCENARIO is `test` (the tools of
`mcp_test_server --shapes`: calls, errors, progress, cancellation) or `example` (the example
tools: their schemas and a few calls).

For each tool, "tools" holds the description and the parameters' schema the framework ended
with (for LangChain, also the parameters of its OpenAI conversion). For each call, "calls" holds
what the model reads ("text"), whether the framework treats it as an error ("isError"), and the
structured value it kept, if any.
"""

import asyncio
import dataclasses
import json
import sys

import anyio

FAIL = "no such city"

# The calls of the `test` scenario, by label: (tool, arguments).
TEST_CALLS = {
    "add": ("add", {"a": 2, "b": 3}),
    "fail": ("fail", {"message": FAIL}),
    "badArguments": ("add", {"a": "x", "b": 1}),
    "cut": ("repeat", {"word": "word", "times": 25000}),
    "measure": ("measure", {"shape": {"kind": "circle", "radius": 1.0}, "unit": "ft"}),
    "nest": ("nest", {"word": "w", "depth": 2}),
    "shoutTree": ("shout_tree", {"root": {"name": "a", "children": [{"name": "b", "children": []}]}}),
    "wordCounts": ("word_counts", {"words": ["a", "b", "a"]}),
    "lookup": ("lookup", {"key": "size"}),
}

# The calls of the `example` scenario.
EXAMPLE_CALLS = {
    "query": ("query_db", {"sql": "SELECT name FROM cities ORDER BY name LIMIT 2"}),
    "summary": ("parse_csv_summary", {"text": "city,area\nLyon,47.9\nNice,\n"}),
    "missingFile": ("read_file", {"path": "no-such-file.txt"}),
}

# The tools TestModel calls, with the arguments it makes up from each schema.
TEST_MODEL_TOOLS = ["count_up", "repeat", "measure", "lookup", "word_counts", "nest"]


def plain(value):
    """`value` as JSON can hold it: FastMCP's typed results are dataclasses."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


def shortened(text):
    """A text the toolbox cut, as the mark of the cut: the rest is the long value itself."""
    start = text.find("[output cut:")
    return text if start < 0 else "... " + text[start:]


def text_of(blocks):
    """The text of MCP content blocks, or of LangChain's content blocks."""
    texts = []
    for block in blocks:
        if isinstance(block, dict):
            texts.append(block.get("text", ""))
        elif getattr(block, "type", None) == "text":
            texts.append(block.text)
    return shortened("\n".join(texts))


async def poll_cancellations(read, before):
    """The count of cancelled `wait_for_cancel` calls, polled until it passes `before`, for
    up to 2 s: the server cancels a call when asked to, or when the call's session ends."""
    after = before
    with anyio.move_on_after(2):
        while (after := await read()) <= before:
            await anyio.sleep(0.05)
    return after


# FastMCP


async def fastmcp_main(scenario, transport, target, server_args):
    from fastmcp import Client
    from fastmcp.client.transports import StdioTransport
    from fastmcp.exceptions import ToolError
    from mcp.shared.exceptions import MCPError

    server = StdioTransport(command=target, args=server_args) if transport == "stdio" else target
    seen = {}
    async with Client(server) as client:
        seen["protocolVersion"] = client.protocol_version
        listed = await client.list_tools()
        seen["tools"] = {
            tool.name: {
                "description": tool.description,
                "schema": tool.input_schema,
                "outputSchema": tool.output_schema,
            }
            for tool in listed
        }
        calls = TEST_CALLS if scenario == "test" else EXAMPLE_CALLS
        seen["calls"] = {}
        for label, (name, arguments) in calls.items():
            try:
                result = await client.call_tool(name, arguments, raise_on_error=False)
                seen["calls"][label] = {
                    "text": text_of(result.content),
                    "isError": result.is_error,
                    "structured": result.structured_content,
                    "data": plain(result.data),
                }
            except Exception as error:
                seen["calls"][label] = {"exception": f"{type(error).__name__}: {error}"}
        if scenario != "test":
            return seen

        # By default, an error result is raised as a ToolError carrying its text.
        try:
            await client.call_tool("fail", {"message": FAIL})
            seen["raised"] = None
        except ToolError as error:
            seen["raised"] = f"ToolError: {error}"
        try:
            await client.call_tool("ad", {})
            seen["unknown"] = "no error"
        except MCPError as error:
            seen["unknown"] = {"code": error.code, "message": error.message}

        reports = []

        async def on_progress(progress, total, message):
            reports.append([progress, total, message])

        counted = await client.call_tool("count_up", {"n": 3}, progress_handler=on_progress)
        seen["countUp"] = text_of(counted.content)
        seen["progress"] = reports

        async def cancellations():
            return (await client.call_tool("cancellations", {})).structured_content["result"]

        before = await cancellations()
        try:
            await client.call_tool("wait_for_cancel", {}, timeout=0.5)
            seen["timedOut"] = None
        except Exception as error:
            seen["timedOut"] = type(error).__name__
        seen["cancelled"] = await poll_cancellations(cancellations, before) > before
    return seen


# pydantic-ai


async def pydantic_ai_main(scenario, transport, target, server_args):
    from fastmcp.client.transports import StdioTransport
    from pydantic_ai import Agent
    from pydantic_ai.mcp import MCPToolset
    from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart
    from pydantic_ai.models.function import FunctionModel
    from pydantic_ai.models.test import TestModel

    reports = []

    async def on_progress(progress, total, message):
        reports.append([progress, total, message])

    server = StdioTransport(command=target, args=server_args) if transport == "stdio" else target
    toolset = MCPToolset(server, progress_handler=on_progress)
    calls = dict(TEST_CALLS if scenario == "test" else EXAMPLE_CALLS)
    if scenario == "test":
        # pydantic-ai answers a call of a tool it was not given itself, as a retry.
        calls["unknown"] = ("ad", {})
        calls["countUp"] = ("count_up", {"n": 3})
    seen = {"calls": {}}
    labels = list(calls)

    def model(messages, info):
        """Calls every tool of `calls` in one turn, then reads what came back."""
        if len(messages) == 1:
            seen["tools"] = {
                tool.name: {"description": tool.description, "schema": tool.parameters_json_schema}
                for tool in info.function_tools
            }
            return ModelResponse(
                parts=[
                    ToolCallPart(name, arguments, tool_call_id=label)
                    for label, (name, arguments) in calls.items()
                ]
            )
        for part in messages[-1].parts:
            if part.tool_call_id in labels:
                seen["calls"][part.tool_call_id] = {
                    "text": shortened(part.model_response_str()),
                    "isError": part.outcome != "success",
                    "outcome": part.outcome,
                    "content": plain(part.content) if part.tool_call_id != "cut" else shortened(part.content),
                }
        return ModelResponse(parts=[TextPart("done")])

    async with toolset:
        seen["protocolVersion"] = toolset.client.protocol_version
        try:
            result = await Agent(FunctionModel(model), toolsets=[toolset]).run("go")
            seen["output"] = result.output
        except Exception as error:
            seen["output"] = f"{type(error).__name__}: {error}"
        if scenario != "test":
            return seen
        seen["progress"] = reports

        # TestModel calls the tools with arguments it makes up from their schemas.
        try:
            result = await Agent(TestModel(call_tools=TEST_MODEL_TOOLS), toolsets=[toolset]).run("go")
            seen["testModel"] = json.loads(result.output)
        except Exception as error:
            seen["testModel"] = f"{type(error).__name__}: {error}"

        # An agent run stopped while a tool runs: the call is cancelled on the server.
        def waits(messages, info):
            if len(messages) == 1:
                return ModelResponse(parts=[ToolCallPart("wait_for_cancel", {})])
            return ModelResponse(parts=[TextPart("done")])

        async def cancellations():
            return await toolset.direct_call_tool("cancellations", {})

        before = await cancellations()
        with anyio.move_on_after(0.5):
            await Agent(FunctionModel(waits), toolsets=[toolset]).run("go")
        seen["cancelled"] = await poll_cancellations(cancellations, before) > before
    return seen


# LangChain


async def langchain_main(scenario, transport, target, server_args):
    from langchain_core.utils.function_calling import convert_to_openai_tool
    from langchain_mcp_adapters.callbacks import Callbacks
    from langchain_mcp_adapters.client import MultiServerMCPClient

    reports = []

    async def on_progress(progress, total, message, context):
        reports.append([progress, total, message])

    if transport == "stdio":
        connection = {"transport": "stdio", "command": target, "args": server_args}
    else:
        connection = {"transport": "streamable_http", "url": target}
    client = MultiServerMCPClient({"ours": connection}, callbacks=Callbacks(on_progress=on_progress))
    tools = {tool.name: tool for tool in await client.get_tools()}
    seen = {
        "tools": {
            name: {
                "description": tool.description,
                "schema": tool.args_schema,
                "openai": convert_to_openai_tool(tool)["function"]["parameters"],
            }
            for name, tool in tools.items()
        },
        "calls": {},
    }

    async def invoke(name, arguments):
        """The tool's message, as an agent's tool node gets it."""
        call = {"type": "tool_call", "id": "call-1", "name": name, "args": arguments}
        return await tools[name].ainvoke(call)

    calls = TEST_CALLS if scenario == "test" else EXAMPLE_CALLS
    for label, (name, arguments) in calls.items():
        try:
            message = await invoke(name, arguments)
            artifact = message.artifact or {}
            seen["calls"][label] = {
                "text": text_of(message.content),
                "isError": message.status == "error",
                "structured": artifact.get("structured_content"),
            }
        except Exception as error:
            seen["calls"][label] = {"exception": f"{type(error).__name__}: {error}"}
    if scenario != "test":
        return seen

    seen["countUp"] = text_of((await invoke("count_up", {"n": 3})).content)
    seen["progress"] = reports
    # Each call has a session of its own: over stdio, a process of its own, whose count of
    # cancelled calls no other call sees.
    if transport == "stdio":
        seen["cancelled"] = None
        return seen

    async def cancellations():
        return int(text_of((await invoke("cancellations", {})).content))

    before = await cancellations()
    try:
        await asyncio.wait_for(invoke("wait_for_cancel", {}), 0.5)
    except TimeoutError:
        pass
    seen["cancelled"] = await poll_cancellations(cancellations, before) > before
    return seen


MAINS = {"fastmcp": fastmcp_main, "pydantic_ai": pydantic_ai_main, "langchain": langchain_main}


async def main():
    framework, scenario, transport, target, *server_args = sys.argv[1:]
    try:
        seen = await MAINS[framework](scenario, transport, target, server_args)
    except Exception as error:  # reported to the test, which shows it
        seen = {"failure": f"{type(error).__name__}: {error}"}
    print(json.dumps(seen), flush=True)


asyncio.run(main())
