// An MCP server built with the official TypeScript SDK (`McpServer`), for the tests that drive
// our client against it (tests/tests/mcp_clients.rs) and for the benchmark that times it beside
// ours (benches/src/bin/mcp_latency.rs). Its tools: `add`, `fail` (always an error) and `sleep`
// (which writes "sleep cancelled" to stderr when its call is cancelled).
//
//   node server.mjs stdio   # serves on standard input and output
//   node server.mjs http    # streamable HTTP at /mcp, sessions, JSON answers: prints its
//                           # address, then serves until standard input closes

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
  return server;
}

async function serveHttp() {
  const sessions = new Map();
  const listener = http.createServer(async (request, response) => {
    const id = request.headers["mcp-session-id"];
    let transport = id && sessions.get(id);
    if (!transport) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        enableJsonResponse: true,
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
  serveHttp();
}
