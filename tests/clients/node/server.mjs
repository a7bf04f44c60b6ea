// An MCP server built with the official TypeScript SDK (`McpServer`), for the tests that drive
// our client against it (tests/tests/mcp_clients.rs) and for the benchmark that times it beside
// ours (benches/src/bin/mcp_latency.rs). Its tools: `add`, `fail` (always an error), `sleep`
// (which writes "sleep cancelled" to stderr when its call is cancelled) and `count` (which
// reports each step as progress).
//
//   node server.mjs stdio       # serves on standard input and output
//   node server.mjs http        # streamable HTTP at /mcp, with sessions, answering calls as
//                               # event streams (the SDK's default): prints its address, then
//                               # serves until standard input closes
//   node server.mjs http-json   # the same, answering in JSON (no progress reports then)

import http from "node:http";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";

function server() {
  const server = new McpServer({ name: "typescript-sdk-server", version: "0" });
  server.registerTool(
    "add",
    { description: "Adds two numbers.", inputSchema: { a: z.number().int(), b: z.number().int() } },
    async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }),
  );
  server.registerTool("fail", { description: "Always fails." }, async () => {
    throw new Error("this tool always fails");
  });
  server.registerTool(
    "sleep",
    { description: "Sleeps for a while.", inputSchema: { seconds: z.number() } },
    async ({ seconds }, { signal }) =>
      new Promise((resolve) => {
        const timer = setTimeout(
          () => resolve({ content: [{ type: "text", text: "slept" }] }),
          seconds * 1000,
        );
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          console.error("sleep cancelled");
          resolve({ content: [{ type: "text", text: "cancelled" }] });
        });
      }),
  );
  server.registerTool(
    "count",
    {
      description: "Counts from 1 to `n`, reporting each step as progress.",
      inputSchema: { n: z.number().int() },
    },
    async ({ n }, { _meta, sendNotification }) => {
      for (let step = 1; step <= n; step++) {
        if (_meta?.progressToken !== undefined) {
          await sendNotification({
            method: "notifications/progress",
            params: { progressToken: _meta.progressToken, progress: step, total: n, message: `step ${step}` },
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return { content: [{ type: "text", text: String(n) }] };
    },
  );
  return server;
}

async function serveHttp(enableJsonResponse) {
  const sessions = new Map();
  const listener = http.createServer(async (request, response) => {
    const id = request.headers["mcp-session-id"];
    let transport = id && sessions.get(id);
    if (!transport) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        enableJsonResponse,
        onsessioninitialized: (id) => sessions.set(id, transport),
      });
      await server().connect(transport);
    }
    await transport.handleRequest(request, response);
  });
  listener.listen(0, "127.0.0.1", () => {
    const { address, port } = listener.address();
    console.log(`${address}:${port}`);
  });
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
}

if (process.argv[2] === "stdio") {
  server().connect(new StdioServerTransport());
} else {
  serveHttp(process.argv[2] === "http-json");
}
