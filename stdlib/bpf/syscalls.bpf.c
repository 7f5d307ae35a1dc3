// syscalls.bpf.c: system call names (syscall_name). The numbers differ
// between architectures, so this file is compiled once per architecture
// that has a table (syscalls_<arch>.h, generated from golang.org/x/sys);
// elsewhere every number is unknown.

#include "bt_helpers.h"

#if defined(__TARGET_ARCH_x86)
#include "syscalls_x86.h"
#elif defined(__TARGET_ARCH_arm64)
#include "syscalls_arm64.h"
#elif defined(__TARGET_ARCH_riscv)
#include "syscalls_riscv.h"
#else
#define BT_SYSCALL_MAX 1
static const char bt_syscall_names[BT_SYSCALL_MAX][64] = {""};
#endif

// __bt_syscall_name fills out (64 bytes, `let $v: string[64]` passed as
// `(int8 *)&$v`) with the name of a system call number ("read") and
// returns 0, or -22 (EINVAL) with out holding "Unknown syscall" for a
// number without one.
int __bt_syscall_name(int nr, char *out)
{
	if (nr >= 0 && nr < BT_SYSCALL_MAX && bt_syscall_names[nr][0]) {
		__builtin_memcpy(out, bt_syscall_names[nr], 64);
		return 0;
	}
	__builtin_memcpy(out, "Unknown syscall", sizeof("Unknown syscall"));
	return -22;
}
