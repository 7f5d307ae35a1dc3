import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildCheckArgs, buildRunCommand, parseCheckOutput, PROBLEM_PATTERN, shellQuote } from '../../src/commands.ts';

describe('shellQuote', () => {
  it('leaves plain words alone and quotes the rest', () => {
    assert.equal(shellQuote('/usr/bin/bt'), '/usr/bin/bt');
    assert.equal(shellQuote('a b'), "'a b'");
    assert.equal(shellQuote(''), "''");
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.equal(shellQuote('$HOME'), "'$HOME'");
  });
});

describe('buildRunCommand', () => {
  it('prefixes sudo unless root', () => {
    assert.equal(buildRunCommand({ bt: 'bt', file: '/t/a.bt', isRoot: false }), 'sudo bt run /t/a.bt');
    assert.equal(buildRunCommand({ bt: 'bt', file: '/t/a.bt', isRoot: true }), 'bt run /t/a.bt');
  });

  it('quotes paths with spaces and quotes', () => {
    assert.equal(
      buildRunCommand({ bt: '/opt/my tools/bt', file: "/home/ann/it's here/x.bt", isRoot: true, args: ['--', '-p', '42'] }),
      `'/opt/my tools/bt' run '/home/ann/it'\\''s here/x.bt' -- -p 42`,
    );
  });

  describe('through a real shell', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bt run dir '));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('reaches bt with each path as one argument', () => {
      // A stand-in for bt that records its arguments, one per line.
      const fake = join(dir, "fake bt's");
      const log = join(dir, 'argv.txt');
      writeFileSync(fake, `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > '${log}'\n`);
      chmodSync(fake, 0o755);
      const script = join(dir, 'my "odd" $script.bt');
      const line = buildRunCommand({ bt: fake, file: script, isRoot: true, args: ['a b', '*'] });
      execFileSync('/bin/sh', ['-c', line]);
      assert.deepEqual(readFileSync(log, 'utf8').split('\n').slice(0, -1), ['run', script, 'a b', '*']);
    });
  });
});

describe('bt check', () => {
  it('builds sorted arguments', () => {
    assert.deepEqual(buildCheckArgs(['b.bt', 'a/c.bt']), ['check', 'a/c.bt', 'b.bt']);
  });

  // The shape of diag.Render's output: a header line, the source line, a
  // caret line, then optional hint, fix and note lines.
  const output = [
    'tools/open.bt:3:29: error[E0101]: cannot add string to integer',
    '   3 | kprobe:do_nanosleep { @x = arg0 + "a" }',
    '     |                            ^~~~~~~~~~',
    '  = hint: cast one side',
    'tools/open.bt:1:1: note: @x first used here',
    '\x1b[1mlib/dir with space/x.bt:10:2:\x1b[0m \x1b[1;33mwarning[W0002]:\x1b[0m \x1b[1mmap @a is never read\x1b[0m',
    'x.bt:7:5: info: probe matches 12 functions',
    'x.bt:8:1: hint[style]: prefer fentry',
    'bt: 2 errors',
  ].join('\n');

  it('reads every diagnostic and skips the rest', () => {
    assert.deepEqual(parseCheckOutput(output), [
      { file: 'tools/open.bt', line: 3, column: 29, severity: 'error', code: 'E0101', message: 'cannot add string to integer' },
      { file: 'lib/dir with space/x.bt', line: 10, column: 2, severity: 'warning', code: 'W0002', message: 'map @a is never read' },
      { file: 'x.bt', line: 7, column: 5, severity: 'info', message: 'probe matches 12 functions' },
      { file: 'x.bt', line: 8, column: 1, severity: 'hint', code: 'style', message: 'prefer fentry' },
    ]);
  });

  it('uses the same pattern as the $bt problem matcher in package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const matcher = pkg.contributes.problemMatchers.find((m: { name: string }) => m.name === 'bt');
    assert.equal(matcher.pattern.regexp, PROBLEM_PATTERN);
    assert.deepEqual(
      [matcher.pattern.file, matcher.pattern.line, matcher.pattern.column, matcher.pattern.severity, matcher.pattern.code, matcher.pattern.message],
      [1, 2, 3, 4, 5, 6],
    );
  });
});
