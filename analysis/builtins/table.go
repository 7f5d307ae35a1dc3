package builtins

import "github.com/bt-tools/bt/analysis/types"

// entries is the table. Keep it declarative: facts in fields, prose in
// Doc (our own words), one line of script in Example.
var entries = []Builtin{
	// -----------------------------------------------------------------
	// Probe context

	{
		Name: "args", Kind: Variable, ProbeOnly: true,
		Variants:  []Signature{bare(pat(ProbeArgs))},
		Providers: []string{"fentry", "fexit", "uprobe", "rawtracepoint", "tracepoint"},
		Doc: "The arguments of the traced function or tracepoint as one struct, read from BTF " +
			"(uprobe needs DWARF debug info). Use a field with `args.name`; `args->name` is the " +
			"older spelling of the same thing. Not available for `fentry:bpf:*` probes. " +
			"`bpftrace -lv PROBE` lists the fields.",
		Example: `tracepoint:syscalls:sys_enter_openat { printf("%s\n", str(args.filename)); }`,
	},
	{
		Name: "argN", Kind: Variable, Numbered: true, ProbeOnly: true, NotInFor: true,
		Variants:  []Signature{bare(tU64)},
		Providers: []string{"kprobe", "uprobe", "usdt", "rawtracepoint"},
		Doc: "The Nth argument of the traced function (`arg0`, `arg1`, ...), as a raw 64-bit " +
			"value taken from the registers of the calling convention; cast it to the real type, " +
			"e.g. `(struct file *)arg0`. How many exist depends on the architecture (six on " +
			"x86_64); usdt probes may use more. Used as a pointer it refers to kernel memory in " +
			"kprobe and rawtracepoint, to user memory in uprobe and usdt.",
		Example: `kprobe:vfs_read { @bytes = hist(arg2); }`,
	},
	{
		Name: "sargN", Kind: Variable, Numbered: true, ProbeOnly: true,
		Variants:   []Signature{bare(tU64)},
		Providers:  []string{"kprobe", "uprobe"},
		Deprecated: `*(uint64 *)(reg("sp") + OFFSET)`,
		Removed:    "v0.25.0",
		Doc: "The Nth argument passed on the stack. Deprecated in v0.21 and removed in v0.25: " +
			"read the stack slot through `reg(\"sp\")` instead.",
	},
	{
		Name: "retval", Kind: Variable, ProbeOnly: true, NotInFor: true,
		Variants:  []Signature{bare(pat(ProbeRetval)), call(pat(ProbeRetval))},
		Providers: []string{"kretprobe", "uretprobe", "fexit"},
		Doc: "The value returned by the traced function: a raw `uint64` in kretprobe and " +
			"uretprobe, the function's declared return type (from BTF) in fexit. In a " +
			"syscall exit tracepoint use `args.ret`.",
		Example: `kretprobe:vfs_read { @ret = hist(retval); }`,
	},
	{
		Name: "func", Kind: Variable, ProbeOnly: true,
		Variants:  []Signature{bare(pat(ProbeFunc)), call(pat(ProbeFunc))},
		Providers: []string{"kprobe", "kretprobe", "uprobe", "uretprobe", "fentry", "fexit"},
		Helper:    "get_func_ip",
		Doc: "The name of the function being traced, resolved when printed: a `usym_t` in " +
			"uprobe and uretprobe, a `ksym_t` elsewhere. Useful with wildcard attach points. " +
			"kretprobe, uretprobe, fentry and fexit need a kernel with `get_func_ip`.",
		Example: `kprobe:vfs_* { @[func] = count(); }`,
	},
	{
		Name: "probe", Kind: Variable, ProbeOnly: true,
		Variants: []Signature{bare(pat(ConstString)), call(pat(ConstString))},
		Doc: "The full name of the probe, e.g. `kprobe:do_nanosleep`; a constant string fixed " +
			"when the script is compiled (a wildcard probe gets one name per expanded probe).",
		Example: `kprobe:vfs_read* { @[probe] = count(); }`,
	},
	{
		Name: "probetype", Kind: Variable, ProbeOnly: true,
		Variants: []Signature{bare(pat(ConstString)), call(pat(ConstString))},
		Doc: "The provider of the current probe as a constant string: `kprobe`, `tracepoint`, " +
			"... begin, end and self probes report `special`.",
	},
	{
		Name: "ctx", Kind: Variable, ProbeOnly: true,
		Variants:  []Signature{bare(pat(ProbeCtx))},
		Providers: join(kprobeLike, perfEvents, []string{"iter"}),
		Doc: "A pointer to the BPF program's raw context: `struct pt_regs *` in kprobe, " +
			"kretprobe, uprobe, uretprobe and usdt; `struct bpf_perf_event_data *` in profile, " +
			"interval, software, hardware and watchpoint; `struct bpf_iter__NAME *` in iter. " +
			"Tracepoints use `args` instead.",
	},
	{
		Name: "kstack", Kind: Variable,
		Variants: stackVariants(pat(KStack), stackModes[:3]),
		Doc: "The kernel stack trace at this point, symbolized when printed. The optional mode " +
			"(`bpftrace`, `perf` or `raw`) overrides the `stack_mode` config; the optional " +
			"limit caps the number of frames (default 127, at most 1024). Commonly used as a " +
			"map key.",
		Example: `kprobe:ip_output { @[kstack(perf, 3)] = count(); }`,
	},
	{
		Name: "ustack", Kind: Variable,
		Variants: stackVariants(pat(UStack), stackModes),
		Doc: "The user-space stack trace of the current thread, symbolized when printed (needs " +
			"frame pointers in the traced program). Takes the same optional mode and frame " +
			"limit as `kstack`; the extra mode `build_id` records build IDs and file offsets " +
			"instead of addresses.",
		Example: `uprobe:/bin/bash:readline { @[ustack(5)] = count(); }`,
	},
	{
		Name: "dw_ustack", Kind: Variable,
		Variants: stackVariants(pat(UStack), stackModes),
		Unstable: "unstable_dw_ustack",
		Arch:     "x86_64",
		Doc: "Like `ustack`, but unwinds with the DWARF `.eh_frame` tables, so it works for " +
			"programs built without frame pointers. bpftrace must load the unwind tables at " +
			"startup, so the target processes must be known (`-p`, `-c` or `--dwarf-pid`). " +
			"Unstable: set `unstable_dw_ustack` to silence the warning.",
	},
	{
		Name: "stack", Kind: Variable,
		Variants:   stackVariants(pat(KStack), stackModes[:3]),
		Deprecated: "kstack",
		Removed:    "v0.10.0",
		Doc:        "Old name of `kstack`, deprecated in v0.9 and removed in v0.10.",
	},

	// -----------------------------------------------------------------
	// Process and CPU

	{
		Name: "pid", Kind: Variable,
		Variants: []Signature{
			bare(tU32),
			call(tU32, choices(opt("", shown(pat(Ident), "curr_ns|init")), pidNamespaces...)),
		},
		Helper: "get_current_pid_tgid",
		Doc: "The process ID (thread group ID) of the current task. By default it is seen from " +
			"bpftrace's own PID namespace (`curr_ns`); `pid(init)` gives the ID in the initial " +
			"namespace, which was the behaviour before v0.23.",
		Example: `tracepoint:syscalls:sys_enter_openat { @[pid, comm] = count(); }`,
	},
	{
		Name: "tid", Kind: Variable,
		Variants: []Signature{
			bare(tU32),
			call(tU32, choices(opt("", shown(pat(Ident), "curr_ns|init")), pidNamespaces...)),
		},
		Helper: "get_current_pid_tgid",
		Doc: "The thread ID of the current task, from bpftrace's PID namespace (`curr_ns`, " +
			"the default) or from the initial namespace with `tid(init)`.",
		Example: `kprobe:do_nanosleep { @start[tid] = nsecs; }`,
	},
	{
		Name: "comm", Kind: Variable,
		Variants: []Signature{
			bare(tComm),
			call(tComm),
		},
		Helper: "get_current_comm",
		Doc: "The name of the current thread (up to 15 characters). `comm(pid)`, of another process, " +
			"is in the standard library.",
		Example: `kprobe:do_nanosleep { printf("%s is sleeping\n", comm); }`,
	},
	{
		Name: "uid", Kind: Variable,
		Variants: []Signature{bare(tU64), call(tU64)},
		Helper:   "get_current_uid_gid",
		Doc:      "The real user ID of the current task, in the initial user namespace.",
		Example:  `tracepoint:syscalls:sys_enter_execve /uid == 0/ { printf("%s\n", comm); }`,
	},
	{
		Name: "gid", Kind: Variable,
		Variants: []Signature{bare(tU64), call(tU64)},
		Helper:   "get_current_uid_gid",
		Doc:      "The real group ID of the current task, in the initial user namespace.",
	},
	{
		Name: "username", Kind: Variable,
		Variants: []Signature{bare(tUsername), call(tUsername)},
		Doc: "The name of the current user. The program records the user ID; bpftrace looks " +
			"the name up in user space when the value is printed.",
	},
	{
		Name: "cgroup", Kind: Variable,
		Variants: []Signature{bare(tU64), call(tU64)},
		Helper:   "get_current_cgroup_id",
		Doc:      "The cgroup v2 ID of the current task's cgroup.",
		Example:  `tracepoint:syscalls:sys_enter_openat /cgroup == cgroupid("/sys/fs/cgroup/user.slice")/ { @ = count(); }`,
	},
	{
		Name: "curtask", Kind: Variable,
		Variants: []Signature{bare(tTask), call(tTask)},
		Helper:   "get_current_task",
		Doc:      "A kernel pointer to the `struct task_struct` of the current task.",
		Example:  `kprobe:vfs_read { @[curtask.real_parent.pid] = count(); }`,
	},
	{
		Name: "cpid", Kind: Variable,
		Variants: []Signature{bare(tU64), call(tU64)},
		Doc: "The PID of the child process started with `bpftrace -c CMD`. Without a child it " +
			"is 0 and a warning is printed at run time; test `has_cpid` first.",
		Example: `uprobe:/bin/ls:main /pid == cpid/ { printf("started\n"); }`,
	},
	{
		Name: "has_cpid", Kind: Variable,
		Variants: []Signature{bare(tBool), call(tBool)},
		Doc: "Meant to tell whether bpftrace was started with a child command (`-c`), so that " +
			"`cpid` is set. Beware: bpftrace's implementation (as of v0.26) tests `cpid == 0`, " +
			"so it is true when there is no child.",
	},
	{
		Name: "cpu", Kind: Variable,
		Variants: []Signature{bare(tU64), call(tU64)},
		Helper:   "get_smp_processor_id",
		Doc:      "The ID of the CPU running the probe.",
		Example:  `profile:hz:99 { @[cpu] = count(); }`,
	},
	{
		Name: "ncpus", Kind: Variable,
		Variants: []Signature{bare(tU64), call(tU64)},
		Doc:      "The number of CPUs of the machine, fixed when bpftrace starts.",
	},
	{
		Name: "numaid", Kind: Variable,
		Variants: []Signature{bare(tU64), call(tU64)},
		Helper:   "get_numa_node_id",
		Doc:      "The ID of the NUMA node of the CPU running the probe.",
	},
	{
		Name: "usermode", Kind: Variable,
		Variants:  []Signature{bare(tU8), call(tU8)},
		Providers: join(kprobeLike, perfEvents),
		// Other probes have no saved registers: begin, end and self run
		// from user space (1), the rest in the kernel (0).
		FoldOutside: func(provider string) int64 {
			if provider == "begin" || provider == "end" || provider == "self" {
				return 1
			}
			return 0
		},
		Arch: "x86_64",
		Doc: "1 when the probe interrupted the task in user mode, 0 in kernel mode; a constant " +
			"in other probes: 1 in begin, end and self, 0 elsewhere.",
		Example: `profile:hz:99 { @[usermode] = count(); }`,
	},

	// -----------------------------------------------------------------
	// Time and randomness

	{
		Name: "nsecs", Kind: Variable,
		Variants: []Signature{
			bare(tU64),
			call(tU64, choices(opt("mode", shown(pat(Ident), "TimestampMode")), timestampModes...)),
		},
		Doc: "A timestamp in nanoseconds from a kernel clock: `boot` (the default; time since " +
			"boot including suspend), `monotonic` (excluding suspend), `tai` (International " +
			"Atomic Time; needs kernel support) or `sw_tai` (TAI estimated from the boot clock " +
			"for kernels without it).",
		Example: `kprobe:vfs_read { @start[tid] = nsecs; }`,
	},
	{
		Name: "elapsed", Kind: Variable,
		Variants: []Signature{bare(tU64), call(tU64)},
		Doc:      "Nanoseconds since bpftrace started, on the boot clock.",
		Example:  `interval:s:1 { printf("%d s\n", elapsed / 1000000000); }`,
	},
	{
		Name: "jiffies", Kind: Variable,
		Variants: []Signature{bare(tU64), call(tU64)},
		Helper:   "jiffies64",
		Doc:      "The kernel's jiffies counter (64 bits; slower to read on 32-bit systems).",
	},
	{
		Name: "rand", Kind: Variable,
		Variants: []Signature{bare(tU64), call(tU64)},
		Helper:   "get_prandom_u32",
		Doc:      "A pseudo-random 32-bit number (held in a 64-bit integer).",
		Example:  `interval:ms:10 { @ = lhist(rand % 10, 0, 10, 1); }`,
	},

	// -----------------------------------------------------------------
	// Configuration and command line

	{
		Name: "config", Kind: Variable, CompileTime: true,
		Variants: []Signature{bare(pat(ConfigRecord)), call(pat(ConfigRecord))},
		Doc: "A record of the configuration in effect (`config.max_strlen`, " +
			"`config.stack_mode`, ...); see the config variables.",
		Example: `begin { printf("%d\n", config.max_strlen); }`,
	},
	{
		Name: "default_str_length", Kind: Function, CompileTime: true,
		Variants: []Signature{bare(tU64), call(tU64)},
		Doc: "The size of a string read without an explicit length (the `max_strlen` config, " +
			"plus the terminating byte when below 1024).",
	},
	{
		Name: "getopt", Kind: Function, CompileTime: true,
		Variants: []Signature{
			call(tBool, param("arg_name", tStrLit)),
			call(tBool, param("arg_name", tStrLit), param("default_value", tBool),
				opt("description", tStrLit)),
			call(shown(patArg(LiteralType, 1), "int"), param("arg_name", tStrLit),
				param("default_value", shown(pat(IntLit), "int")), opt("description", tStrLit)),
			call(shown(pat(MaxString), "string"), param("arg_name", tStrLit),
				param("default_value", shown(tStrLit, "string")), opt("description", tStrLit)),
		},
		Doc: "The value of the named option given after `--` on bpftrace's command line " +
			"(`-- --name=value`). The default value's literal decides the option's type: bool " +
			"(also when omitted: the bare flag means true), integer (`uint64`, or `int64` when " +
			"negative) or string. The optional description appears in `--help`.",
		Example: `begin { $n = getopt("count", 10, "how many"); }`,
	},

	// -----------------------------------------------------------------
	// Output

	{
		Name: "printf", Kind: Function, Async: true,
		Variants: []Signature{call(tVoid, param("fmt", tFmt), rest("args", tAny))},
		Doc: "Formats the arguments like C's `printf` and writes the text to the output. The " +
			"format must be a literal; values are copied when the probe fires and formatted " +
			"later in user space. Beyond the C verbs, `%r`, `%rx` and `%rh` print `buf()` " +
			"buffers, and `%gr` prints GFP flags by name. Enums print as numbers with `%d` " +
			"and as names with `%s`.",
		Example: `kprobe:do_nanosleep { printf("%s (%d) sleeps\n", comm, pid); }`,
	},
	{
		Name: "print", Kind: Function, Async: true,
		Variants: []Signature{
			call(tVoid, param("value", tAny)),
			call(tVoid, param("map", tMap), opt("top", shown(pat(IntLit), "uint64")),
				opt("div", shown(pat(IntLit), "uint64"))),
		},
		Doc: "Prints a value in its default format, or a whole map. For a map, `top` keeps the " +
			"N entries with the largest values and `div` divides the values before printing " +
			"(both ignored for `stats()` maps). Maps are read when user space handles the " +
			"event, so they may have changed since the call; other values are copied at the call.",
		Example: `interval:s:1 { print(@, 10); clear(@); }`,
	},
	{
		Name: "errorf", Kind: Function, Async: true,
		Variants: []Signature{call(tVoid, param("fmt", tFmt), rest("args", tAny))},
		Doc:      "Like `printf`, but reports the text as a run-time error with the script location of the call.",
		Example:  `kretprobe:vfs_read /retval < 0/ { errorf("read failed: %d", (int64)retval); }`,
	},
	{
		Name: "warnf", Kind: Function, Async: true,
		Variants: []Signature{call(tVoid, param("fmt", tFmt), rest("args", tAny))},
		Doc: "Like `printf`, but reports the text as a run-time warning with the script " +
			"location of the call; silenced by `--no-warnings`.",
	},
	{
		Name: "debugf", Kind: Function,
		Variants: []Signature{call(tVoid, param("fmt", tFmt), rest("args", tAny))},
		Helper:   "trace_printk",
		Doc: "Writes a formatted line to the kernel's trace pipe " +
			"(`/sys/kernel/tracing/trace_pipe`) with `bpf_trace_printk`. At most three " +
			"arguments, and only the verbs `%d`, `%u`, `%x`, `%p` and `%s`. Meant for " +
			"debugging, not for production use.",
	},
	{
		Name: "fail", Kind: Function, CompileTime: true,
		Variants: []Signature{call(tVoid, param("fmt", tFmt), rest("args", pat(Literal)))},
		Doc: "Stops compilation with a formatted error if the call is reached after constant " +
			"folding (a compile-time assertion). All arguments must be literals.",
		Example: `begin { if ($# < 1) { fail("need a pattern argument"); } }`,
	},
	{
		Name: "cat", Kind: Function, Async: true,
		Variants: []Signature{call(tVoid, param("namefmt", tFmt), rest("args", tAny))},
		Doc: "Prints the contents of a file; the name is a printf-style format. The file is " +
			"read in user space (at most `max_cat_bytes`); errors go to stderr.",
		Example: `tracepoint:syscalls:sys_enter_execve { cat("/proc/%d/maps", pid); }`,
	},
	{
		Name: "system", Kind: Function, Unsafe: true, Async: true,
		Variants: []Signature{call(tVoid, param("cmdfmt", tFmt), rest("args", tAny))},
		Doc: "Runs a shell command, built like `printf`, from bpftrace's user-space process and " +
			"prints its output. It runs with bpftrace's privileges and blocks event processing " +
			"until it finishes.",
		Example: `interval:s:10 { system("uptime"); }`,
	},
	{
		Name: "time", Kind: Function, Async: true,
		Variants: []Signature{call(tVoid, dflt(opt("fmt", tStrLit), `"%H:%M:%S\n"`))},
		Doc: "Prints the current wall-clock time using a `strftime(3)` format. The time is " +
			"taken when user space handles the event, not when the probe fired (use `strftime` " +
			"with `nsecs` for that).",
		Example: `interval:s:1 { time("%H:%M:%S "); printf("%d\n", @n); }`,
	},
	{
		Name: "join", Kind: Function, Async: true,
		Variants: []Signature{call(tVoid, param("arr", shown(pat(IntOrPointer), "char **")),
			dflt(opt("sep", tStrLit), `" "`))},
		Doc: "Prints a NULL-terminated array of C strings (such as `argv`) as one line, " +
			"separated by `sep`. The strings are copied in BPF and printed in user space; the " +
			"result cannot be used as a value.",
		Example: `tracepoint:syscalls:sys_enter_execve { join(args.argv); }`,
	},
	{
		Name: "exit", Kind: Function, Async: true,
		Variants: []Signature{call(tVoid, opt("code", tInt))},
		Doc: "Asks bpftrace to stop, like receiving SIGTERM: end probes still run and maps are " +
			"printed. The optional value becomes bpftrace's exit status. The current probe " +
			"returns right after the call.",
		Example: `interval:s:10 { exit(); }`,
	},

	// -----------------------------------------------------------------
	// Reading memory and converting values

	{
		Name: "str", Kind: Function,
		Variants: []Signature{call(TypeSpec{Pattern: StrFromArg, Arg: 1, Len: 1},
			param("data", pat(StrSource)), opt("length", tInt))},
		Helper: "probe_read_str",
		Doc: "Reads a NUL-terminated string from the address `data` (kernel or user memory, " +
			"chosen by the pointer's address space). At most `max_strlen` bytes are read, or " +
			"`length` characters when a smaller limit is given.",
		Example: `tracepoint:syscalls:sys_enter_openat { printf("%s\n", str(args.filename)); }`,
	},
	{
		Name: "buf", Kind: Function,
		Variants: []Signature{call(shown(patArg(BufFromArg, 1), "buffer"),
			param("data", pat(BufSource)), opt("length", tInt))},
		Doc: "Reads `length` bytes from `data` into a buffer that prints as hex-escaped text " +
			"(`%r`, `%rx`, `%rh`). The length may be left out for arrays, whose size is known. " +
			"Limited by `max_strlen`.",
		Example: `kprobe:tcp_sendmsg { printf("%r\n", buf(arg1, 16)); }`,
	},
	{
		Name: "path", Kind: Function,
		Variants: []Signature{call(TypeSpec{Pattern: StrFromArg, Arg: 1},
			param("path", TypeSpec{Pattern: PointerOrStruct, Name: "path"}),
			ranged(opt("size", shown(pat(IntLit), "int32")), 0, 1<<31-1))},
		Providers: []string{"fentry", "fexit", "iter"},
		Kernel:    "5.10",
		Helper:    "d_path",
		Doc: "The full path of a `struct path`, resolved by the kernel. Limited to `size` " +
			"bytes (default `max_strlen`); a longer path loses its beginning. Only the kernel " +
			"functions on the `d_path` allow list may call it.",
		Example: `fentry:vfs_open { printf("%s\n", path(args.path)); }`,
	},
	{
		Name: "ksym", Kind: Function, Async: true,
		Variants: []Signature{call(tKsym, param("addr", shown(pat(IntOrPointer), "uint64")))},
		Doc: "The name of the kernel function containing `addr`. The address is recorded; the " +
			"name is looked up in user space when printed (`%s`).",
		Example: `kprobe:do_nanosleep { printf("%s\n", ksym(reg("ip"))); }`,
	},
	{
		Name: "usym", Kind: Function, Async: true,
		Variants: []Signature{call(tUsym, param("addr", shown(pat(IntOrPointer), "uint64")))},
		Doc: "The name of the user-space function containing `addr` in the current process, " +
			"looked up in user space when printed, in the files the process mapped: bt records " +
			"them while it runs, so a process that has exited by then still resolves (not with " +
			"`cache_user_symbols` NONE). Meaningful in uprobes and uretprobes.",
		Example: `uprobe:/bin/bash:readline { printf("%s\n", usym(reg("ip"))); }`,
	},
	{
		Name: "sym", Kind: Function, Async: true,
		Variants:   []Signature{call(tKsym, param("addr", shown(pat(IntOrPointer), "uint64")))},
		Deprecated: "ksym",
		Removed:    "v0.10.0",
		Doc:        "Old name of `ksym`, deprecated in v0.9 and removed in v0.10.",
	},
	{
		Name: "kaddr", Kind: Function, CompileTime: true,
		Variants: []Signature{call(tU64, param("name", tStrLit))},
		Doc:      "The address of the kernel symbol `name`, looked up when the script is compiled.",
		Example:  `interval:s:1 { printf("%d\n", *kaddr("avenrun")); }`,
	},
	{
		Name: "uaddr", Kind: Function, CompileTime: true, ProbeOnly: true,
		Variants:  []Signature{call(shown(pat(UserSymPtr), "T *"), param("sym", tStrLit))},
		Providers: userProbes,
		Doc: "The address of the symbol `sym` in the probed binary, as a user pointer to an " +
			"unsigned integer of the symbol's size (1, 2, 4 or 8 bytes; `uint64 *` otherwise). " +
			"Looked up at compile time; for PIE binaries and libraries the load address is " +
			"added at run time when the kernel supports it (6.7+).",
		Example: `uprobe:/bin/bash:readline { printf("%s\n", str(*uaddr("ps1_prompt"))); }`,
	},
	{
		Name: "percpu_kaddr", Kind: Function,
		Variants: []Signature{
			call(tU64, param("name", tStrLit)),
			call(tU64, param("name", tStrLit), param("cpu", tInt)),
		},
		Doc: "The address of the per-CPU kernel variable `name` (which must be in BTF) for the " +
			"current CPU or for `cpu`. With a CPU number the result may be 0 when the CPU does " +
			"not exist, and must be checked before use.",
		Example: `interval:s:1 { $rq = (struct rq *)percpu_kaddr("runqueues", 0); if ($rq != 0) { print($rq.nr_running); } }`,
	},
	{
		Name: "reg", Kind: Function,
		Variants:  []Signature{call(tU64, param("name", tStrLit))},
		Providers: join(kprobeLike, perfEvents),
		Doc: "The value of the CPU register `name` when the probe fired (names depend on the " +
			"architecture, e.g. `ip`, `sp`, `di` on x86_64; `pc` is an alias of the " +
			"instruction pointer).",
		Example: `kprobe:do_nanosleep { printf("%s\n", ksym(reg("ip"))); }`,
	},
	{
		Name: "kptr", Kind: Function,
		Variants: []Signature{call(TypeSpec{Pattern: SameAs, Arg: 0, Space: types.AddrKernel, Display: "T *"},
			param("ptr", shown(pat(IntOrPointer), "T *")))},
		Doc: "Marks a pointer as pointing to kernel memory; the type is unchanged. Use it when " +
			"bpftrace guesses the wrong address space.",
	},
	{
		Name: "uptr", Kind: Function,
		Variants: []Signature{call(TypeSpec{Pattern: SameAs, Arg: 0, Space: types.AddrUser, Display: "T *"},
			param("ptr", shown(pat(IntOrPointer), "T *")))},
		Doc:     "Marks a pointer as pointing to user memory; the type is unchanged.",
		Example: `kprobe:do_sys_openat2 { printf("%s\n", str(uptr(arg1))); }`,
	},
	{
		Name: "bswap", Kind: Function,
		Variants: []Signature{
			call(tU8, param("n", tU8)),
			call(tU16, param("n", tU16)),
			call(tU32, param("n", tU32)),
			call(tU64, param("n", tU64)),
		},
		Doc: "Reverses the byte order of an integer. The result is unsigned and as wide as " +
			"`n`; one-byte values are returned unchanged.",
		Example: `begin { printf("%x\n", bswap((uint32)0x12345678)); }`,
	},
	{
		Name: "ntop", Kind: Function,
		Variants: []Signature{
			call(tInet, opt("af", tI64), param("addr", tInt)),
			call(tInet, opt("af", tI64), param("addr", byteArray(4))),
			call(tInet, opt("af", tI64), param("addr", byteArray(16))),
		},
		Doc: "Turns an IPv4 or IPv6 address into a value that prints as text. An integer or " +
			"4 bytes mean IPv4 and 16 bytes mean IPv6, unless the address family (`AF_INET`, " +
			"`AF_INET6`) is given first.",
		Example: `kprobe:tcp_connect { printf("%s\n", ntop(((struct sock *)arg0).__sk_common.skc_daddr)); }`,
	},
	{
		Name: "pton", Kind: Function, CompileTime: true,
		Variants: []Signature{
			{Result: shown(conc(&types.Array{Elem: types.Uint8, Len: 4}), "char addr[4]"),
				Params: []Param{param("addr_v4", tStrLit)}, Doc: "A dotted IPv4 address."},
			{Result: shown(conc(&types.Array{Elem: types.Uint8, Len: 16}), "char addr[16]"),
				Params: []Param{param("addr_v6", tStrLit)}, Doc: "A colon-separated IPv6 address."},
		},
		Doc: "Converts an IPv4 or IPv6 address literal to its bytes in network order (4 or 16), " +
			"at compile time; the family is chosen by a `.` or `:` in the text. Casting the " +
			"result to an integer depends on the machine's byte order.",
		Example: `kprobe:tcp_connect /((struct sock *)arg0).__sk_common.skc_daddr == (uint32)pton("127.0.0.1")/ { @ = count(); }`,
	},
	{
		Name: "macaddr", Kind: Function,
		Variants: []Signature{call(tMac, param("mac", shown(pat(MacSource), "char[6]")))},
		Doc:      "Reads 6 bytes as a MAC address that prints as `AA:BB:CC:DD:EE:FF` with `%s`.",
	},
	{
		Name: "cgroupid", Kind: Function, CompileTime: true,
		Variants: []Signature{call(tU64, param("path", tStrLit))},
		Doc:      "The cgroup v2 ID of the cgroup at `path`, looked up when the script is compiled.",
		Example:  `tracepoint:syscalls:sys_enter_openat /cgroup == cgroupid("/sys/fs/cgroup/system.slice")/ { @ = count(); }`,
	},
	{
		Name: "cgroup_path", Kind: Function, Async: true,
		Variants: []Signature{call(tCgroup, param("cgroupid", tInt),
			dflt(opt("filter", tStrLit), `"*"`))},
		Doc: "The path of the cgroup with the given ID, resolved in user space when printed, " +
			"so it may differ from the path when the probe fired. The optional wildcard selects " +
			"the cgroup hierarchies searched (cgroup v2 is named `unified`); the lookup uses " +
			"what is mounted under /sys/fs/cgroup.",
		Example: `kprobe:vfs_read { @[cgroup_path(cgroup)] = count(); }`,
	},
	{
		Name: "strftime", Kind: Function, Async: true,
		Variants: []Signature{call(tTimestamp, param("fmt", tStrLit), param("timestamp_ns", tU64))},
		Doc: "A timestamp (nanoseconds on the boot clock, e.g. `nsecs`) to be formatted with a " +
			"`strftime(3)` format when printed with `%s`. `%f` adds microseconds. Monotonic " +
			"timestamps and negative literals are rejected.",
		Example: `kprobe:do_nanosleep { printf("%s\n", strftime("%H:%M:%S", nsecs)); }`,
	},

	// -----------------------------------------------------------------
	// Strings

	{
		Name: "strlen", Kind: Function,
		Variants: []Signature{
			call(tU64, param("exp", shown(pat(StringLike), "string"))),
			call(tU64, param("exp", shown(pat(StringLike), "int8[]"))),
			call(tU64, param("exp", shown(pat(StringLike), "int8 *"))),
		},
		Doc: "The number of characters before the terminating NUL in a string, a char array " +
			"or a char pointer (a pointer is searched up to `max_strlen` bytes).",
	},
	{
		Name: "strcap", Kind: Function,
		Variants: []Signature{
			call(tU64, param("exp", shown(pat(StringLike), "string"))),
			call(tU64, param("exp", shown(pat(StringLike), "int8[]"))),
			call(tU64, param("exp", shown(pat(StringLike), "int8 *"))),
		},
		Doc: "The capacity of a string-like value: the size of a bpftrace string, the element " +
			"count of a char array, or the length of the string behind a char pointer. Used to " +
			"bound searches without scanning.",
	},
	{
		Name: "strncmp", Kind: Function,
		Variants: []Signature{call(tU64, param("s1", pat(String)), param("s2", pat(String)),
			ranged(param("n", shown(pat(IntLit), "int64")), 0, 1<<63-1))},
		Doc: "Compares at most `n` characters of two strings: 0 when they are equal, non-zero " +
			"otherwise. The `==` and `!=` operators on strings are usually clearer.",
	},
	{
		Name: "strstr", Kind: Function,
		Variants: []Signature{call(tI32, param("haystack", pat(StringLike)), param("needle", pat(StringLike)))},
		Doc:      "The index of the first occurrence of `needle` in `haystack`, or -1 when absent.",
	},
	{
		Name: "str_concat", Kind: Function,
		Variants: []Signature{call(conc(&types.String{Len: 1024}), param("s1", pat(StringLike)), param("s2", pat(StringLike)))},
		Doc:      "A new string holding `s1` followed by `s2` (at most 1023 characters).",
	},
	{
		Name: "memcmp", Kind: Function,
		Variants: []Signature{call(tI32, param("left", tAny), param("right", tAny), param("count", tU64))},
		Doc: "Compares the first `count` bytes of two values' memory: 0 when equal, otherwise " +
			"negative or positive by the first differing byte (as C's memcmp).",
	},

	// -----------------------------------------------------------------
	// Type and value predicates (compile time)

	{
		Name: "is_array", Kind: Function, CompileTime: true,
		Variants: []Signature{call(tBool, param("expression", shown(pat(TypeOrExpr), "any")))},
		Doc:      "Whether the expression's static type is an array.",
	},
	{
		Name: "is_integer", Kind: Function, CompileTime: true,
		Variants: []Signature{call(tBool, param("expression", shown(pat(TypeOrExpr), "any")))},
		Doc:      "Whether the expression's static type is an integer.",
	},
	{
		Name: "is_unsigned_integer", Kind: Function, CompileTime: true,
		Variants: []Signature{call(tBool, param("expression", shown(pat(TypeOrExpr), "any")))},
		Doc:      "Whether the expression's static type is an unsigned integer.",
	},
	{
		Name: "is_ptr", Kind: Function, CompileTime: true,
		Variants: []Signature{call(tBool, param("expression", shown(pat(TypeOrExpr), "any")))},
		Doc:      "Whether the expression's static type is a pointer.",
	},
	{
		Name: "is_str", Kind: Function, CompileTime: true,
		Variants: []Signature{call(tBool, param("expression", shown(pat(TypeOrExpr), "any")))},
		Doc:      "Whether the expression's static type is a string.",
	},
	{
		Name: "is_scalar", Kind: Function, CompileTime: true,
		Variants: []Signature{call(tBool, param("map", tMap))},
		Doc:      "Whether the map has no keys (`@m = 1`) rather than keys (`@m[k] = 1`); known when the script is compiled.",
	},
	{
		Name: "is_literal", Kind: Function, CompileTime: true,
		Variants: []Signature{call(tBool, param("expr", shown(pat(TypeOrExpr), "Expression")))},
		Doc:      "Whether the argument is a literal (`1`, `true`, `\"x\"`) after constant folding.",
	},
	{
		Name: "static_assert", Kind: Function, CompileTime: true,
		Variants: []Signature{call(tVoid, param("condition", pat(Condition)), param("msg", tStrLit))},
		Doc:      "Fails compilation with `msg` when the compile-time condition is false.",
		Example:  `begin { static_assert(sizeof(struct task_struct) > 0, "no task_struct"); }`,
	},
	{
		Name: "assert_str", Kind: Function, CompileTime: true,
		Variants: []Signature{call(tVoid, param("exp", tAny))},
		Doc: "Fails compilation unless the value is string-like: a string, or an array of or " +
			"pointer to `int8`.",
	},
	{
		Name: "kfunc_exist", Kind: Function, CompileTime: true,
		Variants: []Signature{call(tBool, param("kfunc", tStrLit))},
		Doc:      "Whether the running kernel's BTF has the kfunc named by the literal.",
	},
	{
		Name: "kfunc_allowed", Kind: Function, CompileTime: true, ProbeOnly: true,
		Variants: []Signature{call(tBool, param("kfunc", tStrLit))},
		Doc:      "Whether the kfunc named by the literal may be called from this probe's program type.",
	},

	// -----------------------------------------------------------------
	// Types

	{
		Name: "sizeof", Kind: TypeOp, CompileTime: true,
		Variants: []Signature{
			call(tU64, param("", shown(pat(TypeName), "TYPE"))),
			call(tU64, param("", shown(pat(TypeOrExpr), "EXPRESSION"))),
		},
		Doc: "The size in bytes of a type, or of an expression's type (the expression is not " +
			"evaluated).",
		Example: `begin { print(sizeof(struct task_struct)); }`,
	},
	{
		Name: "offsetof", Kind: TypeOp, CompileTime: true,
		Variants: []Signature{
			call(tU64, param("", shown(pat(TypeName), "STRUCT")), param("", pat(FieldPath))),
			call(tU64, param("", shown(pat(TypeOrExpr), "EXPRESSION")), param("", pat(FieldPath))),
		},
		Doc: "The byte offset of a field, possibly nested (`a.b.c`), in a struct type or in " +
			"an expression's struct type.",
		Example: `begin { print(offsetof(struct task_struct, pid)); }`,
	},
	{
		Name: "typeof", Kind: TypeOp, CompileTime: true,
		Variants: []Signature{
			call(patArg(TypeResult, 0), param("", shown(pat(TypeName), "TYPE"))),
			call(patArg(TypeResult, 0), param("", shown(pat(TypeOrExpr), "EXPRESSION"))),
		},
		Doc: "The static type of a type or an expression, usable where a type is expected: " +
			"variable declarations (`let $a: typeof($b)`), casts, type arguments of macros and " +
			"the other type operators.",
		Example: `kprobe:vfs_read { let $n: typeof(arg2) = 0; }`,
	},
	{
		Name: "typeinfo", Kind: TypeOp, CompileTime: true,
		Variants: []Signature{call(pat(TypeinfoRecord), param("", pat(TypeOrExpr)))},
		Unstable: "unstable_typeinfo",
		Doc: "A record describing a type: `btf_id`, `base_type` (\"int\", \"string\", " +
			"\"pointer\", ...) and `full_type` (the type as printed). Unstable: enable with " +
			"the `unstable_typeinfo` config.",
	},
	{
		Name: "container_of", Kind: Function,
		Variants: []Signature{call(shown(patArg(PtrToTypeArg, 1), "Container *"),
			param("ptr", shown(pat(IntOrPointer), "Member *")), param("type", pat(TypeName)),
			param("member", shown(pat(FieldPath), "Identifier")))},
		Doc: "Given a pointer to the field `member` inside an object of type `type`, a pointer " +
			"to the object itself, like the kernel macro.",
		Example: `kprobe:tcp_v4_rcv { $sk = container_of(arg0, struct sock, sk_node); }`,
	},

	// -----------------------------------------------------------------
	// Side effects on the traced system

	{
		Name: "signal", Kind: Function, Unsafe: true,
		Variants: []Signature{
			call(tVoid, param("sig", tStrLit)),
			call(tVoid, ranged(param("signum", tU32), 1, 64)),
		},
		Providers: []string{"kprobe", "kretprobe", "uprobe", "uretprobe", "usdt", "tracepoint",
			"profile", "fentry", "fexit", "rawtracepoint"},
		Helper: "send_signal",
		Doc: "Sends a signal, named (`\"SIGKILL\"`) or numbered (1-64), to the process of the " +
			"current task (any of its threads may handle it). See `signal_thread`.",
		Example: `kprobe:__x64_sys_execve /comm == "bash"/ { signal("SIGSTOP"); }`,
	},
	{
		Name: "signal_thread", Kind: Function, Unsafe: true,
		Variants: []Signature{
			call(tVoid, param("sig", tStrLit)),
			call(tVoid, ranged(param("signum", tU32), 1, 64)),
		},
		Providers: []string{"kprobe", "kretprobe", "uprobe", "uretprobe", "usdt", "tracepoint",
			"profile", "fentry", "fexit", "rawtracepoint"},
		Helper: "send_signal_thread",
		Doc:    "Sends a signal, named or numbered (1-64), to the current thread only.",
	},
	{
		Name: "override", Kind: Function, Unsafe: true,
		Variants:  []Signature{call(tVoid, param("rc", tU64))},
		Providers: []string{"kprobe"},
		Kernel:    "4.16",
		Helper:    "override_return",
		Doc: "Skips the probed kernel function and makes it return `rc`. Works only on kernels " +
			"built with `CONFIG_BPF_KPROBE_OVERRIDE` and on functions marked " +
			"`ALLOW_ERROR_INJECTION`; otherwise attaching fails.",
		Example: `kprobe:__x64_sys_getuid /comm == "id"/ { override(0); }`,
	},
	{
		Name: "write_user", Kind: Function, Unsafe: true,
		Variants: []Signature{call(tBool, param("dst", shown(pat(IntOrPointer), "T *")),
			param("src", shown(tAny, "T *")), param("len", tU32))},
		Helper: "probe_write_user",
		Doc: "Copies `len` bytes from `src` in the BPF program to the user address `dst` of " +
			"the current task; true on success. It can corrupt the traced process, and the " +
			"kernel logs a warning when it is used.",
	},
	{
		Name: "skboutput", Kind: Function,
		Variants: []Signature{call(tU32, param("path", tStrLit),
			param("skb", shown(pat(Pointer), "struct sk_buff *")),
			param("length", tU64), param("offset", tU64))},
		Providers: tracingProg,
		Kernel:    "5.5",
		Helper:    "skb_output",
		Doc: "Appends the data of a socket buffer, from `offset` for `length` bytes, as a " +
			"packet to the pcap file `path` (raw IP framing; an offset of 14 skips an Ethernet " +
			"header). Returns 0 or a negative error. Raise `perf_rb_pages` for large packets.",
		Example: `fentry:napi_gro_receive { skboutput("rx.pcap", args.skb, args.skb.len, 0); }`,
	},
	{
		Name: "socket_cookie", Kind: Function,
		Variants:  []Signature{call(tU64, param("sk", structPtr("sock")))},
		Providers: tracingProg,
		Helper:    "get_socket_cookie",
		Doc: "The kernel's cookie of a socket: a number that identifies it for its lifetime " +
			"(created on first use; 0 for a NULL socket).",
		Example: `fentry:tcp_rcv_established { @[socket_cookie(args.sk)] = count(); }`,
	},
	{
		Name: "unwatch", Kind: Function, Async: true,
		Variants: []Signature{call(tVoid, param("addr", tInt))},
		Doc:      "Removes the watchpoint on `addr` that a watchpoint probe set up.",
	},

	// -----------------------------------------------------------------
	// Map functions

	{
		Name: "delete", Kind: MapFunc,
		Variants: []Signature{
			call(tBool, param("m", tMap), param("k", pat(MapKey))),
			{Result: tBool, Params: []Param{param("m", tMap)},
				Doc: "Only for a map without keys; the same as `clear`."},
			{Result: tBool, Params: []Param{param("", pat(MapElem))}, Deprecated: "delete(@m, k)"},
		},
		Doc: "Removes one key from a map; false when the key was not there (with a warning if " +
			"the result is ignored). Several keys are given as a tuple: " +
			"`delete(@m, (1, \"a\"))`. The older form `delete(@m[k])` still works.",
		Example: `kretprobe:vfs_read { delete(@start, tid); }`,
	},
	{
		Name: "clear", Kind: MapFunc, Async: true,
		Variants: []Signature{call(tVoid, param("m", tMap))},
		Doc:      "Removes every key of a map.",
		Example:  `interval:s:1 { print(@); clear(@); }`,
	},
	{
		Name: "zero", Kind: MapFunc, Async: true,
		Variants: []Signature{call(tVoid, param("m", tMap))},
		Doc:      "Sets every value of a map to zero, keeping the keys.",
	},
	{
		Name: "has_key", Kind: MapFunc,
		Variants: []Signature{call(tBool, param("m", tMap), param("k", pat(MapKey)))},
		Doc:      "Whether the map (which must have keys) holds `k`.",
		Example:  `kretprobe:vfs_read /has_key(@start, tid)/ { @lat = hist(nsecs - @start[tid]); }`,
	},
	{
		Name: "find", Kind: MapFunc,
		Variants: []Signature{call(tBool, param("m", tMap), param("k", pat(MapKey)),
			param("result", pat(MapValueVar)))},
		Doc: "Looks `k` up once: when present, stores the value in the scratch variable and " +
			"returns true; otherwise returns false and leaves the variable alone. The map must " +
			"have keys.",
		Example: `kretprobe:vfs_read { let $t; if (find(@start, tid, $t)) { @lat = hist(nsecs - $t); } }`,
	},
	{
		Name: "len", Kind: MapFunc,
		Variants: []Signature{
			call(tI64, param("m", tMap)),
			call(tI64, param("stack", TypeSpec{Pattern: Stack, Name: "ustack"})),
			call(tI64, param("stack", TypeSpec{Pattern: Stack, Name: "kstack"})),
		},
		Doc:     "The number of elements of a map with keys, or the number of frames of a stack.",
		Example: `interval:s:1 { printf("%d\n", len(@start)); }`,
	},

	// -----------------------------------------------------------------
	// Aggregations

	{
		Name: "count", Kind: Aggregation,
		Variants: []Signature{call(agg(types.AggCount))},
		Doc: "Counts the calls. Kept per CPU, so updates are cheap and never lost; reading it " +
			"in the program sums all CPUs.",
		Example: `kprobe:vfs_read { @[comm] = count(); }`,
	},
	{
		Name: "sum", Kind: Aggregation,
		Variants: []Signature{call(agg(types.AggSum), param("n", tInt))},
		Doc:      "Adds up the values, per CPU.",
		Example:  `kretprobe:vfs_read /retval > 0/ { @bytes[comm] = sum(retval); }`,
	},
	{
		Name: "avg", Kind: Aggregation,
		Variants: []Signature{call(agg(types.AggAvg), param("n", tInt))},
		Doc: "The running average of the values (kept as a count and a total, divided when " +
			"read).",
		Example: `kretprobe:vfs_read { @avg = avg(retval); }`,
	},
	{
		Name: "min", Kind: Aggregation,
		Variants: []Signature{call(agg(types.AggMin), param("n", tInt))},
		Doc: "The smallest value seen. It takes one value: the other operand is what the map " +
			"already holds (nothing, for the first call).",
	},
	{
		Name: "max", Kind: Aggregation,
		Variants: []Signature{call(agg(types.AggMax), param("n", tInt))},
		Doc: "The largest value seen. It takes one value: the other operand is what the map " +
			"already holds (nothing, for the first call).",
		Example: `kretprobe:vfs_read { @max = max(retval); }`,
	},
	{
		Name: "stats", Kind: Aggregation,
		Variants: []Signature{call(agg(types.AggStats), param("n", tInt))},
		Doc:      "Count, average and total of the values in one aggregation.",
		Example:  `kprobe:vfs_read { @[comm] = stats(arg2); }`,
	},
	{
		Name: "hist", Kind: Aggregation,
		Variants: []Signature{call(agg(types.AggHist), param("n", tInt),
			dflt(ranged(opt("k", shown(pat(IntLit), "int")), 0, 5), "0"))},
		Doc: "A power-of-two histogram of the values; `k` (0-5) splits each power of two into " +
			"2^k buckets.",
		Example: `kretprobe:vfs_read { @bytes = hist(retval); }`,
	},
	{
		Name: "lhist", Kind: Aggregation,
		Variants: []Signature{call(agg(types.AggLhist), param("n", tInt),
			ranged(param("min", shown(pat(IntLit), "int64")), 0, 1<<63-1),
			ranged(param("max", shown(pat(IntLit), "int64")), 0, 1<<63-1),
			ranged(param("step", shown(pat(IntLit), "int64")), 1, 1<<63-1))},
		Doc: "A linear histogram with buckets of width `step` from `min` to `max`, plus one " +
			"bucket below and one above the range. The bounds are non-negative literals, " +
			"`min < max`, and at most 1000 buckets.",
		Example: `interval:ms:1 { @ = lhist(rand % 10, 0, 10, 1); }`,
	},
	{
		Name: "tseries", Kind: Aggregation, Unstable: "unstable_tseries",
		Variants: []Signature{call(agg(types.AggTseries), param("n", tInt),
			ranged(param("interval_ns", shown(pat(IntLit), "int64")), 1, 1<<63-1),
			ranged(param("num_intervals", shown(pat(IntLit), "int64")), 1, 1000000),
			choices(opt("agg", tStrLit), "avg", "max", "min", "sum"))},
		Doc: "A time series of the last `num_intervals` intervals of `interval_ns` each " +
			"(duration literals such as `100ms` work). Each interval keeps the last value, or " +
			"combines its values with `\"avg\"`, `\"max\"`, `\"min\"` or `\"sum\"`.",
		Example: `interval:ms:10 { @ = tseries(rand % 10, 100ms, 20, "max"); }`,
	},
}
