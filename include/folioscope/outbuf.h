/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * outbuf.h - an output buffer that reports format into and that goes to its
 * FILE in large pieces. A scan of a large dump writes a 100 MB JSON document
 * or 10 MB of text; one stdio call (or printf) per field cost more than
 * building the data (docs/performance.md), so numbers are formatted by hand
 * and written with the text around them in one piece.
 *
 * The buffer is the caller's (usually on its stack). fs_outbuf_flush() hands
 * what is buffered to the FILE; call it before anything else writes to that
 * FILE and before returning.
 */
#ifndef FOLIOSCOPE_OUTBUF_H
#define FOLIOSCOPE_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "folioscope/json.h"

/* A whole report's buffer: large enough that write(2) is not called per line. */
#define FS_OUTBUF_SIZE 65536
/* Room for any number fs_fmt_* writes ("-9223372036854775808", 16 hex digits). */
#define FS_FMT_MAX 24

struct fs_outbuf {
	FILE *f;
	char *p;	/* next byte to fill */
	char *end;	/* end of the storage */
	char *start;
};

void fs_outbuf_init(struct fs_outbuf *o, FILE *f, char *buf, size_t size);
void fs_outbuf_flush(struct fs_outbuf *o);
/* fs_outbuf_write() when the bytes do not fit: flush, then buffer or write through. */
void fs_outbuf_write_slow(struct fs_outbuf *o, const void *s, size_t n);
/* printf into the buffer, for lines too rare to format by hand. */
void fs_outbuf_printf(struct fs_outbuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* At least n free bytes at the returned pointer (n no more than the buffer's
 * size); the caller advances o->p past what it filled. */
static inline char *fs_outbuf_room(struct fs_outbuf *o, size_t n)
{
	if ((size_t)(o->end - o->p) < n)
		fs_outbuf_flush(o);
	return o->p;
}

static inline void fs_outbuf_write(struct fs_outbuf *o, const void *s, size_t n)
{
	if ((size_t)(o->end - o->p) >= n) {
		memcpy(o->p, s, n);
		o->p += n;
	} else {
		fs_outbuf_write_slow(o, s, n);
	}
}

static inline void fs_outbuf_puts(struct fs_outbuf *o, const char *s)
{
	fs_outbuf_write(o, s, strlen(s));
}

static inline void fs_outbuf_putc(struct fs_outbuf *o, char c)
{
	*fs_outbuf_room(o, 1) = c;
	o->p++;
}

/* Numbers at p (FS_FMT_MAX bytes of room), returning the end: the digits
 * printf gives for %llu, %lld and %llx. A scan document has a few million
 * numbers; decimal goes two digits a step. */
static inline char *fs_fmt_u64(char *p, uint64_t v)
{
	static const uint64_t tens[] = {
		10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL,
		1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL,
		100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
		1000000000000000000ULL, 10000000000000000000ULL,
	};
	static const char pairs[201] =
		"00010203040506070809"
		"10111213141516171819"
		"20212223242526272829"
		"30313233343536373839"
		"40414243444546474849"
		"50515253545556575859"
		"60616263646566676869"
		"70717273747576777879"
		"80818283848586878889"
		"90919293949596979899";
	size_t n = 1;
	char *q;

	while (n < 20 && v >= tens[n - 1])
		n++;
	for (q = p + n; v >= 100; v /= 100) {
		q -= 2;
		memcpy(q, pairs + 2 * (v % 100), 2);
	}
	if (v >= 10)
		memcpy(q - 2, pairs + 2 * v, 2);
	else
		q[-1] = (char)('0' + v);
	return p + n;
}

static inline char *fs_fmt_i64(char *p, int64_t v)
{
	if (v < 0) {
		*p++ = '-';
		return fs_fmt_u64(p, 0 - (uint64_t)v);
	}
	return fs_fmt_u64(p, (uint64_t)v);
}

/* Lower-case hex digits, no prefix; two a step (addresses and raw
 * entries are 16 digits, three of them in each entry record). */
static inline char *fs_fmt_hex(char *p, uint64_t v)
{
	static const char pairs[513] =
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
		"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
		"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
		"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
		"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
		"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
		"c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
		"e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
	size_t n = ((size_t)(64 - __builtin_clzll(v | 1)) + 3) / 4;
	char *q = p + n;

	for (; q - p >= 2; v >>= 8) {
		q -= 2;
		memcpy(q, pairs + 2 * (v & 0xff), 2);
	}
	if (q > p)
		*--q = "0123456789abcdef"[v & 15];
	return p + n;
}

/* printf's %*s (width > 0, right-justified) and %-*s (width < 0) of the n
 * bytes at s; p needs room for n and the width. */
static inline char *fs_fmt_field(char *p, const char *s, size_t n, int width)
{
	size_t w = (size_t)(width < 0 ? -width : width), pad = n < w ? w - n : 0;

	if (width > 0) {
		memset(p, ' ', pad);
		p += pad;
	}
	memcpy(p, s, n);
	p += n;
	if (width < 0) {
		memset(p, ' ', pad);
		p += pad;
	}
	return p;
}

/* %*d / %-*d and %*x / %-*x: the number with fs_fmt_field()'s padding. */
static inline char *fs_fmt_i64_field(char *p, int64_t v, int width)
{
	char tmp[FS_FMT_MAX];

	return fs_fmt_field(p, tmp, (size_t)(fs_fmt_i64(tmp, v) - tmp), width);
}

static inline char *fs_fmt_hex_field(char *p, uint64_t v, int width)
{
	char tmp[FS_FMT_MAX];

	return fs_fmt_field(p, tmp, (size_t)(fs_fmt_hex(tmp, v) - tmp), width);
}

/*
 * The JSON writer onto an outbuf: the same output as the fs_json_* calls of
 * folioscope/json.h on the same struct fs_json, which keeps the writer's
 * state (its FILE is not used here). Reports write whole documents with
 * these; each fs_json_* call is one of them on a small buffer of its own.
 * Objects, arrays, keys and strings are in json.c; numbers and the other
 * scalars are inline, as a scan document has millions of them.
 */
void fs_jsonb_begin_object(struct fs_json *j, struct fs_outbuf *o);
void fs_jsonb_end_object(struct fs_json *j, struct fs_outbuf *o);
void fs_jsonb_begin_array(struct fs_json *j, struct fs_outbuf *o);
void fs_jsonb_end_array(struct fs_json *j, struct fs_outbuf *o);
/* Keys and strings are escaped (json.h). */
void fs_jsonb_key(struct fs_json *j, struct fs_outbuf *o, const char *key);
void fs_jsonb_string(struct fs_json *j, struct fs_outbuf *o, const char *s);

/* A newline and two spaces a level, at p with room for FS_JSONB_INDENT_MAX
 * bytes (levels deeper than 32 are indented as level 32). The whole string
 * is copied, a fixed size the compiler inlines; what follows overwrites the
 * spaces beyond the indentation. */
#define FS_JSONB_INDENT_MAX 65
static inline char *fs_jsonb_indent(char *p, int depth)
{
	static const char nl_spaces[FS_JSONB_INDENT_MAX + 1] =
		"\n                                                                ";
	size_t n = 1 + 2 * (size_t)depth;

	memcpy(p, nl_spaces, FS_JSONB_INDENT_MAX);
	return p + (n < FS_JSONB_INDENT_MAX ? n : FS_JSONB_INDENT_MAX);
}

/* The separator and indentation before a value. */
static inline void fs_jsonb_prefix(struct fs_json *j, struct fs_outbuf *o)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0) {
		char *p = fs_outbuf_room(o, 1 + FS_JSONB_INDENT_MAX);
		bool comma = j->need_comma[j->depth];
		if (comma)
			*p++ = ',';
		j->need_comma[j->depth] = true;
		if (j->pretty && (!j->line_depth || j->depth < j->line_depth))
			p = fs_jsonb_indent(p, j->depth);
		else if (j->pretty && comma)
			*p++ = ' ';
		o->p = p;
	}
}

