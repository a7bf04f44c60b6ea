"""Checks tool declarations and messages with the providers' official Python SDKs, at their
newest versions, and prints what each SDK did as one JSON object, for
tests/tests/provider_sdks.rs to check. No model is asked and no key is needed: each SDK's client
runs with its HTTP transport replaced by one that records the request and answers with a
canned response.

    python provider_sdks.py INPUT.json

INPUT.json (written by the test) holds:
- "declarations": {tool: {form: declarations, or {"refused": why}}}, every form of each tool;
- "messages": {provider: [message, ...]}, model turns our readers accept;
- "written": {provider: [message, ...]}, results (and Gemini's model turn) our writers wrote.

The output holds, for each part of the input, what the SDK did with it ("declarations",
"strict", "parsed", "written"), and "built": the model turns each SDK builds itself, in each of
its serializations, for our readers.
"""

import copy
import json
import sys
import typing
import warnings
from importlib.metadata import version

import anthropic
import httpx
import httpx2
import ollama
import openai
from agents import FunctionTool
from agents.strict_schema import ensure_strict_json_schema
from google import genai
from google.genai import _transformers
from google.genai import types as gtypes
from openai.lib._pydantic import _ensure_strict_json_schema
from openai.types.chat import ChatCompletion, ChatCompletionFunctionToolParam
from openai.types.chat import ChatCompletionToolMessageParam
from openai.types.responses import FunctionToolParam, Response
from openai.types.responses.response_input_param import FunctionCallOutput

PACKAGES = ["google-genai", "ollama", "openai", "openai-agents", "anthropic", "pydantic"]


# --- helpers ------------------------------------------------------------------------------


class Recorder:
    """An HTTP transport that records each request's JSON body and answers with `reply`."""

    def __init__(self):
        self.requests = []
        self.reply = {}

    def __call__(self, request):
        self.requests.append(json.loads(request.content))
        module = httpx2 if isinstance(request, httpx2.Request) else httpx
        return module.Response(200, json=self.reply)

    def last(self):
        return self.requests[-1]


def differences(ours, theirs, path=""):
    """The JSON Pointers where `theirs` differs from `ours` (numbers compared as numbers)."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        found = []
        for key in ours.keys() | theirs.keys():
            place = f"{path}/{key}"
            if key not in theirs:
                found.append(f"{place} (dropped)")
            elif key not in ours:
                found.append(f"{place} (added)")
            else:
                found += differences(ours[key], theirs[key], place)
        return found
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        found = []
        for i, (a, b) in enumerate(zip(ours, theirs)):
            found += differences(a, b, f"{path}/{i}")
        return found
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return [] if ours is theirs else [path]
    return [] if ours == theirs else [path]


def unknown_keys(typed_dict, value, path=""):
    """The keys of `value` that the TypedDict (an SDK's request param type, not checked at run
    time) does not declare, at every level where the declared type is a TypedDict."""
    if not hasattr(typed_dict, "__required_keys__") or not isinstance(value, dict):
        return []
    declared = typed_dict.__required_keys__ | typed_dict.__optional_keys__
    hints = typing.get_type_hints(typed_dict)
    found = [f"{path}/{key}" for key in value if key not in declared]
    for key, item in value.items():
        hint = hints.get(key)
        while typing.get_origin(hint) in (typing.Required, typing.NotRequired, typing.Annotated):
            hint = typing.get_args(hint)[0]
        found += unknown_keys(hint, item, f"{path}/{key}")
    return found


def failure(error):
    return f"{type(error).__name__}: {error}"


def attempt(check):
    """`check()`'s findings, with the SDK's warnings; an exception is the SDK refusing."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            seen = check()
        except Exception as error:  # reported to the test, which shows it
            seen = {"error": failure(error)}
    seen["warnings"] = [str(warning.message) for warning in caught]
    return seen


