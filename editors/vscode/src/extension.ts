// The VS Code side: language client for bt-lsp, and the two commands.
// Everything that can be decided without VS Code lives in the other
// modules of src/ and is unit-tested there.

import { execFile } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions as LspServerOptions,
} from 'vscode-languageclient/node';
import { buildCheckArgs, buildRunCommand, parseCheckOutput, type CheckDiagnostic } from './commands';
import { INSTALL_URL, LANGUAGE_ID, SECTION, SERVER_NAME } from './constants';
import { isExecutable, resolveCli, resolveExecutable } from './serverPath';
import {
  buildDidChangeConfiguration,
  buildInitializationOptions,
  expandPath,
  needsRestart,
  readSettings,
  type BtSettings,
  type ExpandContext,
} from './settings';

let client: LanguageClient | undefined;
let current: BtSettings | undefined;
let output: vscode.OutputChannel;
let checkDiagnostics: vscode.DiagnosticCollection;

function settings(): BtSettings {
  const cfg = vscode.workspace.getConfiguration(SECTION);
  return readSettings((key) => cfg.get(key));
}

function expandContext(): ExpandContext {
  return { workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath, env: process.env };
}

async function offerInstall(message: string): Promise<void> {
  const install = 'Install instructions';
  const open = 'Open settings';
  const choice = await vscode.window.showErrorMessage(message, install, open);
  if (choice === install) {
    await vscode.env.openExternal(vscode.Uri.parse(INSTALL_URL));
  } else if (choice === open) {
    await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.server.path`);
  }
}

async function startClient(): Promise<void> {
  const s = settings();
  current = s;
  const ctx = expandContext();
  const r = resolveExecutable(SERVER_NAME, expandPath(s.serverPath, ctx), process.env.PATH, isExecutable);
  if (!r.ok) {
    output.appendLine(`bt-lsp not started: ${r.reason}; tried: ${r.tried.join(', ') || '(empty PATH)'}`);
    void offerInstall(`bt: the language server could not be started: ${r.reason}. Install bt (it ships bt-lsp) or set "bt.server.path".`);
    return;
  }
  output.appendLine(`starting ${r.path} (found via ${r.source})`);
  const serverOptions: LspServerOptions = { command: r.path, args: [] };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: LANGUAGE_ID },
      { scheme: 'untitled', language: LANGUAGE_ID },
    ],
    initializationOptions: buildInitializationOptions(s, ctx),
    outputChannel: output,
  };
  client = new LanguageClient(SECTION, 'bt language server', serverOptions, clientOptions);
  try {
    await client.start();
  } catch (err) {
    output.appendLine(`bt-lsp failed to start: ${String(err)}`);
    void offerInstall(`bt: ${SERVER_NAME} at ${r.path} failed to start (see the "bt" output).`);
  }
}

async function stopClient(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) {
    try {
      await c.stop();
    } catch {
      // a server that already died cannot be stopped; nothing to do
    }
  }
}

async function onConfigurationChanged(e: vscode.ConfigurationChangeEvent): Promise<void> {
  if (!e.affectsConfiguration(SECTION)) return;
  const next = settings();
  if (!current || !client || needsRestart(current, next)) {
    await stopClient();
    await startClient();
    return;
  }
  current = next;
  if (client.isRunning()) {
    await client.sendNotification(DidChangeConfigurationNotification.type, buildDidChangeConfiguration(next, expandContext()));
  }
}

function resolveBt(): string | undefined {
  const s = settings();
  const ctx = expandContext();
  const server = resolveExecutable(SERVER_NAME, expandPath(s.serverPath, ctx), process.env.PATH, isExecutable);
  const r = resolveCli(expandPath(s.cliPath, ctx), server.ok ? server.path : undefined, process.env.PATH, isExecutable);
  if (!r.ok) {
    void offerInstall(`bt: the bt command was not found (${r.reason}). Install bt or set "bt.path".`);
    return undefined;
  }
  return r.path;
}

async function runScript(uri?: vscode.Uri): Promise<void> {
  const doc = uri
    ? await vscode.workspace.openTextDocument(uri)
    : vscode.window.activeTextEditor?.document;
  if (!doc || doc.languageId !== LANGUAGE_ID) {
    void vscode.window.showWarningMessage('bt: open a bpftrace script (.bt) to run it.');
    return;
  }
  if (doc.isUntitled) {
    void vscode.window.showWarningMessage('bt: save the script to a file before running it.');
    return;
  }
  if (doc.isDirty && !(await doc.save())) return;
  const bt = resolveBt();
  if (!bt) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const terminal = vscode.window.createTerminal({ name: `bt run ${path.basename(doc.fileName)}`, cwd: path.dirname(doc.fileName) });
  terminal.show();
  terminal.sendText(buildRunCommand({ bt, file: doc.fileName, isRoot }));
}

function runCheck(bt: string, cwd: string, files: string[]): Promise<{ diagnostics: CheckDiagnostic[]; code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bt, buildCheckArgs(files), { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ diagnostics: parseCheckOutput(`${stdout}\n${stderr}`), code, stderr });
    });
  });
}

const SEVERITY: Record<CheckDiagnostic['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

async function checkWorkspace(): Promise<void> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    void vscode.window.showWarningMessage('bt: open a folder to check its scripts.');
    return;
  }
  const bt = resolveBt();
  if (!bt) return;
  checkDiagnostics.clear();
  let total = 0;
  let scripts = 0;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'bt check' }, async () => {
    for (const folder of folders) {
      const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/*.bt'), '**/node_modules/**');
      const files = uris.map((u) => path.relative(folder.uri.fsPath, u.fsPath));
      scripts += files.length;
      const byFile = new Map<string, vscode.Diagnostic[]>();
      for (let i = 0; i < files.length; i += 200) {
        const r = await runCheck(bt, folder.uri.fsPath, files.slice(i, i + 200));
        if (r.code !== 0 && r.code !== 1) {
          output.appendLine(`bt check exited with ${r.code}: ${r.stderr}`);
          void vscode.window.showErrorMessage(`bt check failed (exit ${r.code}); see the "bt" output.`);
        }
        for (const d of r.diagnostics) {
          const file = path.resolve(folder.uri.fsPath, d.file);
          const pos = new vscode.Position(Math.max(0, d.line - 1), Math.max(0, d.column - 1));
          const diag = new vscode.Diagnostic(new vscode.Range(pos, pos), d.message, SEVERITY[d.severity]);
          diag.source = 'bt check';
          if (d.code) diag.code = d.code;
          byFile.set(file, [...(byFile.get(file) ?? []), diag]);
          total++;
        }
      }
      for (const [file, diags] of byFile) checkDiagnostics.set(vscode.Uri.file(file), diags);
    }
  });
  vscode.window.setStatusBarMessage(`bt check: ${total} problem(s) in ${scripts} script(s)`, 5000);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('bt');
  checkDiagnostics = vscode.languages.createDiagnosticCollection('bt-check');
  context.subscriptions.push(
    output,
    checkDiagnostics,
    vscode.commands.registerCommand('bt.runScript', runScript),
    vscode.commands.registerCommand('bt.checkWorkspace', checkWorkspace),
    vscode.commands.registerCommand('bt.restartServer', async () => {
      await stopClient();
      await startClient();
    }),
    vscode.workspace.onDidChangeConfiguration(onConfigurationChanged),
  );
  await startClient();
}

export async function deactivate(): Promise<void> {
  await stopClient();
}
