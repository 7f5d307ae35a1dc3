// Package kabi is a table of the Linux kernel's stable ABI constants:
// the integer macros of the UAPI headers (errno values, signal numbers,
// open flags, ICMP types, ...) and a short list of kernel-internal ones
// scripts commonly use (address families, directory entry types, task
// states). bt check uses it when a script #includes a header that is not
// installed, or that lacks the name (the UAPI <linux/socket.h> has no
// AF_INET), so that old scripts check without kernel headers. Enum
// constants are not here: they come from the kernel's BTF.
package kabi

import (
	"strconv"
	"strings"
	"sync"
)

//go:generate go run gen.go

// Const is one constant: its value and the header that defines it.
type Const struct {
	Value int64
	// Header is where the kernel defines it, as #included ("linux/icmpv6.h";
	// kernel-internal constants name the kernel source header).
	Header string
}

// Lookup returns the constant called name.
func Lookup(name string) (Const, bool) {
	if c, ok := internal[name]; ok {
		return c, true
	}
	uapiOnce.Do(loadUAPI)
	c, ok := uapi[name]
	return c, ok
}

var (
	uapiOnce sync.Once
	uapi     map[string]Const
)

// loadUAPI reads uapiData into uapi.
func loadUAPI() {
	uapi = make(map[string]Const, strings.Count(uapiData, "\n"))
	for line := range strings.Lines(uapiData) {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		v, err1 := strconv.ParseInt(f[1], 10, 64)
		h, err2 := strconv.Atoi(f[2])
		if err1 != nil || err2 != nil || h < 0 || h >= len(uapiHeaders) {
			continue
		}
		uapi[f[0]] = Const{Value: v, Header: uapiHeaders[h]}
	}
}

// Internal reports whether name is one of the kernel-internal constants
// (not in the UAPI headers), whose values could change between kernels.
func Internal(name string) bool {
	_, ok := internal[name]
	return ok
}

