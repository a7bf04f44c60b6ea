// The official TypeScript SDK's MCP server with one tool, `add`, for mcp_latency's reference rows.
//
// `typescript_server.cjs stdio` serves on standard input and output. `typescript_server.cjs http`
// serves streamable HTTP at /mcp with sessions and JSON answers, as `HttpServer` does: it prints
// its address, then serves until standard input closes. The SDK is found through NODE_PATH.

const http = require("node:http");
const { randomUUID } = require("node:crypto");
const { z } = require("zod");
const { McpServer } = require("@modelcontextprotocol/sdk/server/mcp.js");
const { StdioServerTransport } = require("@modelcontextprotocol/sdk/server/stdio.js");
const { StreamableHTTPServerTransport } = require("@modelcontextprotocol/sdk/server/streamableHttp.js");

function server() {
  const server = new McpServer({ name: "bench", version: "0" });
  server.registerTool(
    "add",
    { description: "Adds two numbers.", inputSchema: { a: z.number().int(), b: z.number().int() } },
    async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }] }),
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
