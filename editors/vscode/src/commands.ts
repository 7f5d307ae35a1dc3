// Command lines for "bt: Run script" and "bt: Check workspace", and the
// reading of `bt check` output. Pure: no `vscode` import.

/** Quotes one word for a POSIX shell (bash, zsh, dash, fish's quoting too). */
export function shellQuote(word: string): string {
  if (word === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface RunOptions {
  /** The bt executable (resolved path or bare name). */
  bt: string;
  /** The script to run. */
  file: string;
  /** Whether the terminal's user is root (then no sudo). */
  isRoot: boolean;
  /** Extra arguments after the file, passed to the script. */
  args?: string[];
}

/** The shell line typed into the terminal: `[sudo] bt run FILE [ARGS...]`. */
export function buildRunCommand(o: RunOptions): string {
  const words = [o.bt, 'run', o.file, ...(o.args ?? [])].map(shellQuote);
  return (o.isRoot ? '' : 'sudo ') + words.join(' ');
}

/** Arguments of `bt check` over a list of files (relative to its cwd). */
export function buildCheckArgs(files: string[]): string[] {
  return ['check', ...[...files].sort()];
}

/**
 * The problem-matcher pattern for `bt check`'s text output:
 * `file:line:col: severity[code]: message`. package.json's `$bt` matcher
 * uses this exact string (a unit test keeps them equal).
 */
export const PROBLEM_PATTERN = '^(.+?):(\\d+):(\\d+): (error|warning|info|hint)(?:\\[([^\\]]+)\\])?: (.*)$';

export interface CheckDiagnostic {
  file: string;
  line: number;
  column: number;
  severity: 'error' | 'warning' | 'info' | 'hint';
  code?: string;
  message: string;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** Reads the diagnostics out of `bt check` output; snippet, caret, hint and note lines are skipped. */
export function parseCheckOutput(text: string): CheckDiagnostic[] {
  const re = new RegExp(PROBLEM_PATTERN);
  const out: CheckDiagnostic[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const m = re.exec(raw.replace(ANSI, ''));
    if (!m) continue;
    out.push({
      file: m[1],
      line: Number(m[2]),
      column: Number(m[3]),
      severity: m[4] as CheckDiagnostic['severity'],
      ...(m[5] ? { code: m[5] } : {}),
      message: m[6],
    });
  }
  return out;
}
