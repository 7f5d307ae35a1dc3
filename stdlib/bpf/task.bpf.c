// task.bpf.c: the standard library's look-ups of other tasks by ID, on
// the kfuncs the kernel offers for it (declared weak: where the kernel
// lacks them they read as null and the functions say so).

#include "bt_helpers.h"

// The fields of the kernel's task used here, under a CO-RE flavor of its
// name (the part after "___" is ignored when relocating to the running
// kernel's layout and when matching the kfuncs' types): a script that
// imports this object then has no task_struct of the object's, and
// curtask stays the kernel's.
struct task_struct___bt {
	char comm[16];
} __attribute__((preserve_access_index));

extern struct task_struct___bt *bpf_task_from_pid(__s32 pid) __weak __ksym;
extern void bpf_task_release(struct task_struct___bt *p) __weak __ksym;

// __bt_task_comm fills out (16 bytes, `let $v: string[16]` passed as
// `(int8 *)&$v`) with the name of the process pid and returns
// 0, -3 (ESRCH) when there is none, or -95 (EOPNOTSUPP) when the kernel
// has no bpf_task_from_pid. The kernel allows these kfuncs in some
// program types only (tracepoints, not raw tracepoints or uprobes).
int __bt_task_comm(__s32 pid, char *out)
{
	if (!bpf_task_from_pid || !bpf_task_release)
		return -95;
	struct task_struct___bt *task = bpf_task_from_pid(pid);
	if (!task)
		return -3;
	bpf_probe_read_kernel_str(out, sizeof(task->comm), task->comm);
	bpf_task_release(task);
	return 0;
}
