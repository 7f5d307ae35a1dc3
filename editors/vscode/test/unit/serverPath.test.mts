import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isExecutable, resolveCli, resolveExecutable, searchPath } from '../../src/serverPath.ts';

// A pretend file system: the set of executable paths.
const fsWith = (...exe: string[]) => (p: string) => exe.includes(p);

describe('resolveExecutable', () => {
  it('finds bt-lsp on PATH in PATH order', () => {
    const check = fsWith('/usr/bin/bt-lsp', '/home/a/go/bin/bt-lsp');
    const r = resolveExecutable('bt-lsp', '', '/home/a/go/bin:/usr/bin', check);
    assert.deepEqual(r, { ok: true, path: '/home/a/go/bin/bt-lsp', source: 'PATH' });
  });

  it('prefers the setting over PATH', () => {
    const check = fsWith('/usr/bin/bt-lsp', '/opt/bt/bt-lsp');
    assert.deepEqual(resolveExecutable('bt-lsp', '/opt/bt/bt-lsp', '/usr/bin', check), { ok: true, path: '/opt/bt/bt-lsp', source: 'setting' });
  });

  it('reports a setting that points nowhere instead of falling back to PATH', () => {
    const check = fsWith('/usr/bin/bt-lsp');
    const r = resolveExecutable('bt-lsp', '/opt/missing/bt-lsp', '/usr/bin', check);
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.reason, /\/opt\/missing\/bt-lsp is not an executable/);
  });

  it('looks a bare command name in the setting up on PATH', () => {
    const check = fsWith('/usr/local/bin/bt-lsp-dev');
    assert.deepEqual(resolveExecutable('bt-lsp', 'bt-lsp-dev', '/usr/bin:/usr/local/bin', check), { ok: true, path: '/usr/local/bin/bt-lsp-dev', source: 'PATH' });
  });

  it('says what it tried when nothing is found', () => {
    const r = resolveExecutable('bt-lsp', '', '/a::/b', fsWith());
    assert.deepEqual(r, { ok: false, reason: 'bt-lsp was not found on PATH', tried: ['/a/bt-lsp', '/b/bt-lsp'] });
    assert.deepEqual(searchPath('bt-lsp', undefined, fsWith()), { tried: [] });
  });
});

describe('resolveCli', () => {
  it('uses the bt next to bt-lsp before PATH', () => {
    const check = fsWith('/opt/bt/bin/bt', '/usr/bin/bt');
    assert.deepEqual(resolveCli('', '/opt/bt/bin/bt-lsp', '/usr/bin', check), { ok: true, path: '/opt/bt/bin/bt', source: 'sibling' });
  });

  it('falls back to PATH, and obeys bt.path', () => {
    const check = fsWith('/usr/bin/bt', '/x/bt');
    assert.deepEqual(resolveCli('', '/opt/bt/bin/bt-lsp', '/usr/bin', check), { ok: true, path: '/usr/bin/bt', source: 'PATH' });
    assert.deepEqual(resolveCli('/x/bt', '/usr/bin/bt-lsp', '/usr/bin', check), { ok: true, path: '/x/bt', source: 'setting' });
    assert.equal(resolveCli('', undefined, '/nowhere', check).ok, false);
  });
});

describe('isExecutable on the real file system', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bt-vscode-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts an executable file and rejects plain files and directories', () => {
    const exe = join(dir, 'bt-lsp');
    const plain = join(dir, 'notes.txt');
    writeFileSync(exe, '#!/bin/sh\n');
    chmodSync(exe, 0o755);
    writeFileSync(plain, 'x');
    chmodSync(plain, 0o644);
    mkdirSync(join(dir, 'sub'));
    assert.equal(isExecutable(exe), true);
    assert.equal(isExecutable(join(dir, 'sub')), false);
    assert.equal(isExecutable(join(dir, 'missing')), false);
    // root may execute nothing without an x bit either
    assert.equal(isExecutable(plain), false);
    assert.deepEqual(resolveExecutable('bt-lsp', '', `/nonexistent:${dir}`, isExecutable), { ok: true, path: exe, source: 'PATH' });
  });
});
