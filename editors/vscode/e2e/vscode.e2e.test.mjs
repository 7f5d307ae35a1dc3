// End to end: the packaged extension (.vsix) inside a real VS Code —
// code-server, VS Code's workbench served to a browser — driven through
// headless Chromium with playwright-core, the way a user drives it: keys,
// the command palette, the Problems view, the terminal. Each check reads
// what is on the page; every wait is bounded and polls a condition.
//
// Environment (run.sh sets it):
//   BT_VSIX           the .vsix to install
//   BT_BIN            a directory with bt and bt-lsp (put first on
//                     code-server's PATH, as a user's install would be)
//   CODE_SERVER       the code-server executable
//   CHROMIUM          the browser (default /usr/bin/chromium)
//   BT_E2E_ARTIFACTS  where screenshots and logs go (default ./artifacts)
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = fileURLToPath(new URL('.', import.meta.url));
const VSIX = process.env.BT_VSIX ?? '';
const BIN = process.env.BT_BIN ?? '';
const CODE_SERVER = process.env.CODE_SERVER ?? join(here, 'node_modules/.bin/code-server');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = process.env.BT_E2E_ARTIFACTS ?? join(here, 'artifacts');
// Bound of every wait for the workbench to react: generous, because other
// work may load the machine. The first page load (code-server serving
// the workbench) gets a longer one.
// BT_E2E_WAIT (ms) raises them on a slow machine.
const WAIT = Number(process.env.BT_E2E_WAIT) || 60_000;
const LOAD_WAIT = 120_000;
const BTF = '/sys/kernel/btf/vmlinux';

const root = mkdtempSync(join(tmpdir(), 'bt-vscode-e2e-'));
const home = join(root, 'home');
const userData = join(root, 'user-data');
const extensions = join(root, 'extensions');
const ws = join(root, 'workspace');

// The workspace: a script importing a .bpf.c, one for completion and
// hover, one with an error that is never opened (only "bt: Check
// workspace" can report it), and one to run.
const files = {
  'trace.bt': [
    'import "lib.bpf.c";',
    '',
    'tracepoint:sched:sched_switch {',
    '  @switches[comm] = count();',
    '  $t = add_one(nsecs);',
    '  @last = 1;',
    '  @last = "switch";',
    '}',
    '',
  ],
  'lib.bpf.c': ['// helpers for trace.bt', 'unsigned long add_one(unsigned long x)', '{', '  return x + 1;', '}', ''],
  'complete.bt': ['tracepoint:sched: { }', ''],
  'unopened/bad.bt': ['begin {', '  $x = nsec;', '}', ''],
  'hello.bt': ['begin { printf("hello from bt run\\n"); exit(); }', ''],
};

const settings = {
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.colorTheme': 'Default Dark Modern',
  'editor.semanticHighlighting.enabled': true,
  'editor.minimap.enabled': false,
  'editor.quickSuggestions': { other: false, comments: false, strings: false },
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'chat.disableAIFeatures': true,
  'update.mode': 'none',
  // The DOM renderer, so that the terminal's text is readable on the page.
  'terminal.integrated.gpuAcceleration': 'off',
  'terminal.integrated.defaultProfile.linux': 'bash',
  'terminal.integrated.profiles.linux': { bash: { path: '/bin/bash', args: ['--norc', '--noprofile'] } },
  'terminal.integrated.shellIntegration.enabled': false,
};

let server; // the code-server child process
let serverLog = '';
let browser;
let page;
let shot = 0;

function skipReason() {
  if (!VSIX || !existsSync(VSIX)) return `BT_VSIX is not a .vsix (${VSIX || 'unset'})`;
  if (!BIN || !existsSync(join(BIN, 'bt-lsp')) || !existsSync(join(BIN, 'bt'))) return `BT_BIN has no bt and bt-lsp (${BIN || 'unset'})`;
  if (!existsSync(CODE_SERVER)) return `no code-server at ${CODE_SERVER}`;
  if (!existsSync(CHROMIUM)) return `no browser at ${CHROMIUM}`;
  return undefined;
}