static inline void fs_jsonb_int(struct fs_json *j, struct fs_outbuf *o, int64_t v)
{
	fs_jsonb_prefix(j, o);
	o->p = fs_fmt_i64(fs_outbuf_room(o, FS_FMT_MAX), v);
}

static inline void fs_jsonb_uint(struct fs_json *j, struct fs_outbuf *o, uint64_t v)
{
	fs_jsonb_prefix(j, o);
	o->p = fs_fmt_u64(fs_outbuf_room(o, FS_FMT_MAX), v);
}

/* A "0x..." string: addresses and raw entries do not fit a JSON number. */
static inline void fs_jsonb_hex(struct fs_json *j, struct fs_outbuf *o, uint64_t v)
{
	fs_jsonb_prefix(j, o);
	char *p = fs_outbuf_room(o, FS_FMT_MAX);
	memcpy(p, "\"0x", 3);
	p = fs_fmt_hex(p + 3, v);
	*p++ = '"';
	o->p = p;
}

static inline void fs_jsonb_bool(struct fs_json *j, struct fs_outbuf *o, bool v)
{
	fs_jsonb_prefix(j, o);
	char *p = fs_outbuf_room(o, 5);
	memcpy(p, v ? "true" : "false", 5);	/* "true" with its NUL: a fixed size */
	o->p = p + (v ? 4 : 5);
}

static inline void fs_jsonb_null(struct fs_json *j, struct fs_outbuf *o)
{
	fs_jsonb_prefix(j, o);
	fs_outbuf_write(o, "null", 4);
}

/* A string of ours that needs no escaping (a level or kind name: plain
 * bytes only, checked by the unit tests), copied as it is. */
static inline void fs_jsonb_plain(struct fs_json *j, struct fs_outbuf *o, const char *s)
{
	size_t n = strlen(s);

	fs_jsonb_prefix(j, o);
	char *p = fs_outbuf_room(o, n + 2);
	*p++ = '"';
	memcpy(p, s, n);
	p[n] = '"';
	o->p = p + n + 1;
}

/* Finish a top-level value with a newline. */
static inline void fs_jsonb_newline(struct fs_json *j, struct fs_outbuf *o)
{
	(void)j;
	fs_outbuf_putc(o, '\n');
}

/* A key already quoted and followed by ": " (n bytes up to the colon; n + 1
 * no more than the buffer's size). */
static inline void fs_jsonb_key_quoted(struct fs_json *j, struct fs_outbuf *o, const char *quoted, size_t n)
{
	fs_jsonb_prefix(j, o);
	char *p = fs_outbuf_room(o, n + 1);
	memcpy(p, quoted, n + 1);	/* a fixed size: the space too */
	o->p = p + n + j->pretty;
	j->after_key = true;
}

/*
 * Keys that are string literals with nothing to escape (every key of ours),
 * quoted at compile time instead of scanned on every call:
 *   FS_JSONB_KEY(j, o, "pfn");  FS_JSONB_KV(j, o, "pid", int, pid);
 * kind is int, uint, hex, bool, string or plain (fs_jsonb_<kind>).
 */
#define FS_JSONB_KEY(j, o, key) fs_jsonb_key_quoted((j), (o), "\"" key "\": ", sizeof(key) + 2)
#define FS_JSONB_KV(j, o, key, kind, v)                 \
	do {                                            \
		FS_JSONB_KEY(j, o, key);                \
		fs_jsonb_##kind((j), (o), (v));         \
	} while (0)

#endif
