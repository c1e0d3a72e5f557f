/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz.h - shared bits of the libFuzzer targets (docs/fuzzing.md): a byte
 * reader over the input, an invariant check that aborts (so libFuzzer keeps
 * the input), and a sink for the formatted output.
 */
#ifndef FOLIOSCOPE_FUZZ_H
#define FOLIOSCOPE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the engine does not hold: report and abort. */
#define FZ_CHECK(cond, ...)                                                        \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "%s:%d: invariant failed: %s: ", __FILE__, \
				__LINE__, #cond);                                  \
			fprintf(stderr, __VA_ARGS__);                              \
			fputc('\n', stderr);                                       \
			abort();                                                   \
		}                                                                  \
	} while (0)

struct fz_in {
	const uint8_t *p;
	size_t n;
};

static inline size_t fz_left(const struct fz_in *in) { return in->n; }

static inline uint8_t fz_u8(struct fz_in *in)
{
	uint8_t v = 0;

	if (in->n) {
		v = *in->p++;
		in->n--;
	}
	return v;
}

static inline uint16_t fz_u16(struct fz_in *in)
{
	uint16_t lo = fz_u8(in);

	return (uint16_t)(lo | (uint16_t)fz_u8(in) << 8);
}

static inline uint32_t fz_u32(struct fz_in *in)
{
	uint32_t lo = fz_u16(in);

	return lo | (uint32_t)fz_u16(in) << 16;
}

static inline uint64_t fz_u64(struct fz_in *in)
{
	uint64_t lo = fz_u32(in);

	return lo | (uint64_t)fz_u32(in) << 32;
}

/* Every formatter writes here: the output itself is not checked, only that
 * producing it is free of crashes, UB and leaks. FUZZ_SHOW=1 prints it. */
static inline FILE *fz_sink(void)
{
	static FILE *f;

	if (!f)
		f = getenv("FUZZ_SHOW") ? stdout : fopen("/dev/null", "w");
	return f;
}

#endif
