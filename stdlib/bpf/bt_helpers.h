// bt_helpers.h: what the standard library's C needs from the kernel's and
// libbpf's headers, written out so that the objects depend only on the
// files in stdlib/ and on clang (they are compiled ahead of time and must
// come out the same on every machine). The helper numbers are the
// kernel's (enum bpf_func_id in linux/bpf.h).

#pragma once

typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;

#define SEC(name) __attribute__((section(name), used))
#define __weak __attribute__((weak))
#define __ksym __attribute__((section(".ksyms")))

static long (*bpf_probe_read_kernel)(void *dst, __u32 size, const void *unsafe_ptr) = (void *)113;
static long (*bpf_probe_read_kernel_str)(void *dst, __u32 size, const void *unsafe_ptr) = (void *)115;
