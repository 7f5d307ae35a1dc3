// Package tracer runs a compiled bt program (a codegen.Object) in the
// kernel, with bpftrace's lifecycle:
//
//  1. load the collection (a failure is returned as a *LoadError, which
//     codegen.LoadDiag maps to the script line), the verifier's log
//     limited to the log_size config as in bpftrace (verifierlog.go);
//  2. write the start time into the compiler's state map and run the
//     begin programs with BPF_PROG_TEST_RUN before anything is attached;
//  3. attach every other program's targets, by provider (a table from
//     provider name to attach function), applying the missing_probes
//     config to targets that fail, and report "Attached N probes";
//  4. read the ring buffer and dispatch each record by its event kind:
//     formatting goes to the Output, map actions (print, clear, zero),
//     exit and system are done here; lost records are counted from the
//     Lost map and reported;
//  5. on exit() — or SIGINT/SIGTERM, the end of the traced command (-c),
//     the end of the traced process (-p), a failed assert, an error —
//     detach everything (probe by probe in attach order, as bpftrace:
//     probes keep running until their turn), clear the exit flag, run
//     the end programs, print every map once as bpftrace does, and close
//     every program, map, link and perf event.
//
// Formatting is the Output's job (package tracer/output); symbols,
// stacks, user names and cgroup paths come from the Resolver here.
package tracer