// internal are kernel-internal constants that scripts use but the UAPI
// headers do not define. Address families and directory entry types
// are ABI in all but name (the values cross the system call boundary:
// glibc repeats them); the task states are the kernel's own, with the
// values of Linux 6.x (TASK_RUNNING..TASK_DEAD have been stable since
// 4.14).
var internal = map[string]Const{
	// include/linux/socket.h: address (and protocol) families.
	"AF_UNSPEC": {0, "linux/socket.h"}, "AF_UNIX": {1, "linux/socket.h"}, "AF_LOCAL": {1, "linux/socket.h"},
	"AF_INET": {2, "linux/socket.h"}, "AF_AX25": {3, "linux/socket.h"}, "AF_IPX": {4, "linux/socket.h"},
	"AF_APPLETALK": {5, "linux/socket.h"}, "AF_NETROM": {6, "linux/socket.h"}, "AF_BRIDGE": {7, "linux/socket.h"},
	"AF_ATMPVC": {8, "linux/socket.h"}, "AF_X25": {9, "linux/socket.h"}, "AF_INET6": {10, "linux/socket.h"},
	"AF_ROSE": {11, "linux/socket.h"}, "AF_DECnet": {12, "linux/socket.h"}, "AF_NETBEUI": {13, "linux/socket.h"},
	"AF_SECURITY": {14, "linux/socket.h"}, "AF_KEY": {15, "linux/socket.h"}, "AF_NETLINK": {16, "linux/socket.h"},
	"AF_ROUTE": {16, "linux/socket.h"}, "AF_PACKET": {17, "linux/socket.h"}, "AF_ASH": {18, "linux/socket.h"},
	"AF_ECONET": {19, "linux/socket.h"}, "AF_ATMSVC": {20, "linux/socket.h"}, "AF_RDS": {21, "linux/socket.h"},
	"AF_SNA": {22, "linux/socket.h"}, "AF_IRDA": {23, "linux/socket.h"}, "AF_PPPOX": {24, "linux/socket.h"},
	"AF_WANPIPE": {25, "linux/socket.h"}, "AF_LLC": {26, "linux/socket.h"}, "AF_IB": {27, "linux/socket.h"},
	"AF_MPLS": {28, "linux/socket.h"}, "AF_CAN": {29, "linux/socket.h"}, "AF_TIPC": {30, "linux/socket.h"},
	"AF_BLUETOOTH": {31, "linux/socket.h"}, "AF_IUCV": {32, "linux/socket.h"}, "AF_RXRPC": {33, "linux/socket.h"},
	"AF_ISDN": {34, "linux/socket.h"}, "AF_PHONET": {35, "linux/socket.h"}, "AF_IEEE802154": {36, "linux/socket.h"},
	"AF_CAIF": {37, "linux/socket.h"}, "AF_ALG": {38, "linux/socket.h"}, "AF_NFC": {39, "linux/socket.h"},
	"AF_VSOCK": {40, "linux/socket.h"}, "AF_KCM": {41, "linux/socket.h"}, "AF_QIPCRTR": {42, "linux/socket.h"},
	"AF_SMC": {43, "linux/socket.h"}, "AF_XDP": {44, "linux/socket.h"}, "AF_MCTP": {45, "linux/socket.h"},
	"PF_UNSPEC": {0, "linux/socket.h"}, "PF_UNIX": {1, "linux/socket.h"}, "PF_LOCAL": {1, "linux/socket.h"},
	"PF_INET": {2, "linux/socket.h"}, "PF_INET6": {10, "linux/socket.h"}, "PF_NETLINK": {16, "linux/socket.h"},
	"PF_PACKET": {17, "linux/socket.h"}, "PF_CAN": {29, "linux/socket.h"}, "PF_BLUETOOTH": {31, "linux/socket.h"},
	"PF_VSOCK": {40, "linux/socket.h"}, "PF_XDP": {44, "linux/socket.h"},
	// include/linux/net.h: socket types.
	"SOCK_STREAM": {1, "linux/net.h"}, "SOCK_DGRAM": {2, "linux/net.h"}, "SOCK_RAW": {3, "linux/net.h"},
	"SOCK_RDM": {4, "linux/net.h"}, "SOCK_SEQPACKET": {5, "linux/net.h"}, "SOCK_DCCP": {6, "linux/net.h"},
	"SOCK_PACKET": {10, "linux/net.h"},
	// include/linux/fs_types.h: directory entry types (d_type).
	"DT_UNKNOWN": {0, "linux/fs_types.h"}, "DT_FIFO": {1, "linux/fs_types.h"}, "DT_CHR": {2, "linux/fs_types.h"},
	"DT_DIR": {4, "linux/fs_types.h"}, "DT_BLK": {6, "linux/fs_types.h"}, "DT_REG": {8, "linux/fs_types.h"},
	"DT_LNK": {10, "linux/fs_types.h"}, "DT_SOCK": {12, "linux/fs_types.h"}, "DT_WHT": {14, "linux/fs_types.h"},
	// include/linux/sched.h: task states (task_struct.__state).
	"TASK_RUNNING": {0x0000, "linux/sched.h"}, "TASK_INTERRUPTIBLE": {0x0001, "linux/sched.h"},
	"TASK_UNINTERRUPTIBLE": {0x0002, "linux/sched.h"}, "__TASK_STOPPED": {0x0004, "linux/sched.h"},
	"__TASK_TRACED": {0x0008, "linux/sched.h"}, "EXIT_DEAD": {0x0010, "linux/sched.h"},
	"EXIT_ZOMBIE": {0x0020, "linux/sched.h"}, "TASK_PARKED": {0x0040, "linux/sched.h"},
	"TASK_DEAD": {0x0080, "linux/sched.h"}, "TASK_WAKEKILL": {0x0100, "linux/sched.h"},
	"TASK_WAKING": {0x0200, "linux/sched.h"}, "TASK_NOLOAD": {0x0400, "linux/sched.h"},
	"TASK_NEW": {0x0800, "linux/sched.h"}, "TASK_KILLABLE": {0x0102, "linux/sched.h"},
	"TASK_STOPPED": {0x0104, "linux/sched.h"}, "TASK_TRACED": {0x0008, "linux/sched.h"},
	"TASK_IDLE": {0x0402, "linux/sched.h"}, "TASK_NORMAL": {0x0003, "linux/sched.h"},
	"EXIT_TRACE": {0x0030, "linux/sched.h"},
}