async function screenshot(name) {
  if (!page) return;
  shot++;
  const file = join(ARTIFACTS, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file }).catch(() => {});
}

// Polls fn until it returns a truthy value, at most `ms`; returns that value
// or throws with `what` and the last value seen.
async function waitFor(what, fn, ms = WAIT) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await sleep(100);
  }
}

function startCodeServer() {
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local/share'), SHELL: '/bin/bash', PATH: `${BIN}:${process.env.PATH}` };
  const args = ['--config', join(root, 'config.yaml'), '--auth', 'none', '--bind-addr', '127.0.0.1:0', '--user-data-dir', userData, '--extensions-dir', extensions, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', ws];
  server = spawn(CODE_SERVER, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const onData = (b) => {
    serverLog += b.toString();
  };
  server.stdout.on('data', onData);
  server.stderr.on('data', onData);
  return waitFor('code-server listening', () => {
    if (server.exitCode !== null) throw new Error(`code-server exited with ${server.exitCode}: ${serverLog}`);
    return serverLog.match(/HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
  });
}

// The bt-lsp processes that are descendants of our code-server.
function ourServers() {
  const procs = new Map();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      procs.set(Number(pid), { ppid, cmd });
    } catch {
      // the process ended while we looked
    }
  }
  const descends = (pid) => {
    for (let p = pid, n = 0; p > 1 && n < 64; n++) {
      if (p === server.pid) return true;
      p = procs.get(p)?.ppid ?? 0;
    }
    return false;
  };
  return [...procs].filter(([pid, p]) => p.cmd[0] === join(BIN, 'bt-lsp') && descends(pid)).map(([pid]) => pid);
}

// Whether this bt has a `run` command yet (it is being written): then
// "bt: Run script" is also checked for the script's output.
function btHasRun() {
  try {
    execFileSync(join(BIN, 'bt'), ['run', '--help'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

const palette = () => page.locator('.quick-input-widget');

// Runs a command by its palette title, as a user does with F1. A command
// that asks for more in the same quick input (picks) leaves it open.
async function runCommand(title, { picks = false, timeout = WAIT } = {}) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  await palette().waitFor({ state: 'visible', timeout: WAIT });
  await page.keyboard.type(title);
  const row = palette().locator('.monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout });
  await row.click();
  if (!picks) await palette().waitFor({ state: 'hidden', timeout: WAIT });
}

// Clicks the row of the open quick input whose label is exactly `label`.
async function pick(label, ms = WAIT) {
  const rows = palette().locator('.monaco-list-row');
  const i = await waitFor(`"${label}" in the quick pick`, async () => {
    const names = await rows.evaluateAll((rs) => rs.map((r) => r.querySelector('.label-name')?.textContent?.trim()));
    const at = names.indexOf(label);
    return at >= 0 ? at + 1 : false;
  }, ms);
  await rows.nth(i - 1).click();
  await palette().waitFor({ state: 'hidden', timeout: WAIT });
}

// Opens a file of the workspace's top folder by clicking it in the
// Explorer, and waits for its editor. (Not Quick Open: its file search
// can take long on a loaded machine right after start.)
async function openFile(name) {
  await page.keyboard.press('Escape');
  if (!(await page.locator('.explorer-folders-view').isVisible())) await runCommand('View: Show Explorer');
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first();
  await row.waitFor({ state: 'visible', timeout: WAIT });
  await row.click();
  await page.locator(`.tab.active[aria-label*="${name}"]`).waitFor({ timeout: WAIT });
  await focusEditor();
}

async function focusEditor() {
  await page.locator('.editor-group-container.active .monaco-editor textarea').focus();
}

// Puts the cursor at a 1-based line and column with "Go to Line/Column".
async function goTo(line, column) {
  await page.keyboard.press('Control+G');
  await palette().waitFor({ state: 'visible', timeout: WAIT });
  await page.keyboard.type(`${line}:${column}`);
  await page.keyboard.press('Enter');
  await palette().waitFor({ state: 'hidden', timeout: WAIT });
  await waitFor(`cursor at ${line}:${column}`, async () => {
    const status = await page.locator('#status\\.editor\\.selection').innerText();
    return status.includes(`Ln ${line}, Col ${column}`) ? status : false;
  });
}

// The rows of the Problems view: their accessible labels, which say the
// message, the source, the line and the column.
async function problems() {
  const panel = page.locator('.markers-panel');
  if (!(await panel.isVisible())) await runCommand('View: Focus Problems');
  return panel.locator('.monaco-list-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? r.textContent));
}

// The text of the active terminal (DOM renderer: one element per row).
function terminalText() {
  return page.locator('.terminal-wrapper.active .xterm-rows').evaluate((el) => [...el.children].map((r) => r.textContent.trimEnd()).join('\n'));
}

const reason = skipReason();

// node:test's it(), plus a screenshot of the page when the test fails.
function check(name, opts, fn) {
  if (typeof opts === 'function') [opts, fn] = [{}, opts];
  it(name, opts, async () => {
    try {
      await fn();
    } catch (err) {
      await screenshot(`FAILED-${name.replace(/\W+/g, '-').slice(0, 40)}`);
      throw err;
    }
  });
}

describe('bt in VS Code (code-server)', { skip: reason }, () => {
  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    for (const f of readdirSync(ARTIFACTS)) if (f.endsWith('.png') || f.endsWith('.log')) rmSync(join(ARTIFACTS, f));
    mkdirSync(join(userData, 'User'), { recursive: true });
    mkdirSync(home, { recursive: true });
    writeFileSync(join(root, 'config.yaml'), '');
    // bt and bt-lsp on PATH the way a user puts them there: code-server
    // takes the extension host's environment from a login shell, which
    // reads ~/.profile (and /etc/profile, which resets PATH before it).
    writeFileSync(join(home, '.profile'), `export PATH=${BIN}:"$PATH"\n`);
    writeFileSync(join(userData, 'User/settings.json'), JSON.stringify(settings, null, 2));
    for (const [name, lines] of Object.entries(files)) {
      mkdirSync(join(ws, name, '..'), { recursive: true });
      writeFileSync(join(ws, name), lines.join('\n'));
    }
    execFileSync(CODE_SERVER, ['--config', join(root, 'config.yaml'), '--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', VSIX], {
      env: { ...process.env, HOME: home },
      stdio: 'pipe',
    });
    const url = await startCodeServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // no connections of the browser's own: the page is all it loads
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    await page.goto(`${url}/?folder=${encodeURIComponent(ws)}`);
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: LOAD_WAIT });
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'trace.bt' }).waitFor({ timeout: LOAD_WAIT });
  });

  after(async () => {
    await screenshot('end');
    await browser?.close().catch(() => {});
    if (server && server.exitCode === null) {
      // code-server and everything it started (extension host, bt-lsp,
      // terminals) are one process group.
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      await waitFor('code-server to exit', () => server.exitCode !== null || server.signalCode !== null, 10_000).catch(() => process.kill(-server.pid, 'SIGKILL'));
    }
    writeFileSync(join(ARTIFACTS, 'code-server.log'), serverLog);
    rmSync(root, { recursive: true, force: true });
  });

  check('installed the .vsix: the extension is listed with its version', () => {
    const out = execFileSync(CODE_SERVER, ['--config', join(root, 'config.yaml'), '--extensions-dir', extensions, '--list-extensions', '--show-versions'], { env: { ...process.env, HOME: home }, encoding: 'utf8' });
    const pkg = JSON.parse(readFileSync(join(here, '../package.json'), 'utf8'));
    assert.match(out, new RegExp(`^${pkg.publisher}\\.${pkg.name}@${pkg.version.replace(/\./g, '\\.')}$`, 'm'));
  });

  check('a .bt file opens as bpftrace, the extension activates and starts bt-lsp', async () => {
    await openFile('trace.bt');
    await waitFor('language mode bpftrace in the status bar', async () => (await page.locator('#status\\.editor\\.mode').innerText()).trim() === 'bpftrace');
    // "Output: Show Output Channels..." is only registered once the Output
    // view has been created (in a fresh profile it is not yet): show the
    // view first.
    await runCommand('Output: Focus on Output View');
    // The channel exists once the extension has activated, which may still
    // be under way: the picker lists the channels of when it opened, so
    // open it again until "bt" is among them.
    await waitFor('the "bt" output channel', async () => {
      // The command may be registered a moment after the view exists:
      // short attempts, showing the view again between them.
      try {
        await runCommand('Output: Show Output Channels...', { picks: true, timeout: 5_000 });
      } catch {
        await page.keyboard.press('Escape');
        await runCommand('Output: Focus on Output View', { timeout: 5_000 }).catch(() => {});
        return false;
      }
      await page.keyboard.type('bt');
      try {
        await pick('bt', 5_000);
        return true;
      } catch {
        await page.keyboard.press('Escape');
        return false;
      }
    });
    const out = page.locator('.part.panel .output-view .view-lines');
    const text = await waitFor('"starting …/bt-lsp" in the bt output channel', async () => {
      const t = (await out.innerText()).replace(/\u00a0/g, ' ');
      return t.includes(`starting ${join(BIN, 'bt-lsp')} (found via PATH)`) ? t : false;
    });
    assert.doesNotMatch(text, /failed to start|not started/);
    const pids = await waitFor('a bt-lsp process under code-server', () => ourServers().length > 0 && ourServers());
    assert.equal(pids.length, 1, `bt-lsp processes: ${pids}`);
    await screenshot('output-channel');
  });

  check('a diagnostic from bt-lsp is in the Problems view at its line', async () => {
    await openFile('trace.bt');
    const rows = await waitFor('the map type conflict in the Problems view', async () => {
      const r = await problems();
      return r.some((l) => /@last/.test(l) && /at line 7 and character 3\b/.test(l)) && r;
    });
    const row = rows.find((l) => /@last/.test(l));
    assert.match(row, /\bbt\b/, `source bt in ${row}`);
    assert.match(row, /error/i, row);
    // and the editor underlines it: a squiggle on line 7
    await goTo(7, 3);
    await screenshot('problems');
  });

  check('completion after tracepoint:sched: lists sched_switch', { skip: !existsSync(BTF) && `no ${BTF}` }, async () => {
    await openFile('complete.bt');
    // the incomplete attach point is an error, until it is completed below
    await waitFor('complete.bt\'s missing event in the Problems view', async () => (await problems()).some((l) => /missing tracepoint event/.test(l)));
    await focusEditor();
    await goTo(1, 18);
    await page.keyboard.press('Control+Space');
    const widget = page.locator('.editor-widget.suggest-widget');
    // The list shows a dozen rows at a time; typing narrows it as a user
    // would. "sched_" first: both events must be offered.
    await widget.waitFor({ state: 'visible', timeout: WAIT });
    await page.keyboard.type('sched_w');
    const rows = () => widget.locator('.monaco-list-row').evaluateAll((rs) => rs.map((r) => r.getAttribute('aria-label') ?? r.textContent));
    let labels = await waitFor('sched_wakeup in the suggestions after "sched_w"', async () => {
      const l = await rows();
      return l.some((x) => /^sched_wakeup\b/.test(x)) && l;
    });
    await page.keyboard.press('Backspace');
    await page.keyboard.type('sw');
    labels = await waitFor('sched_switch in the suggestions after "sched_sw"', async () => {
      const l = await rows();
      return l.some((x) => /^sched_switch\b/.test(x)) && l;
    });
    assert.ok(!labels.some((x) => /sys_enter/.test(x)), `a syscalls event offered: ${labels}`);
    // one more letter makes it the first; accepting it completes the
    // attach point
    await page.keyboard.type('i');
    await waitFor('sched_switch first after "sched_swi"', async () => /^sched_switch\b/.test((await rows())[0] ?? ''));
    await page.keyboard.press('Enter');
    await waitFor('the completed line', async () => (await page.locator('.editor-group-container.active .view-line').first().innerText()).replace(/\u00a0/g, ' ') === 'tracepoint:sched:sched_switch { }');
    // and the server, told of the edit, takes back its error for the line
    await waitFor('complete.bt\'s attach point error to go', async () => !(await problems()).some((l) => /sched:sched_|missing tracepoint event/.test(l)));
    await screenshot('completion');
    await runCommand('File: Revert File');
  });

  check('hover on a builtin shows its documentation', async () => {
    await openFile('trace.bt');
    await goTo(5, 17); // on nsecs
    await runCommand('Show or Focus Hover');
    const hover = page.locator('.monaco-hover:visible');
    const text = await waitFor('hover text', async () => {
      const t = (await hover.allInnerTexts()).join('\n');
      return t.includes('nsecs') && t.includes('timestamp in nanoseconds') && t;
    });
    assert.ok(text.length > 20, text);
    await screenshot('hover');
    await page.keyboard.press('Escape');
  });

  check('semantic highlighting from bt-lsp is applied', async () => {
    await openFile('trace.bt');
    await goTo(5, 17); // nsecs: a read-only builtin variable
    await runCommand('Developer: Inspect Editor Tokens and Scopes');
    const widget = page.locator('.token-inspect-widget');
    const text = await waitFor('the semantic token of nsecs', async () => {
      const t = await widget.innerText();
      return /semantic token type\s+variable/.test(t) && t;
    });
    assert.match(text, /modifiers\s+[^\n]*defaultLibrary/, text);
    assert.match(text, /readonly/, text);
    await screenshot('semantic-tokens');
    await page.keyboard.press('Escape');
  });

  check('"bt: Check workspace" fills the Problems view, also for files never opened', async () => {
    const before = await problems();
    assert.ok(!before.some((l) => /nsec\b/.test(l) && /bt check/.test(l)), `already there: ${before}`);
    await runCommand('bt: Check workspace');
    // the Problems view's filter, so that bad.bt's row is in view
    const filter = page.locator('.markers-panel-action-filter input, .viewpane-filter input').first();
    await filter.fill('unknown identifier');
    const rows = await waitFor('bad.bt\'s error from bt check in the Problems view', async () => {
      const r = await problems();
      return r.some((l) => /bt check/.test(l) && /nsec/.test(l)) && r;
    });
    const row = rows.find((l) => /bt check/.test(l) && /nsec/.test(l));
    assert.match(row, /at line 2 and character 8\b/, row);
    await screenshot('check-workspace');
    await filter.fill('');
  });

  check('"bt: Run script" runs `bt run <file>` in a terminal', async () => {
    await openFile('hello.bt');
    await runCommand('bt: Run script');
    await page.locator('.terminal-wrapper.active .xterm-rows').waitFor({ timeout: WAIT });
    const want = `${join(BIN, 'bt')} run ${join(ws, 'hello.bt')}`;
    const text = await waitFor(`"${want}" typed in the terminal`, async () => {
      const t = await terminalText();
      return t.replace(/\n/g, '').includes(want) && t;
    });
    const tab = await page.locator('.part.panel .single-terminal-tab, .part.panel .terminal-tabs-entry').first().innerText();
    writeFileSync(join(ARTIFACTS, 'terminal.log'), `${tab}\n${text}\n`);
    assert.match(tab, /bt run hello\.bt/, 'the terminal\'s name');
    assert.ok(!text.includes(`sudo ${want}`), 'sudo used although VS Code runs as root');
    // Once bt has a run command, the script's output follows in the terminal.
    if (btHasRun()) {
      const out = await waitFor('the script\'s output in the terminal', async () => {
        const t = await terminalText();
        return t.includes('hello from bt run') && t;
      });
      writeFileSync(join(ARTIFACTS, 'terminal.log'), `${tab}\n${out}\n`);
    }
    await screenshot('run-script');
  });
});
