import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildDidChangeConfiguration,
  buildInitializationOptions,
  expandPath,
  needsRestart,
  readSettings,
  type BtSettings,
} from '../../src/settings.ts';

const base: BtSettings = { serverPath: '', cliPath: '', btf: '', clangPath: '', trace: 'off' };

describe('readSettings', () => {
  it('maps the bt.* keys and trims values', () => {
    const values: Record<string, unknown> = {
      'server.path': ' /opt/bt/bin/bt-lsp ',
      path: '/opt/bt/bin/bt',
      btf: '/tmp/vmlinux.btf',
      'clang.path': '/usr/bin/clang-19',
      'trace.server': 'verbose',
    };
    assert.deepEqual(readSettings((k) => values[k]), {
      serverPath: '/opt/bt/bin/bt-lsp',
      cliPath: '/opt/bt/bin/bt',
      btf: '/tmp/vmlinux.btf',
      clangPath: '/usr/bin/clang-19',
      trace: 'verbose',
    });
  });

  it('falls back to defaults for missing or wrongly typed values', () => {
    const values: Record<string, unknown> = { 'server.path': 42, 'trace.server': 'loud' };
    assert.deepEqual(readSettings((k) => values[k]), base);
  });
});

describe('expandPath', () => {
  const ctx = { home: '/home/ann', workspaceFolder: '/work/proj', env: { BT_HOME: '/opt/bt' } };

  it('expands ~ and ${userHome}', () => {
    assert.equal(expandPath('~/bin/bt-lsp', ctx), '/home/ann/bin/bt-lsp');
    assert.equal(expandPath('~', ctx), '/home/ann');
    assert.equal(expandPath('${userHome}/x', ctx), '/home/ann/x');
  });

  it('expands ${workspaceFolder} and ${env:NAME}', () => {
    assert.equal(expandPath('${workspaceFolder}/bin/bt-lsp', ctx), '/work/proj/bin/bt-lsp');
    assert.equal(expandPath('${env:BT_HOME}/bin/bt-lsp', ctx), '/opt/bt/bin/bt-lsp');
    assert.equal(expandPath('${env:UNSET}/bt-lsp', ctx), '/bt-lsp');
  });

  it('resolves relative paths against the workspace but keeps bare names', () => {
    assert.equal(expandPath('./bin/bt-lsp', ctx), '/work/proj/bin/bt-lsp');
    assert.equal(expandPath('bin/bt-lsp', ctx), '/work/proj/bin/bt-lsp');
    assert.equal(expandPath('bt-lsp', ctx), 'bt-lsp');
    assert.equal(expandPath('', ctx), '');
  });
});

describe('server options', () => {
  it('leaves unset settings out of initializationOptions', () => {
    assert.deepEqual(buildInitializationOptions(base), {});
    assert.deepEqual(buildInitializationOptions({ ...base, btf: '/tmp/a.btf' }), { btf: '/tmp/a.btf' });
  });

  it('sends btf and clang, expanded, under the same names in both messages', () => {
    const s = { ...base, btf: '~/vmlinux', clangPath: '${workspaceFolder}/tools/clang' };
    const ctx = { home: '/root', workspaceFolder: '/w' };
    assert.deepEqual(buildInitializationOptions(s, ctx), { btf: '/root/vmlinux', clang: '/w/tools/clang' });
    assert.deepEqual(buildDidChangeConfiguration(s, ctx), { settings: { bt: { btf: '/root/vmlinux', clang: '/w/tools/clang' } } });
  });

  it('does not send the trace level or executable paths to the server', () => {
    const s = { ...base, serverPath: '/x/bt-lsp', cliPath: '/x/bt', trace: 'messages' as const };
    assert.deepEqual(buildInitializationOptions(s), {});
  });

  it('restarts only when the server executable changes', () => {
    assert.equal(needsRestart(base, { ...base, btf: '/tmp/b' }), false);
    assert.equal(needsRestart(base, { ...base, trace: 'verbose' }), false);
    assert.equal(needsRestart(base, { ...base, serverPath: '/x/bt-lsp' }), true);
  });
});
