// Builds the .vsix offline with vsce, lists it with `unzip -l`, and loads
// the bundled extension against a stand-in `vscode` module to show that the
// bundle is complete (no missing require) and exports activate/deactivate.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'bt-vsix-'));
const vsix = join(dir, `${pkg.name}-${pkg.version}.vsix`);
let entries = [];

describe('the .vsix', () => {
  before(() => {
    execFileSync(join(root, 'node_modules/.bin/vsce'), ['package', '--no-dependencies', '--out', vsix], { cwd: root, stdio: 'pipe' });
    const listing = execFileSync('unzip', ['-l', vsix], { encoding: 'utf8' });
    // unzip -l rows: length, date, time, name
    entries = listing.split('\n').map((l) => l.match(/^\s*\d+\s+\S+\s+\S+\s+(.+)$/)?.[1]).filter(Boolean);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('contains the bundle, grammar, language configuration, snippets and docs', () => {
    for (const f of [
      'extension.vsixmanifest',
      'extension/package.json',
      'extension/dist/extension.js',
      'extension/syntaxes/bpftrace.tmLanguage.json',
      'extension/language-configuration.json',
      'extension/snippets/bpftrace.json',
      'extension/readme.md',
      'extension/changelog.md',
      'extension/LICENSE.txt',
    ]) {
      assert.ok(entries.some((e) => e.toLowerCase() === f.toLowerCase()), `${f} missing from ${entries.join(', ')}`);
    }
  });

  it('leaves out sources, tests, node_modules and source maps', () => {
    const stray = entries.filter((e) => /^extension\/(src|test|scripts|node_modules)\/|\.map$|\.ts$|tsconfig|eslint/.test(e));
    assert.deepEqual(stray, []);
  });

  it('is small', () => {
    assert.ok(statSync(vsix).size < 1024 * 1024, `${statSync(vsix).size} bytes`);
  });

  it('carries a bundle that loads and exports activate/deactivate', () => {
    const bundle = join(root, 'dist/extension.js');
    const realResolve = Module._resolveFilename;
    const stub = join(dir, 'vscode-stub.js');
    Module._resolveFilename = function (request, ...rest) {
      return request === 'vscode' ? stub : realResolve.call(this, request, ...rest);
    };
    try {
      // The stand-in: any name the bundle's top level reads is a class
      // (vscode-languageclient subclasses several), enums are objects.
      const known = { DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 } };
      const exports = new Proxy(known, { get: (t, k) => (k in t ? t[k] : (t[k] = class {})) });
      Module._cache[stub] = { id: stub, filename: stub, loaded: true, exports };
      const ext = createRequire(import.meta.url)(bundle);
      assert.equal(typeof ext.activate, 'function');
      assert.equal(typeof ext.deactivate, 'function');
    } finally {
      Module._resolveFilename = realResolve;
    }
  });
});