def lower_types(value):
    """Gemini's `Schema` writes types in upper case; ours are lower case, which it accepts."""
    if isinstance(value, dict):
        return {
            key: item.lower() if key == "type" and isinstance(item, str) else lower_types(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [lower_types(item) for item in value]
    return value


# --- the clients, on recorders --------------------------------------------------------------

gemini_http = Recorder()
gemini_client = genai.Client(
    api_key="test",
    http_options=gtypes.HttpOptions(
        httpx_client=httpx.Client(transport=httpx.MockTransport(gemini_http))
    ),
)
openai_http = Recorder()
openai_client = openai.OpenAI(
    api_key="test",
    base_url="http://test/v1",
    http_client=httpx2.Client(transport=httpx2.MockTransport(openai_http)),
)
anthropic_http = Recorder()
anthropic_client = anthropic.Anthropic(
    api_key="test",
    base_url="http://test",
    http_client=httpx2.Client(transport=httpx2.MockTransport(anthropic_http)),
)
ollama_http = Recorder()
ollama_client = ollama.Client(host="http://test", transport=httpx.MockTransport(ollama_http))

GEMINI_REPLY = {"candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]}}]}
CHAT_REPLY = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "gpt-test",
    "choices": [
        {
            "index": 0,
            "finish_reason": "stop",
            "message": {"role": "assistant", "content": "ok"},
        }
    ],
}
RESPONSES_REPLY = {
    "id": "resp_1",
    "object": "response",
    "created_at": 1,
    "model": "gpt-test",
    "status": "completed",
    "output": [],
    "parallel_tool_calls": True,
    "tool_choice": "auto",
    "tools": [],
}
ANTHROPIC_REPLY = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "claude-test",
    "content": [{"type": "text", "text": "ok"}],
    "stop_reason": "end_turn",
    "usage": {"input_tokens": 1, "output_tokens": 1},
}
OLLAMA_REPLY = {
    "model": "test",
    "created_at": "2026-01-01T00:00:00Z",
    "message": {"role": "assistant", "content": "ok"},
    "done": True,
}
USER = [{"role": "user", "content": "hi"}]
GEMINI_USER = [{"role": "user", "parts": [{"text": "hi"}]}]


# --- declarations ---------------------------------------------------------------------------


def gemini_declarations(tools):
    """Gemini: the SDK's `Tool` model (unknown fields forbidden) takes each entry, and gives it
    back unchanged; a request carrying them goes out. The SDK's own rewrite of a schema for the
    Developer API (`process_schema`, which it applies to the schemas it makes from Python
    types) takes each `parameters`: what it changes is reported under "processed"."""
    seen = {"changed": [], "processed": []}
    for tool in tools:
        model = gtypes.Tool.model_validate(tool)
        back = model.model_dump(mode="json", by_alias=True, exclude_none=True)
        seen["changed"] += differences(tool, lower_types(back))
        for declaration in tool["functionDeclarations"]:
            if "parameters" in declaration:
                processed = copy.deepcopy(declaration["parameters"])
                _transformers.process_schema(processed, gemini_client._api_client)
                seen["processed"] += differences(declaration["parameters"], processed)
    gemini_http.reply = GEMINI_REPLY
    gemini_client.models.generate_content(
        model="gemini-test", contents="hi", config={"tools": tools}
    )
    return seen


def openai_declarations(tools, form):
    """OpenAI: each entry declares only what the SDK's param type declares; the SDK sends the
    list unchanged; for strict ones, `.parse()` (which takes only strict tools) takes them."""
    kind = ChatCompletionFunctionToolParam if form.startswith("openai") else FunctionToolParam
    seen = {"unknown": [key for tool in tools for key in unknown_keys(kind, tool)]}
    if form.startswith("openai"):
        openai_http.reply = CHAT_REPLY
        openai_client.chat.completions.create(model="gpt-test", messages=USER, tools=tools)
        seen["changed"] = differences(tools, openai_http.last()["tools"])
        if form.endswith("strict"):
            openai_client.chat.completions.parse(model="gpt-test", messages=USER, tools=tools)
    else:
        openai_http.reply = RESPONSES_REPLY
        openai_client.responses.create(model="gpt-test", input="hi", tools=tools)
        seen["changed"] = differences(tools, openai_http.last()["tools"])
        if form.endswith("strict"):
            openai_client.responses.parse(model="gpt-test", input="hi", tools=tools)
    return seen


def anthropic_declarations(tools):
    seen = {
        "unknown": [key for tool in tools for key in unknown_keys(anthropic.types.ToolParam, tool)]
    }
    anthropic_http.reply = ANTHROPIC_REPLY
    anthropic_client.messages.create(model="claude-test", max_tokens=10, messages=USER, tools=tools)
    seen["changed"] = differences(tools, anthropic_http.last()["tools"])
    return seen


def ollama_declarations(tools):
    ollama_http.reply = OLLAMA_REPLY
    ollama_client.chat(model="test", messages=USER, tools=tools)
    return {"changed": differences(tools, ollama_http.last()["tools"])}


def declarations(tool_forms):
    seen = {}
    for form, tools in tool_forms.items():
        if isinstance(tools, dict):  # refused by us
            continue
        if form.startswith("gemini"):
            seen[form] = attempt(lambda: gemini_declarations(tools))
        elif form.startswith(("openai", "responses")):
            seen[form] = attempt(lambda: openai_declarations(tools, form))
        elif form == "anthropic":
            seen[form] = attempt(lambda: anthropic_declarations(tools))
        elif form == "ollama":
            seen[form] = attempt(lambda: ollama_declarations(tools))
    return seen


def strict(tool_forms):
    """OpenAI strict declarations through the SDKs' own strict converters, which must leave
    them as they are: openai's `_ensure_strict_json_schema` (behind `to_strict_json_schema` and
    `pydantic_function_tool`), and openai-agents' `ensure_strict_json_schema` (behind every
    strict `FunctionTool`) and its converters to each API's tool."""
    from agents.models.chatcmpl_converter import Converter as ChatConverter
    from agents.models.openai_responses import Converter as ResponsesConverter

    seen = {}
    for form in ["openai_strict", "responses_strict"]:
        tools = tool_forms[form]
        if isinstance(tools, dict):
            continue
        for tool in tools:
            function = tool.get("function", tool)
            parameters = function["parameters"]

            def converters():
                schema = copy.deepcopy(parameters)
                found = {
                    "openai": differences(
                        parameters, _ensure_strict_json_schema(schema, path=(), root=schema)
                    ),
                    "agents": differences(
                        parameters, ensure_strict_json_schema(copy.deepcopy(parameters))
                    ),
                }
                agent_tool = FunctionTool(
                    name=function["name"],
                    description=function["description"],
                    params_json_schema=copy.deepcopy(parameters),
                    on_invoke_tool=lambda context, arguments: "",
                    strict_json_schema=True,
                )
                if form == "openai_strict":
                    converted = ChatConverter.tool_to_openai(agent_tool)
                else:
                    converted = ResponsesConverter.convert_tools([agent_tool], handoffs=[]).tools[0]
                found["agents_tool"] = differences(tool, dict(converted))
                return found

            seen[form] = attempt(converters)
    return seen


# --- messages our readers accept, parsed by the SDKs ------------------------------------------


def calls_of_gemini(message):
    if "candidates" in message:
        response = gtypes.GenerateContentResponse.model_validate(message)
    else:
        content = gtypes.Content.model_validate(message)
        response = gtypes.GenerateContentResponse(candidates=[gtypes.Candidate(content=content)])
    calls = response.function_calls or []
    return [{"id": call.id, "name": call.name, "arguments": call.args} for call in calls]


def calls_of_openai(message):
    if "choices" not in message:
        message = {
            **CHAT_REPLY,
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": message}],
        }
    completion = ChatCompletion.model_validate(message)
    calls = completion.choices[0].message.tool_calls or []
    return [
        {"id": call.id, "name": call.function.name, "arguments": call.function.arguments}
        for call in calls
    ]


def calls_of_responses(message):
    if isinstance(message, list):
        message = {**RESPONSES_REPLY, "output": message}
    elif "output" not in message:
        message = {**RESPONSES_REPLY, "output": [message]}
    else:
        message = {**RESPONSES_REPLY, **message}
    response = Response.model_validate(message)
    return [
        {"id": item.call_id, "name": item.name, "arguments": item.arguments}
        for item in response.output
        if item.type == "function_call"
    ]


def calls_of_anthropic(message):
    message = {**ANTHROPIC_REPLY, "stop_reason": "tool_use", **message}
    parsed = anthropic.types.Message.model_validate(message)
    return [
        {"id": block.id, "name": block.name, "arguments": block.input}
        for block in parsed.content
        if block.type == "tool_use"
    ]


def calls_of_ollama(message):
    if "message" not in message:
        message = {**OLLAMA_REPLY, "message": message}
    response = ollama.ChatResponse.model_validate(message)
    return [
        {"name": call.function.name, "arguments": dict(call.function.arguments)}
        for call in response.message.tool_calls or []
    ]


READERS = {
    "gemini": calls_of_gemini,
    "openai": calls_of_openai,
    "responses": calls_of_responses,
    "anthropic": calls_of_anthropic,
    "ollama": calls_of_ollama,
}


def parsed(messages):
    return {
        provider: [attempt(lambda: {"calls": READERS[provider](message)}) for message in listed]
        for provider, listed in messages.items()
    }


# --- what our writers wrote, taken by the SDKs ------------------------------------------------


def written(messages):
    seen = {}
    # Gemini: the SDK's `Content` model takes the model turn and the results, and a request
    # carrying them goes out unchanged.
    gemini_http.reply = GEMINI_REPLY

    def gemini():
        contents = messages["gemini"]
        found = {"changed": []}
        for content in contents:
            back = gtypes.Content.model_validate(content).model_dump(
                mode="json", by_alias=True, exclude_none=True
            )
            found["changed"] += differences(content, back)
        gemini_client.models.generate_content(model="gemini-test", contents=contents)
        found["changed"] += differences(contents, gemini_http.last()["contents"])
        return found

    seen["gemini"] = attempt(gemini)

    def openai_chat():
        results = messages["openai"]
        found = {
            "unknown": [k for r in results for k in unknown_keys(ChatCompletionToolMessageParam, r)]
        }
        openai_http.reply = CHAT_REPLY
        openai_client.chat.completions.create(model="gpt-test", messages=results)
        found["changed"] = differences(results, openai_http.last()["messages"])
        return found

    seen["openai"] = attempt(openai_chat)

    def responses():
        results = messages["responses"]
        found = {"unknown": [k for r in results for k in unknown_keys(FunctionCallOutput, r)]}
        openai_http.reply = RESPONSES_REPLY
        openai_client.responses.create(model="gpt-test", input=results)
        found["changed"] = differences(results, openai_http.last()["input"])
        return found

    seen["responses"] = attempt(responses)

    def anthropic_results():
        results = messages["anthropic"]
        found = {
            "unknown": [k for r in results for k in unknown_keys(anthropic.types.MessageParam, r)]
        }
        for message in results:
            for block in message["content"]:
                found["unknown"] += unknown_keys(anthropic.types.ToolResultBlockParam, block)
        anthropic_http.reply = ANTHROPIC_REPLY
        anthropic_client.messages.create(model="claude-test", max_tokens=10, messages=results)
        found["changed"] = differences(results, anthropic_http.last()["messages"])
        return found

    seen["anthropic"] = attempt(anthropic_results)

    def ollama_results():
        results = messages["ollama"]
        ollama_http.reply = OLLAMA_REPLY
        ollama_client.chat(model="test", messages=results)
        return {"changed": differences(results, ollama_http.last()["messages"])}

    seen["ollama"] = attempt(ollama_results)
    return seen


# --- model turns the SDKs build, for our readers ----------------------------------------------


def built():
    """The model turns (two calls: get_weather, then ping) each SDK builds from a response it
    parsed, as it sends them back (`wire`) and as its own serializers write them."""
    found = {}

    # Gemini: a response with two calls (one with an id and a thought signature, one with
    # neither and no args), parsed, then sent back; and a turn built with the SDK's helpers.
    gemini_http.reply = {
        "candidates": [
            {
                "content": {
                    "role": "model",
                    "parts": [
                        {"text": "Checking."},
                        {
                            "functionCall": {
                                "id": "fc1",
                                "name": "get_weather",
                                "args": {"location": "Paris"},
                            },
                            "thoughtSignature": "c2ln",
                        },
                        {"functionCall": {"name": "ping"}},
                    ],
                },
                "finishReason": "STOP",
            }
        ]
    }
    response = gemini_client.models.generate_content(model="gemini-test", contents="hi")
    content = response.candidates[0].content
    gemini_client.models.generate_content(model="gemini-test", contents=[*GEMINI_USER, content])
    helpers = gtypes.Content(
        role="model",
        parts=[
            gtypes.Part.from_text(text="Checking."),
            gtypes.Part(
                function_call=gtypes.FunctionCall(
                    id="fc1", name="get_weather", args={"location": "Paris"}
                ),
                thought_signature=b"sig",
            ),
            gtypes.Part.from_function_call(name="ping", args={}),
        ],
    )
    found["gemini"] = {
        "wire": gemini_http.last()["contents"][1],
        "to_json_dict": content.to_json_dict(),
        "model_dump_by_alias": content.model_dump(mode="json", by_alias=True),
        "response_to_json_dict": response.to_json_dict(),
        "response_model_dump_by_alias": response.model_dump(mode="json", by_alias=True),
        "helpers_to_json_dict": helpers.to_json_dict(),
        "stopped_model_dump_by_alias": gtypes.GenerateContentResponse(
            candidates=[gtypes.Candidate(finish_reason="SAFETY")]
        ).model_dump(mode="json", by_alias=True),
    }

    # OpenAI Chat Completions.
    openai_http.reply = {
        **CHAT_REPLY,
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {
                                "name": "get_weather",
                                "arguments": '{"location":"Paris"}',
                            },
                        },
                        {
                            "id": "call_2",
                            "type": "function",
                            "function": {"name": "ping", "arguments": "{}"},
                        },
                    ],
                },
            }
        ],
    }
    completion = openai_client.chat.completions.create(model="gpt-test", messages=USER)
    message = completion.choices[0].message
    openai_client.chat.completions.create(model="gpt-test", messages=[*USER, message])
    found["openai"] = {
        "wire": openai_http.last()["messages"][1],
        "to_dict": message.to_dict(),
        "model_dump": message.model_dump(mode="json"),
        "response_to_dict": completion.to_dict(),
        "response_model_dump": completion.model_dump(mode="json"),
    }

    # OpenAI Responses.
    openai_http.reply = {
        **RESPONSES_REPLY,
        "output": [
            {"type": "reasoning", "id": "rs_1", "summary": []},
            {
                "type": "function_call",
                "id": "fc_1",
                "call_id": "call_1",
                "name": "get_weather",
                "arguments": '{"location":"Paris"}',
                "status": "completed",
            },
            {
                "type": "function_call",
                "id": "fc_2",
                "call_id": "call_2",
                "name": "ping",
                "arguments": "{}",
                "status": "completed",
            },
        ],
    }
    response = openai_client.responses.create(model="gpt-test", input="hi")
    openai_client.responses.create(model="gpt-test", input=[*USER, *response.output])
    found["responses"] = {
        "wire": openai_http.last()["input"],
        "to_dict": response.to_dict(),
        "model_dump": response.model_dump(mode="json"),
        "items_model_dump": [item.model_dump(mode="json") for item in response.output],
    }

    # Anthropic.
    anthropic_http.reply = {
        **ANTHROPIC_REPLY,
        "stop_reason": "tool_use",
        "content": [
            {"type": "text", "text": "Checking."},
            {
                "type": "tool_use",
                "id": "toolu_1",
                "name": "get_weather",
                "input": {"location": "Paris"},
            },
            {"type": "tool_use", "id": "toolu_2", "name": "ping", "input": {}},
        ],
    }
    message = anthropic_client.messages.create(model="claude-test", max_tokens=10, messages=USER)
    anthropic_client.messages.create(
        model="claude-test",
        max_tokens=10,
        messages=[*USER, {"role": message.role, "content": message.content}],
    )
    found["anthropic"] = {
        "wire": anthropic_http.last()["messages"][1],
        "to_dict": message.to_dict(),
        "model_dump": message.model_dump(mode="json"),
    }

    # Ollama.
    ollama_http.reply = {
        **OLLAMA_REPLY,
        "message": {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {
                    "id": "call_1",
                    "function": {
                        "index": 0,
                        "name": "get_weather",
                        "arguments": {"location": "Paris"},
                    },
                },
                {"function": {"index": 1, "name": "ping", "arguments": {}}},
            ],
        },
    }
    response = ollama_client.chat(model="test", messages=USER)
    ollama_client.chat(model="test", messages=[*USER, response.message])
    found["ollama"] = {
        "wire": ollama_http.last()["messages"][1],
        "model_dump": response.message.model_dump(mode="json"),
        "response_model_dump": response.model_dump(mode="json"),
    }
    return found


def main():
    with open(sys.argv[1]) as file:
        given = json.load(file)
    seen = {
        "versions": {package: version(package) for package in PACKAGES},
        "declarations": {
            tool: declarations(forms) for tool, forms in given["declarations"].items()
        },
        "strict": {tool: strict(forms) for tool, forms in given["declarations"].items()},
        "parsed": parsed(given["messages"]),
        "written": written(given["written"]),
        "built": built(),
    }
    print(json.dumps(seen))


main()
