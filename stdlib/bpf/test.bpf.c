// test.bpf.c: the "test" module (import "stdlib/test"), a C function that
// checks that calling the standard library's C from a script works.

#include "bt_helpers.h"

// __always_true returns 1.
int __always_true(void)
{
	return 1;
}
