// Drives an MCP server with the official TypeScript SDK (@modelcontextprotocol/sdk) and prints
// what it saw as one JSON object per protocol revision, for tests/tests/mcp_clients.rs to check.
//
//     node drive.mjs stdio /path/to/server REVISION...
//     node drive.mjs http http://127.0.0.1:PORT/mcp REVISION...
//
// The SDK offers its newest revision in `initialize`; for the others, the offer is rewritten on
// its way out, and the SDK then works at the revision the server accepts.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';

const text = (result) =>
  result.content.filter((block) => block.type === 'text').map((block) => block.text).join('\n');

async function scenario(client, seen) {
  const listed = await client.listTools();
  seen.tools = listed.tools.map((tool) => tool.name);

  const added = await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
  seen.add = { text: text(added), structured: added.structuredContent ?? null, isError: added.isError };

  const failed = await client.callTool({ name: 'fail', arguments: { message: 'no such city' } });
  seen.fail = { text: text(failed), isError: failed.isError };

  const cut = await client.callTool({ name: 'repeat', arguments: { word: 'word', times: 25000 } });
  seen.repeat = {
    isError: cut.isError,
    structured: cut.structuredContent ?? null,
    cut: text(cut).includes('[output cut:'),
  };

  try {
    await client.callTool({ name: 'ad', arguments: {} });
    seen.unknown = 'no error';
  } catch (error) {
    seen.unknown = { code: error.code, message: error.message };
  }

  const reports = [];
  const counted = await client.callTool({ name: 'count_up', arguments: { n: 3 } }, undefined, {
    onprogress: (report) => reports.push([report.progress, report.total ?? null, report.message ?? null]),
  });
  seen.count_up = text(counted);
  seen.progress = reports;

  const count = async () => Number(text(await client.callTool({ name: 'cancellations', arguments: {} })));
  const before = await count();
  const abort = new AbortController();
  const waiting = client.callTool({ name: 'wait_for_cancel', arguments: {} }, undefined, { signal: abort.signal });
  setTimeout(() => abort.abort('the user gave up'), 500);
  await waiting.catch(() => {});
  let after = before;
  for (let i = 0; i < 100 && after <= before; i++) {
    after = await count();
    if (after <= before) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  seen.cancelled = after > before;
}

async function drive(kind, target, revision) {
  const transport =
    kind === 'stdio'
      ? new StdioClientTransport({ command: target, args: [], stderr: 'ignore' })
      : new StreamableHTTPClientTransport(new URL(target));
  const seen = {};
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    if (message.method === 'initialize') message.params.protocolVersion = revision;
    return send(message, options);
  };
  // The client tells the transport the revision the server chose, when it listens.
  const setVersion = transport.setProtocolVersion?.bind(transport);
  transport.setProtocolVersion = (version) => {
    seen.protocolVersion = version;
    setVersion?.(version);
  };
  const client = new Client({ name: 'tool-runtime-tests', version: '0.0.0' });
  await client.connect(transport);
  try {
    await scenario(client, seen);
  } finally {
    await client.close();
  }
  return seen;
}

const [kind, target, ...revisions] = process.argv.slice(2);
for (const revision of revisions) {
  let seen;
  try {
    seen = await drive(kind, target, revision);
  } catch (error) {
    seen = { failure: String(error?.stack ?? error) };
  }
  seen.revision = revision;
  seen.sdkLatest = LATEST_PROTOCOL_VERSION;
  console.log(JSON.stringify(seen));
}
