// A web page at ORIGIN that uses the MCP server at URL, as an MCP client running in a page does:
// through the browser's fetch machinery, here jsdom's XMLHttpRequest, which applies CORS as
// browsers do (a preflight before a request with JSON or MCP's headers, the answer readable
// only with the page's origin allowed, only exposed headers visible). Prints one JSON object of
// what the page could do and see; a request the browser blocked has status 0.
//
//   node page.mjs URL ORIGIN TOKEN

import { JSDOM } from "jsdom";

const [url, origin, token] = process.argv.slice(2);
const { window } = new JSDOM("<!doctype html><title>page</title>", { url: `${origin}/` });

/** Posts `message` with `headers` to the server; what the page sees of the answer. */
function post(message, headers) {
  const json = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
  };
  return send("POST", url, JSON.stringify(message), { ...json, ...headers });
}

/** Sends a request; what the page sees of the answer, or status 0 if it saw none. */
function send(method, target, body, headers) {
  return new Promise((resolve) => {
    const request = new window.XMLHttpRequest();
    request.open(method, target);
    for (const [name, value] of Object.entries(headers)) {
      request.setRequestHeader(name, value);
    }
    request.onload = () =>
      resolve({
        status: request.status,
        session: request.getResponseHeader("mcp-session-id"),
        challenge: request.getResponseHeader("www-authenticate"),
        body: request.responseText,
      });
    request.onerror = () => resolve({ status: 0 });
    request.send(body);
  });
}

/** The JSON-RPC message in an answer's body, whether JSON or an event stream. */
function message(body) {
  const data = body
    .split("\n")
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(5).trim())
    .filter((line) => line.startsWith("{"));
  return JSON.parse(data.length > 0 ? data[data.length - 1] : body);
}

const revision = "2025-06-18";
const auth = { authorization: `Bearer ${token}`, "mcp-protocol-version": revision };
const seen = {};

const initialize = await post(
  {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: {
      protocolVersion: revision,
      capabilities: {},
      clientInfo: { name: "a page", version: "0" },
    },
  },
  auth,
);
seen.initialize = {
  status: initialize.status,
  session: typeof initialize.session === "string",
};
if (seen.initialize.status === 200 && seen.initialize.session) {
  const session = { ...auth, "mcp-session-id": initialize.session };
  await post({ jsonrpc: "2.0", method: "notifications/initialized" }, session);
  const call = await post(
    {
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "add", arguments: { a: 2, b: 3 } },
    },
    session,
  );
  seen.call = { status: call.status, result: message(call.body).result };
}
const unauthorized = await post(
  { jsonrpc: "2.0", id: 3, method: "tools/list" },
  { authorization: "Bearer wrong", "mcp-protocol-version": revision },
);
seen.unauthorized = {
  status: unauthorized.status,
  challenge: unauthorized.challenge,
};
// The OAuth protected-resource metadata of the MCP path, as an OAuth client in a page fetches
// it (with MCP's version header: a preflight first).
const metadata = await send(
  "GET",
  new URL(`/.well-known/oauth-protected-resource${new URL(url).pathname}`, url).href,
  null,
  { "mcp-protocol-version": revision },
);
seen.metadata = {
  status: metadata.status,
  document: metadata.status === 200 ? JSON.parse(metadata.body) : null,
};
console.log(JSON.stringify(seen));
