// strings.bpf.c: the standard library's lookups from numbers to text
// (strerror, signal_name). The tables are generated from the Linux UAPI
// headers (tables.h, see gen.go).

#include "bt_helpers.h"
#include "tables.h"

// copy64 copies one 64-byte table entry to out. Byte by byte: out is a
// script's variable on the stack, which need not be 8-byte aligned, and
// the verifier wants stack accesses aligned.
static void copy64(char *out, const char (*entry)[64])
{
	__builtin_memcpy(out, *entry, 64);
}

// Each function fills out, 64 bytes (`let $v: string[64]` passed as
// `(int8 *)&$v`).

// __bt_strerror fills out with the message of an errno value (its sign is
// ignored, so -ENOENT and ENOENT read the same) and returns 0, or -22
// (EINVAL) with out holding "Unknown error" for a number that is none.
int __bt_strerror(int err, char *out)
{
	if (err < 0)
		err = -err;
	if (err >= 0 && err < BT_ERRNO_MAX && bt_errno_text[err][0]) {
		copy64(out, &bt_errno_text[err]);
		return 0;
	}
	__builtin_memcpy(out, "Unknown error", sizeof("Unknown error"));
	return -22;
}

// put2 writes v (0-99) in decimal at out[at], then a NUL.
static void put2(char *out, int at, int v)
{
	if (v >= 10) {
		out[at] = '0' + v / 10;
		out[at + 1] = '0' + v % 10;
		out[at + 2] = 0;
	} else {
		out[at] = '0' + v;
		out[at + 1] = 0;
	}
}

// __bt_signal_name fills out with the description of a signal number as
// the C library's strsignal() words it ("Killed" for 9; "Real-time
// signal 3" for SIGRTMIN+3, SIGRTMIN being 34 there) and returns 0, or
// -22 (EINVAL) with out holding "Unknown signal N" for 0, 32 and 33 (the
// C library's own) or "N/A" beyond 64 and for negative numbers.
int __bt_signal_name(int sig, char *out)
{
	if (sig > 0 && sig < BT_SIGNAL_MAX && bt_signal_text[sig][0]) {
		copy64(out, &bt_signal_text[sig]);
		return 0;
	}
	if (sig >= 34 && sig <= 64) {
		__builtin_memcpy(out, "Real-time signal ", 17);
		put2(out, 17, sig - 34);
		return 0;
	}
	if (sig >= 0 && sig < 34) {
		__builtin_memcpy(out, "Unknown signal ", 15);
		put2(out, 15, sig);
		return -22;
	}
	__builtin_memcpy(out, "N/A", sizeof("N/A"));
	return -22;
}
