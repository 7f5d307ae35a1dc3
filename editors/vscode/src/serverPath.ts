// Finding the bt-lsp and bt executables. Pure apart from the injected
// file check, so tests can describe any file system.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI_NAME } from './constants';

/** True when `p` is a regular file we may execute. */
export type ExecutableCheck = (p: string) => boolean;

export const isExecutable: ExecutableCheck = (p) => {
  try {
    const st = fs.statSync(p);
    if (!st.isFile()) return false;
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export type Resolution =
  | { ok: true; path: string; source: 'setting' | 'PATH' | 'sibling' }
  | { ok: false; reason: string; tried: string[] };

/** Looks `name` up in a PATH string; returns every candidate tried. */
export function searchPath(name: string, envPath: string | undefined, check: ExecutableCheck): { found?: string; tried: string[] } {
  const tried: string[] = [];
  for (const dir of (envPath ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    tried.push(candidate);
    if (check(candidate)) return { found: candidate, tried };
  }
  return { tried };
}

/**
 * Resolves the server: an explicit `bt.server.path` wins (a bare name is
 * looked up on PATH); without one, `bt-lsp` is searched on PATH. An explicit
 * setting that does not point at an executable is an error, not a reason
 * to fall back silently to something else.
 */
export function resolveExecutable(name: string, configured: string, envPath: string | undefined, check: ExecutableCheck): Resolution {
  if (configured) {
    if (!configured.includes('/') && !configured.includes(path.sep)) {
      const r = searchPath(configured, envPath, check);
      if (r.found) return { ok: true, path: r.found, source: 'PATH' };
      return { ok: false, reason: `"${configured}" was not found on PATH`, tried: r.tried };
    }
    if (check(configured)) return { ok: true, path: configured, source: 'setting' };
    return { ok: false, reason: `${configured} is not an executable file`, tried: [configured] };
  }
  const r = searchPath(name, envPath, check);
  if (r.found) return { ok: true, path: r.found, source: 'PATH' };
  return { ok: false, reason: `${name} was not found on PATH`, tried: r.tried };
}

/**
 * Resolves the `bt` command line: `bt.path` if set, else a `bt` next to the
 * resolved bt-lsp (they ship together), else PATH.
 */
export function resolveCli(configured: string, serverPath: string | undefined, envPath: string | undefined, check: ExecutableCheck): Resolution {
  if (configured) return resolveExecutable(CLI_NAME, configured, envPath, check);
  if (serverPath) {
    const sibling = path.join(path.dirname(serverPath), CLI_NAME);
    if (check(sibling)) return { ok: true, path: sibling, source: 'sibling' };
  }
  return resolveExecutable(CLI_NAME, '', envPath, check);
}
