package parser

// Differences from bpftrace's own parser (v0.26), all deliberate:
//
// Accepted although bpftrace v0.26 rejects them, because bpftrace's
// documentation shows them or older versions accept them:
//   - `macro name { ... }` without a parameter list and the macro call
//     form `name!(args)` (docs/language.md);
//   - upper-case C integer suffixes: 1U, 1UL, 123LL (docs, bpftrace 0.17);
//   - an expression statement that starts with a variable or map and is a
//     conditional, `$a == 1 ? print("y") : print("n");` (docs; v0.26 only
//     accepts it when the statement starts with something else);
//   - `&@map[key]`, the address of a map element;
//   - `typedef ...;` at the top level, kept as a C definition;
//   - preprocessor lines continued with a backslash (bpftrace 0.17 and the
//     C preprocessor accept them; v0.26 reads only the first line);
//   - `typeof(type)` anywhere an expression may be (v0.26 accepts a type
//     operand only in casts, declarations, sizeof-like operands and call
//     arguments).
//
// Reported as errors where bpftrace accepts the text but then fails or
// silently does something else:
//   - `kprobe:f/pred/` without white space before the predicate, which
//     bpftrace reads as a function named "f/pred/" (for providers whose
//     fields can hold paths, uprobe, uretprobe, usdt and iter, the '/'
//     belongs to the attach point as in bpftrace);
//   - a comment glued to an attach point (`begin/*x*/`);
//   - an unterminated /* comment and a C definition whose braces or
//     __attribute__ parentheses do not balance (bpftrace reads to the end
//     of the text without a word; clang fails later);
//   - attach points end at ';' and '}' (bpftrace reads them as part of
//     the attach point, which then fails to attach);
//   - the attach point checks bpftrace does after parsing and that need no
//     system access (field counts, numbers, units, offsets, wildcards,
//     watchpoint modes, perf event names, signals) are reported by the
//     parser with code bad-attach-point.
//
// Other differences:
//   - parsing goes on after an error (bpftrace stops at the first), and
//     follow-up syntax errors on the line of an earlier error are dropped;
//   - `hardware:event:` with an empty count means the default count, as
//     documented (bpftrace reports an invalid integer);
//   - a '+' inside quotes in a function name is part of the name, not an
//     offset separator;
//   - `uprobe:func` and `usdt:name` (one field, valid with -p PID) are
//     accepted since a script does not say how it will be run;
//   - a cast is recognised without reporting errors while looking ahead,
//     so `(x[$i])` is an index expression, not an error.
