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

// __bt_signal_name fills out with the name of a signal number ("SIGINT")
// and returns 0, or -22 (EINVAL) with out holding "UNKNOWN" for one
// without a name (real-time signals included).
int __bt_signal_name(int sig, char *out)
{
	if (sig > 0 && sig < BT_SIGNAL_MAX && bt_signal_names[sig][0]) {
		copy64(out, &bt_signal_names[sig]);
		return 0;
	}
	__builtin_memcpy(out, "UNKNOWN", sizeof("UNKNOWN"));
	return -22;
}
