// The grammar through vscode-textmate, beyond the assertion files in
// test/grammar: word lists, shebangs, snippets, and (when present on the
// machine) real-world scripts, which must tokenize back to the top level.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BUILTIN_VARIABLES, grammar, MAP_FUNCTIONS, MAP_TYPES, STDLIB_FUNCTIONS } from '../../scripts/grammar-source.mjs';
import { scopesOf, tokenize } from '../support/tokenizer.mjs';

const root = new URL('../../', import.meta.url);

const has = (scopes: string[] | undefined, scope: string) => (scopes ?? []).some((s) => s === scope);

describe('grammar', () => {
  it('committed JSON matches scripts/grammar-source.mjs', () => {
    const committed = readFileSync(new URL('syntaxes/bpftrace.tmLanguage.json', root), 'utf8');
    assert.equal(committed, JSON.stringify(grammar, null, 2) + '\n', 'run `npm run grammar`');
  });

  it('scopes every stdlib helper call as a builtin function', async () => {
    for (const name of STDLIB_FUNCTIONS) {
      const r = await tokenize(`begin { $x = ${name}(1); }`);
      assert.ok(has(scopesOf(r, name), 'support.function.builtin.bpftrace'), name);
    }
    for (const name of MAP_FUNCTIONS) {
      const r = await tokenize(`begin { @x = ${name}(1); }`);
      assert.ok(has(scopesOf(r, name), 'support.function.aggregation.bpftrace'), name);
    }
    for (const name of MAP_TYPES) {
      const r = await tokenize(`let @m = ${name}(64);`);
      assert.ok(has(scopesOf(r, name), 'support.type.map.bpftrace'), name);
    }
  });

  it('scopes bare builtins as language variables', async () => {
    for (const name of [...BUILTIN_VARIABLES, 'arg0', 'arg9', 'sarg3']) {
      const r = await tokenize(`begin { $x = ${name}; }`);
      assert.ok(has(scopesOf(r, name), 'variable.language.builtin.bpftrace'), name);
    }
  });

  it('lists every helper documented in bpftrace\'s stdlib.md', { skip: !existsSync('/opt/ref/bpftrace/docs/stdlib.md') && 'no bpftrace checkout at /opt/ref' }, () => {
    const doc = readFileSync('/opt/ref/bpftrace/docs/stdlib.md', 'utf8');
    const headings = [...doc.matchAll(/^### (\w+)$/gm)].map((m) => m[1]);
    const known = new Set([...STDLIB_FUNCTIONS, ...MAP_FUNCTIONS, 'sizeof', 'offsetof', 'typeof']);
    assert.deepEqual(headings.filter((h) => !known.has(h)), []);
  });

  it('scopes a shebang on the first line only', async () => {
    const r = await tokenize('#!/usr/bin/env bpftrace\nbegin { }\n');
    assert.ok(has(r.tokens[0].scopes, 'comment.line.shebang.bpftrace'));
    const later = await tokenize('begin { }\n#!/usr/bin/env bpftrace\n');
    assert.ok(!later.tokens.some((t) => has(t.scopes, 'comment.line.shebang.bpftrace')));
  });

  it('ends unterminated strings at the end of the line', async () => {
    const r = await tokenize('begin { $s = "abc;\n}\nkprobe:f { }\n');
    assert.equal(r.depth, 1);
    assert.ok(has(scopesOf(r, 'kprobe'), 'storage.type.probe.bpftrace'));
  });
});

// Expands a snippet body the way VS Code would with every default taken;
// a mirrored `$N` gets the default of placeholder N.
function expandSnippet(body: string[]): string {
  let text = body.join('\n');
  const defaults = new Map<string, string>();
  for (let i = 0; i < 5; i++) {
    text = text
      .replace(/\$\{(\d+)\|([^,|]*)[^|]*\|\}/g, (_, n: string, d: string) => (defaults.set(n, d), d))
      .replace(/\$\{(\d+):((?:\\.|[^${}\\])*)\}/g, (_, n: string, d: string) => (defaults.set(n, d), d))
      .replace(/\$\{TM_FILENAME\}/g, 'script.bt');
  }
  return text.replace(/(?<!\\)\$(\d+)/g, (_, n: string) => defaults.get(n) ?? '').replace(/\\\$/g, '$');
}

describe('snippets', () => {
  const snippets: Record<string, { prefix: string | string[]; body: string[]; description: string }> = JSON.parse(
    readFileSync(new URL('snippets/bpftrace.json', root), 'utf8'),
  );

  it('have a prefix, body and description', () => {
    assert.ok(Object.keys(snippets).length >= 30);
    for (const [name, s] of Object.entries(snippets)) {
      assert.ok(s.prefix.length > 0 && s.body.length > 0 && s.description, name);
    }
  });

  it('expand to code the grammar reads cleanly', async () => {
    for (const [name, s] of Object.entries(snippets)) {
      let text = expandSnippet(s.body);
      // statement-level snippets are tried inside a probe
      const statement = !/^(#|\/|[a-z]+[:{ ]|let @|macro|fn|config|struct|begin|end|test|bench)/.test(text) || /^(if|for|unroll|let \$|printf)/.test(text);
      if (statement) text = `begin {\n${text}\n}`;
      assert.ok(!text.includes('${'), `${name}: unexpanded placeholder in ${text}`);
      const r = await tokenize(text);
      assert.equal(r.depth, 1, `${name} leaves an open region:\n${text}`);
      const bad = r.tokens.filter((t) => t.scopes.some((sc: string) => sc.startsWith('invalid') || sc.startsWith('meta.probe.other')));
      assert.deepEqual(bad.map((t) => t.text), [], `${name}:\n${text}`);
    }
  });
});

// Real scripts on this machine: bpftrace's tools from a checkout at
// /opt/ref and Debian's bpftrace package. They are read here, not copied.
const corpusDirs = ['/opt/ref/bpftrace/tools', '/opt/ref/bpftrace/tools/old', '/usr/share/bpftrace/tools', '/usr/sbin'];
const corpus = corpusDirs.filter((d) => existsSync(d)).flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.bt')).map((f) => join(d, f)));

describe('real-world scripts', () => {
  it('tokenize back to the top level with no invalid tokens', { skip: corpus.length === 0 && 'no bpftrace tools installed' }, async () => {
    for (const file of corpus) {
      const r = await tokenize(readFileSync(file, 'utf8'));
      assert.equal(r.depth, 1, `${file} leaves an open region`);
      const bad = r.tokens.filter((t) => t.scopes.some((s: string) => s.startsWith('invalid') || s.startsWith('meta.probe.other')));
      assert.deepEqual(bad.map((t) => `${t.line}:${t.column} ${t.text}`), [], file);
      const probes = r.tokens.filter((t) => has(t.scopes, 'storage.type.probe.bpftrace'));
      assert.ok(probes.length > 0, `${file}: no probe recognised`);
    }
  });
});

// editors/nvim/syntax/bpftrace.vim keeps its own copy of the word lists.
describe('the Vim syntax file', () => {
  const vimSyntax = new URL('../nvim/syntax/bpftrace.vim', root);
  it('knows every helper and map function the grammar knows', { skip: !existsSync(vimSyntax) && 'editors/nvim not beside editors/vscode' }, () => {
    const text = readFileSync(vimSyntax, 'utf8');
    const words = new Set(text.match(/[A-Za-z_]\w*/g));
    const missing = [...STDLIB_FUNCTIONS, ...MAP_FUNCTIONS, ...MAP_TYPES, ...BUILTIN_VARIABLES].filter((w) => !words.has(w));
    assert.deepEqual(missing, []);
  });
});
