// Writes syntaxes/bpftrace.tmLanguage.json from scripts/grammar-source.mjs.
// With --check, writes nothing and exits 1 when the committed JSON differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { grammar } from './grammar-source.mjs';

const out = fileURLToPath(new URL('../syntaxes/bpftrace.tmLanguage.json', import.meta.url));
const text = JSON.stringify(grammar, null, 2) + '\n';

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(out, 'utf8');
  } catch {
    // missing counts as out of date
  }
  if (current !== text) {
    console.error('syntaxes/bpftrace.tmLanguage.json is out of date: run `npm run grammar`');
    process.exit(1);
  }
} else {
  writeFileSync(out, text);
  console.log(`wrote ${out}`);
}
