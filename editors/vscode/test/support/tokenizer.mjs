// Tokenizes bpftrace text with the extension's grammar through the same
// engine VS Code uses (vscode-textmate + the Oniguruma WebAssembly build).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// Both are CommonJS; require() loads them the same under node and tsx.
const require = createRequire(import.meta.url);
const oniguruma = require('vscode-oniguruma');
const textmate = require('vscode-textmate');
const grammarPath = fileURLToPath(new URL('../../syntaxes/bpftrace.tmLanguage.json', import.meta.url));

let grammarPromise;

async function load() {
  const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== 'source.bpftrace') return null;
      return textmate.parseRawGrammar(readFileSync(grammarPath, 'utf8'), grammarPath);
    },
  });
  return registry.loadGrammar('source.bpftrace');
}

export function grammar() {
  grammarPromise ??= load();
  return grammarPromise;
}

// Returns every token as { line, text, scopes } and the rule-stack depth
// left after the last line (1 means back at the top level).
export async function tokenize(text) {
  const g = await grammar();
  let stack = textmate.INITIAL;
  const tokens = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const r = g.tokenizeLine(line, stack);
    for (const t of r.tokens) {
      tokens.push({ line: i + 1, column: t.startIndex + 1, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    }
    stack = r.ruleStack;
  });
  return { tokens, depth: stack.depth };
}

// The scopes of the first token whose text is `text` on 1-based line `line`
// (or anywhere when line is omitted).
export function scopesOf(result, text, line) {
  const t = result.tokens.find((tok) => tok.text === text && (line === undefined || tok.line === line));
  return t ? t.scopes : undefined;
}
