/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dwarf-fixture.c - a small program whose DWARF test_kdump_dwarf.c reads.
 * Built with -g (DWARF 4 and 5, gcc and clang when present) by kdump.mk.
 * The test also includes it (FX_NO_MAIN) to compare with its own compiler.
 * The shapes mimic struct page: nested anonymous unions and structs, bit
 * fields, enums (negative and > 127 values), typedefs, arrays.
 */
#include <stddef.h>
#include <stdint.h>

typedef struct {
	int counter;
} atomic_t;

typedef unsigned long pteval_t;
typedef struct {
	pteval_t pte;
} pte_t;

enum fx_color {
	FX_RED = -3,
	FX_GREEN = 200,		/* data1 0xc8 in DWARF: must not read as -56 */
	FX_BLUE = 0x7fffffff,
};

enum {
	FX_ANON_A = 7,
	FX_ANON_B,
} fx_anon_enum_obj;		/* an object, or clang drops the enum */

enum fx_big {
	FX_BIG = 0x123456789aLL,
	FX_NEG64 = -0x123456789aLL,
};

struct fx_list {
	struct fx_list *next, *prev;
};

struct fx_ref {
	long count;
	struct fx_data {
		unsigned long flags;
		void *release;
	} data;
};

struct fx_page {
	unsigned long flags;			/* 0 */
	union {					/* 8 */
		struct {
			struct fx_list lru;	/* 8 */
			void *mapping;		/* 24 */
			union {
				unsigned long index;	/* 32 */
				unsigned long share;
			};
			unsigned long private;	/* 40 */
		};
		struct {
			unsigned long compound_info;	/* 8 */
			unsigned char order;		/* 16 */
		};
		struct {
			void *pgmap;			/* 8 */
			void *zone_device_data;		/* 16 */
		};
	};
	union {					/* 48 */
		unsigned int page_type;
		atomic_t _mapcount;
	};
	atomic_t _refcount;			/* 52 */
	struct fx_ref ref;			/* 56 */
	unsigned int bf_a : 3;			/* 80, bits 0-2 */
	unsigned int bf_b : 13;			/* bits 3-15 */
	unsigned int bf_c : 16;			/* bits 16-31 */
	unsigned long long bf_wide : 40;	/* 88, bits 0-39 */
	int bf_signed : 5;
	pte_t ptes[4];
	enum fx_color color;
};

union fx_union {
	char c;
	long l;
	struct fx_page pages[2];
};

struct __attribute__((packed)) fx_packed {
	unsigned char head;
	unsigned int straddle : 20;	/* starts at bit 8 */
	unsigned int tail : 12;
};

/* A variable defined after an incomplete declaration. */
extern struct fx_page *fx_pages[];
struct fx_page *fx_pages[25];
unsigned long fx_per_cpu_offset[8];
int fx_not_array;
int fx_matrix[3][5];

struct fx_page fx_one_page;
union fx_union fx_u;
struct fx_packed fx_pk;
enum fx_big fx_big_var;
enum fx_color fx_color_var;
int fx_anon_enum_var = FX_ANON_B;
const char linux_banner[] = "Linux version 7.2.99-fixture (x@y) #1 SMP\n";

#ifndef FX_NO_MAIN
int main(void)
{
	fx_one_page._refcount.counter = 1;
	fx_pk.straddle = 5;
	return ((int)sizeof(fx_u) + (fx_pages[0] != NULL) + (int)fx_per_cpu_offset[0] +
		fx_not_array + fx_matrix[0][0] + (int)fx_big_var + (int)fx_color_var +
		linux_banner[0] + fx_anon_enum_var) & 0;
}
#endif
