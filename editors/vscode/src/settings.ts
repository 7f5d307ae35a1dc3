// Reading the `bt.*` settings and turning them into what the server gets.
// Pure: callers pass a getter, so tests need no VS Code.

import * as os from 'node:os';
import * as path from 'node:path';

export type TraceLevel = 'off' | 'messages' | 'verbose';

export interface BtSettings {
  /** `bt.server.path`: the bt-lsp executable; empty = search PATH. */
  serverPath: string;
  /** `bt.path`: the bt command line; empty = next to bt-lsp, else PATH. */
  cliPath: string;
  /** `bt.btf`: a BTF file to use instead of the running kernel's. */
  btf: string;
  /** `bt.clang.path`: the clang used for C definitions and #include. */
  clangPath: string;
  /** `bt.trace.server`: LSP message tracing in the output channel. */
  trace: TraceLevel;
}

/** What `initializationOptions` and `workspace/didChangeConfiguration` carry. */
export interface ServerOptions {
  btf?: string;
  clang?: string;
}

/** Reads one setting by its key below `bt.` (e.g. `server.path`). */
export type SettingGetter = (key: string) => unknown;

function str(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}

export function readSettings(get: SettingGetter): BtSettings {
  const trace = str(get('trace.server'));
  return {
    serverPath: str(get('server.path')),
    cliPath: str(get('path')),
    btf: str(get('btf')),
    clangPath: str(get('clang.path')),
    trace: trace === 'messages' || trace === 'verbose' ? trace : 'off',
  };
}

export interface ExpandContext {
  home?: string;
  workspaceFolder?: string;
  env?: Record<string, string | undefined>;
}

/**
 * Expands `~`, `${userHome}`, `${workspaceFolder}` and `${env:NAME}` in a
 * path setting, and makes a relative path (with a slash) absolute against
 * the workspace folder. A bare command name (`bt-lsp`) stays as it is.
 */
export function expandPath(value: string, ctx: ExpandContext = {}): string {
  if (!value) return value;
  const home = ctx.home ?? os.homedir();
  let v = value.replace(/\$\{userHome\}/g, home).replace(/\$\{env:([^}]+)\}/g, (_, name: string) => ctx.env?.[name] ?? '');
  if (ctx.workspaceFolder !== undefined) {
    v = v.replace(/\$\{workspaceFolder\}/g, ctx.workspaceFolder);
  }
  if (v === '~') v = home;
  else if (v.startsWith('~/')) v = path.join(home, v.slice(2));
  if (!path.isAbsolute(v) && v.includes('/') && ctx.workspaceFolder) {
    v = path.resolve(ctx.workspaceFolder, v);
  }
  return v;
}

/** The server's options; unset settings are left out, not sent as "". */
export function buildServerOptions(s: BtSettings, ctx: ExpandContext = {}): ServerOptions {
  const out: ServerOptions = {};
  if (s.btf) out.btf = expandPath(s.btf, ctx);
  if (s.clangPath) out.clang = expandPath(s.clangPath, ctx);
  return out;
}

/** `initializationOptions` of the initialize request. */
export function buildInitializationOptions(s: BtSettings, ctx: ExpandContext = {}): ServerOptions {
  return buildServerOptions(s, ctx);
}

/** The `settings` of a `workspace/didChangeConfiguration` notification. */
export function buildDidChangeConfiguration(s: BtSettings, ctx: ExpandContext = {}): { settings: { bt: ServerOptions } } {
  return { settings: { bt: buildServerOptions(s, ctx) } };
}

/** Whether a settings change needs the server restarted rather than told. */
export function needsRestart(before: BtSettings, after: BtSettings): boolean {
  return before.serverPath !== after.serverPath;
}
