// SPDX-License-Identifier: MIT
//
// Types modelled on an older, different kernel (not the one the tests run
// on), written to exercise what a vmlinux.h generator must get right:
// bit-fields, packed and over-aligned records, anonymous members, function
// pointers, enums of every size and signedness, flexible and zero-length
// arrays, and several distinct types sharing one name. Compiled for BPF
// with debug info, clang turns them into the object's .BTF section, which
// the tests load with cilium/ebpf as "another kernel's BTF".
//
// Regenerate otherkernel.bpf.o with `make -C testdata` (see the Makefile).

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef int __s32;
typedef long long __s64;
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s8 s8;
typedef __s32 s32;
typedef __s64 s64;
typedef u64 sector_t;
typedef sector_t blkcnt_t; /* typedef of a typedef of a typedef */
typedef _Bool bool;
typedef __int128 s128;
typedef unsigned __int128 u128;
typedef long unsigned int size_t;

#define __user __attribute__((btf_type_tag("user")))
#define __rcu __attribute__((btf_type_tag("rcu")))
#define __packed __attribute__((packed))
#define __aligned(n) __attribute__((aligned(n)))
#define __kfunc __attribute__((btf_decl_tag("bpf_kfunc")))

struct list_head {
	struct list_head *next, *prev;
};

struct hlist_node {
	struct hlist_node *next, **pprev;
};

/* mutual recursion through pointers, one side embedding the other */
struct ring_b;
struct ring_a {
	struct ring_b *b;
	int id;
};
struct ring_b {
	struct ring_a *back;
	struct ring_a first;
	struct list_head link;
};

/* cycle through a typedef */
typedef struct node node_t;
struct node {
	node_t *next;
	node_t **pprev;
	int val;
};

/* only ever seen through a pointer: a BTF FWD */
struct opaque;
union opaque_u;

enum state {
	ST_IDLE,
	ST_RUNNING,
	ST_DEAD = 3,
};

enum neg_state {
	NS_ERR = -22,
	NS_OK = 0,
	NS_MAX = 0x7fffffff,
};

enum big_flags {
	BF_LOW = 1,
	BF_HIGH = 0x100000000ULL,
	BF_ALL = 0xffffffffffffffffULL,
};

enum big_neg {
	BN_MIN = -0x7fffffffffffffffLL - 1,
	BN_BIG = 0x7fffffffffffffffLL,
};

enum __packed small_state {
	SS_A,
	SS_B = 200,
};

enum __packed small_neg {
	SN_A = -3,
	SN_B = 100,
};

struct bits {
	unsigned int a: 1;
	unsigned int b: 3;
	unsigned int c: 28;
	unsigned long d: 40;
	unsigned char e: 2;
	bool f: 1;
	int g: 5;
	enum state st: 2;
	u64 h: 63;
	u8 tail;
	unsigned int i: 7;
	u16 j: 9;
};

struct __packed pk {
	u8 x;
	u32 y;
	u16 z;
	u64 w;
};

struct pa {
	u8 a;
	u64 b;
	u16 c;
} __packed __aligned(4);

struct packed_bits {
	u8 lead;
	unsigned int x: 20;
	unsigned int y: 20; /* straddles: only packed keeps it here */
	u8 z;
} __packed;

struct holds_packed {
	char c;
	struct pk p; /* at offset 1: pk has alignment 1 */
	struct pa q;
	u16 after;
};

struct cacheline {
	int a;
	int b __aligned(64);
	long c;
};

struct __aligned(32) ca {
	int x;
	char y;
};

struct holds_aligned {
	char c;
	struct ca ca;
	struct cacheline cl;
	u8 tail;
};

