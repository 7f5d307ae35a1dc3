// package.json, language-configuration.json and the wiring between them
// and the code: what VS Code reads without running the extension.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const root = new URL('../../', import.meta.url);
const readJson = (p: string) => JSON.parse(readFileSync(new URL(p, root), 'utf8'));
const pkg = readJson('package.json');
const langConf = readJson('language-configuration.json');
const grammar = readJson('syntaxes/bpftrace.tmLanguage.json');

describe('package.json', () => {
  it('has the metadata a Marketplace listing needs', () => {
    assert.equal(pkg.publisher, 'bt-tools');
    assert.equal(pkg.name, 'bt');
    assert.match(pkg.version, /^\d+\.\d+\.\d+$/);
    assert.ok(pkg.displayName && pkg.description && pkg.license);
    assert.match(pkg.repository.url, /^https:\/\/github\.com\/bt-tools\/bt/);
    assert.ok(pkg.engines.vscode.startsWith('^1.'));
    assert.ok(pkg.categories.includes('Programming Languages'));
    assert.ok(pkg.keywords.includes('bpftrace'));
    // vscode-languageclient 9 needs VS Code 1.82 or newer
    assert.equal(pkg.engines.vscode, '^1.82.0');
    assert.match(pkg.dependencies['vscode-languageclient'], /^\^9\./);
  });

  it('ships files that exist', () => {
    for (const f of pkg.files.filter((f: string) => !f.startsWith('dist/'))) {
      assert.ok(existsSync(new URL(f, root)), `${f} is listed in "files" but missing`);
    }
    assert.equal(pkg.main, './dist/extension.js');
  });

  it('declares the bpftrace language for .bt files and bpftrace/bt shebangs', () => {
    const lang = pkg.contributes.languages.find((l: { id: string }) => l.id === 'bpftrace');
    assert.deepEqual(lang.extensions, ['.bt']);
    assert.equal(lang.firstLine, grammar.firstLineMatch, 'package.json and the grammar must agree on shebangs');
    const first = new RegExp(lang.firstLine);
    for (const yes of [
      '#!/usr/bin/bpftrace',
      '#!/usr/bin/env bpftrace',
      '#!/usr/local/bin/bpftrace -q',
      '#!/usr/bin/env -S bpftrace --unsafe',
      '#!/usr/bin/env bt',
      '#!/usr/bin/env -S bt run',
      '#!/opt/bt/bin/bt run',
    ]) assert.ok(first.test(yes), yes);
    for (const no of ['#!/bin/bash', '#!/usr/bin/env python3', '#!/usr/bin/btrfs-check', '#!/usr/bin/env bpftool', '// bpftrace', 'kprobe:f {}']) {
      assert.ok(!first.test(no), no);
    }
  });

  it('contributes the grammar, snippets and language configuration', () => {
    assert.deepEqual(pkg.contributes.grammars, [{ language: 'bpftrace', scopeName: 'source.bpftrace', path: './syntaxes/bpftrace.tmLanguage.json' }]);
    assert.equal(grammar.scopeName, 'source.bpftrace');
    assert.equal(pkg.contributes.snippets[0].path, './snippets/bpftrace.json');
  });

  it('declares the settings the extension reads', () => {
    const props = pkg.contributes.configuration.properties;
    assert.deepEqual(Object.keys(props).sort(), ['bt.btf', 'bt.clang.path', 'bt.path', 'bt.server.path', 'bt.trace.server']);
    assert.deepEqual(props['bt.trace.server'].enum, ['off', 'messages', 'verbose']);
    for (const p of ['bt.server.path', 'bt.path', 'bt.clang.path']) {
      assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(p), `${p} must be restricted in untrusted workspaces`);
    }
  });

  it('declares exactly the commands the extension registers', () => {
    const src = readFileSync(new URL('src/extension.ts', root), 'utf8');
    const registered = [...src.matchAll(/registerCommand\('([^']+)'/g)].map((m) => m[1]).sort();
    const declared = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
    assert.deepEqual(declared, registered);
    const titles = Object.fromEntries(pkg.contributes.commands.map((c: { command: string; category: string; title: string }) => [c.command, `${c.category}: ${c.title}`]));
    assert.equal(titles['bt.runScript'], 'bt: Run script');
    assert.equal(titles['bt.checkWorkspace'], 'bt: Check workspace');
  });
});

describe('language-configuration.json', () => {
  it('uses // and /* */ comments and closes quotes', () => {
    assert.equal(langConf.comments.lineComment, '//');
    assert.deepEqual(langConf.comments.blockComment, ['/*', '*/']);
    const pairs = langConf.autoClosingPairs.map((p: { open: string; close: string }) => p.open + p.close);
    for (const p of ['{}', '[]', '()', '""']) assert.ok(pairs.includes(p), p);
  });

  it('treats $x, @x, @, $1 and $# as words', () => {
    const word = new RegExp(langConf.wordPattern, 'g');
    const words = (s: string) => s.match(word);
    assert.deepEqual(words('@start[tid] = $x + $1 + $#; @ = count();'), ['@start', 'tid', '$x', '$1', '$#', '@', 'count']);
    assert.deepEqual(words('args.filename'), ['args', 'filename']);
    assert.deepEqual(words('1_000ms + 0x1f'), ['1_000ms', '0x1f']);
  });

  it('indents after { and outdents on }', () => {
    const inc = new RegExp(langConf.indentationRules.increaseIndentPattern);
    const dec = new RegExp(langConf.indentationRules.decreaseIndentPattern);
    assert.ok(inc.test('kprobe:vfs_read /pid == 1/ {'));
    assert.ok(inc.test('  if ($x > 1) {'));
    assert.ok(!inc.test('  @x[1] = { 1 };'));
    assert.ok(!inc.test('  // a comment with {'));
    assert.ok(dec.test('  }'));
    assert.ok(dec.test('} else {'));
    assert.ok(!dec.test('  $x = 1;'));
  });
});
