#!/usr/bin/env node
// A stand-in language server for testing the plugin's wiring, not bt-lsp:
// speaks LSP over stdio, records what the client sends to the JSON-lines
// file named by argv[2], and publishes one diagnostic per opened document.
'use strict';
const fs = require('fs');
const record = process.argv[2];
const log = (obj) => fs.appendFileSync(record, JSON.stringify(obj) + '\n');

function send(msg) {
  const body = JSON.stringify({ jsonrpc: '2.0', ...msg });
  process.stdout.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

function handle(msg) {
  switch (msg.method) {
    case 'initialize':
      log({ method: 'initialize', pid: process.pid, rootUri: msg.params.rootUri, initializationOptions: msg.params.initializationOptions ?? null });
      send({ id: msg.id, result: { capabilities: { textDocumentSync: 1 }, serverInfo: { name: 'fake-bt-lsp' } } });
      break;
    case 'workspace/didChangeConfiguration':
      log({ method: msg.method, settings: msg.params.settings });
      break;
    case 'textDocument/didOpen':
      log({ method: msg.method, uri: msg.params.textDocument.uri, languageId: msg.params.textDocument.languageId });
      send({
        method: 'textDocument/publishDiagnostics',
        params: {
          uri: msg.params.textDocument.uri,
          diagnostics: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 6 } }, severity: 1, source: 'fake-bt-lsp', message: 'fake: checked by the stand-in server' }],
        },
      });
      break;
    case 'shutdown':
      send({ id: msg.id, result: null });
      break;
    case 'exit':
      process.exit(0);
      break;
    default:
      // answer unknown requests so the client never waits on us
      if (msg.id !== undefined && msg.method) send({ id: msg.id, result: null });
  }
}

let buf = Buffer.alloc(0);
process.stdin.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  for (;;) {
    const sep = buf.indexOf('\r\n\r\n');
    if (sep < 0) return;
    const len = Number(/Content-Length: (\d+)/i.exec(buf.subarray(0, sep).toString())[1]);
    if (buf.length < sep + 4 + len) return;
    const body = buf.subarray(sep + 4, sep + 4 + len).toString();
    buf = buf.subarray(sep + 4 + len);
    handle(JSON.parse(body));
  }
});
process.stdin.on('end', () => process.exit(0));