struct page_like {
	unsigned long flags;
	union {
		struct {
			struct list_head lru;
			void *mapping;
			unsigned long index;
		};
		struct {
			unsigned long pp_magic;
			void *pp;
			union {
				unsigned long dma_addr;
				u32 dma_words[2];
			};
		} pool;
		struct rcu_like {
			void *next;
			void (*func)(struct rcu_like *);
		} rcu;
	};
	union {
		int mapcount;
		unsigned int page_type;
	};
	struct {
		u8 kind: 4;
		u8 order: 4;
		enum state st;
	} meta[3];
	const struct {
		long ro1, ro2;
	};
};

typedef int handler_fn(struct ring_a *, unsigned long);
typedef void (*sighandler_t)(int);

struct ops {
	int (*open)(struct ring_a *, void *);
	void (*release)(struct opaque *);
	handler_fn *handler;
	sighandler_t (*signal)(int, sighandler_t);
	void (*(*signal_raw)(int, void (*)(int)))(int); /* returns a function pointer */
	int (*table[4])(struct node *);
	long (*vararg)(const char *, ...);
	void (*noargs)(void);
	struct ring_b *(*lookup)(const struct ring_a *, union opaque_u *);
};

struct flex {
	u32 n;
	u64 data[];
};

struct zero_len {
	u16 len;
	char pad[0];
	struct list_head items[0];
	int m[3][4][5];
	char name[16];
};

struct quals {
	const volatile int *const cvp;
	char *restrict rp;
	volatile u64 counter;
	const char *const names[2];
	int __user *uptr;
	struct list_head __rcu *rcu_list;
	void *vp;
	const void **cvpp;
};

struct scalars {
	bool b;
	s128 wide;
	u128 uwide;
	float f;
	double d;
	s8 *sp;
	blkcnt_t blocks;
};

typedef struct {
	int a;
	char b;
} anon_t;

typedef union {
	u32 word;
	u8 bytes[4];
} anon_u;

typedef enum {
	AT_ONE = 1,
	AT_TWO,
} anon_e;

struct with_anon_enum {
	enum {
		AE_A,
		AE_B = 5,
	} kind;
	anon_t t;
	anon_u u;
	anon_e e;
	struct {
		int x, y;
	} pts[2];
};

struct dup {
	int a;
};

typedef int dup_t;

enum dupe {
	DUP_X = 1,
};

struct uses_all {
	struct ring_b rb;
	struct node n;
	struct opaque *op;
	union opaque_u *ou;
	struct bits bits;
	struct holds_packed hp;
	struct holds_aligned ha;
	struct page_like page;
	struct ops ops;
	struct zero_len zl;
	struct quals q;
	struct scalars s;
	struct with_anon_enum wae;
	struct hlist_node hn;
	struct dup d;
	dup_t dt;
	enum dupe de;
	enum neg_state ns;
	enum big_flags bf;
	enum big_neg bn;
	enum small_state ss;
	enum small_neg sn;
	struct packed_bits pb;
	struct flex fl; /* a flexible record at the end */
};

struct uses_all all_of_it;
struct flex *flex_ptr;

/* Distinct types with the names used above, in block scope: BTF gets
 * several "struct dup", "dup_t" and "enum dupe", and clashing enumerators. */
int dup_user(void)
{
	static struct dup {
		long x, y;
	} d2 __attribute__((used));
	static enum dupe {
		DUP_X = 7,
		DUP_Y,
	} e2 __attribute__((used));
	typedef char dup_t;
	static dup_t c2 __attribute__((used));
	return d2.x + e2 + c2;
}

int dup_user2(void)
{
	static union dup {
		int i;
		float f;
	} d3 __attribute__((used));
	{
		static struct dup {
			char c[3];
		} d4 __attribute__((used));
		return d3.i + d4.c[0];
	}
}

/* A kfunc as the kernel tags them. */
__kfunc struct ring_a *bt_test_acquire(struct ring_b *b, u32 flags, int __user *uarg)
{
	return b ? b->back : 0;
}

__kfunc void bt_test_release(struct ring_a *a)
{
	if (a)
		a->id = 0;
}
