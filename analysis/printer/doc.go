// Package printer formats bpftrace syntax trees in the one canonical
// style of bpftrace's own formatter (`bpftrace --fmt`, FormatMode::Full),
// so that a script formatted by either tool is left alone by the other.
//
// The style, in short: two-space indentation; attach points one per line
// and the opening brace of a probe, fn or macro on a line of its own;
// operands that are not simple (a literal, name, call, field, index or map
// access) are parenthesised, so precedence never has to be remembered;
// lines are broken near 90 columns by aligning call arguments and operator
// chains under their first element; blank lines between items and between
// statements are kept; a comment stays in front of the code that follows
// it, and a comment at the end of a block goes on its last line. Block
// comments become line comments, one per line, unless code follows on the
// same line.
//
// The printer reproduces bpftrace's layout algorithm (its width budget,
// the first arrangement of a list whose lines fit, the places where it
// claims comments), and so matches it byte for byte except where
// bpftrace's formatter would lose a comment, print code that does not
// parse or means something else, or change its own output on a second
// run. There this printer does the following instead:
//
//   - comments inside an expression, which bpftrace drops, are kept in
//     front of the nearest operand: `f(a, /* why */ b)`;
//   - comments inside a config block stay inside it (bpftrace moves them
//     below the block), and so do comments before the last statement of a
//     probe written without `;` (bpftrace drops them);
//   - a comparison that is an operand of another operator keeps its
//     parentheses where reading it back would group it differently
//     (`(a == b) + 1`, `a == (b == c)`);
//   - `x = x op y` becomes `x op= y` only for operators that have that
//     form, and never in a `let`;
//   - a config string that is not a name stays quoted;
//   - an if or block that ends a block keeps its `;` when dropping it
//     would make it the block's value;
//   - a conditional with block branches stays a conditional (bpftrace
//     prints it as an if, which reads back as a different tree);
//   - a line break inside a cast's operand does not become a blank line
//     after the statement: bpftrace's cast claims only up to its operand,
//     so `$a = (u64)(x +\n y);` gets a blank line after it; but when the
//     formatter itself breaks a long cast over lines, bpftrace's next run
//     adds that blank line too, so matching it would make formatting not
//     idempotent (a second bt fmt would change the output);
//   - inline /* */ comments lose their trailing blanks, and a // comment
//     that contains */ is never written as a /* */ comment;
//   - comments that bpftrace places where its next run would move them
//     (after an if condition, a predicate, a parameter list) and blank
//     lines it would invent (inside a block nested in an expression) go
//     where that second run puts them.
//
// The tests check the rest of the emulation with those differences
// switched off: on every script of the test corpus that output equals
// `bpftrace --fmt`'s.
package printer
