// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * json.c - streaming JSON writer (include/folioscope/json.h).
 *
 * The writer formats into an outbuf (include/folioscope/outbuf.h): a scan
 * document of a large dump has millions of keys and numbers, and a stdio call
 * or two per piece was most of the time spent writing it
 * (docs/performance.md). Reports pass their own buffer (fs_jsonb_*); each
 * fs_json_* call runs the same code on a small buffer of its own and hands
 * the value to stdio in one piece.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "folioscope/json.h"
#include "folioscope/outbuf.h"

void fs_json_init(struct fs_json *j, FILE *f, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty = pretty;
}

static void open(struct fs_json *j, struct fs_outbuf *o, char c)
{
	fs_jsonb_prefix(j, o);
	fs_outbuf_putc(o, c);
	if (j->depth + 1 < FS_JSON_MAXDEPTH)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_(struct fs_json *j, struct fs_outbuf *o, char c)
{
	bool had = j->need_comma[j->depth];
	bool one_line = j->line_depth && j->depth >= j->line_depth;

	if (j->depth > 0)
		j->depth--;
	if (had && j->pretty && !one_line)
		o->p = fs_jsonb_indent(fs_outbuf_room(o, FS_JSONB_INDENT_MAX), j->depth);
	fs_outbuf_putc(o, c);
}

void fs_jsonb_begin_object(struct fs_json *j, struct fs_outbuf *o) { open(j, o, '{'); }
void fs_jsonb_end_object(struct fs_json *j, struct fs_outbuf *o) { close_(j, o, '}'); }
void fs_jsonb_begin_array(struct fs_json *j, struct fs_outbuf *o) { open(j, o, '['); }
void fs_jsonb_end_array(struct fs_json *j, struct fs_outbuf *o) { close_(j, o, ']'); }

/* Bytes that go out as they are: 0x20-0x7e but the quote, backslash, <, >
 * and & (text from a dump must not break the document, or HTML around it).
 * A bit per byte: every key and string is scanned, a good part of the time
 * spent writing a document. */
static const uint64_t plain_bits[4] = {
	0xffffffff00000000ULL & ~((1ULL << '"') | (1ULL << '&') | (1ULL << '<') | (1ULL << '>')),
	0x7fffffffffffffffULL & ~(1ULL << ('\\' - 64)),
};

static inline bool plain(unsigned char c)
{
	return (plain_bits[c >> 6] >> (c & 63)) & 1;
}

/* s quoted and escaped: runs of plain bytes are copied whole (names, kinds
 * and numbers in text are all plain). */
static void put_escaped(struct fs_outbuf *o, const char *s)
{
	const unsigned char *q = (const unsigned char *)s;

	fs_outbuf_putc(o, '"');
	for (;;) {
		const unsigned char *run = q;
		while (plain(*q))
			q++;
		fs_outbuf_write(o, run, (size_t)(q - run));
		if (!*q)
			break;
		char *p = fs_outbuf_room(o, 6);
		*p++ = '\\';
		switch (*q) {
		case '"': *p++ = '"'; break;
		case '\\': *p++ = '\\'; break;
		case '\n': *p++ = 'n'; break;
		case '\t': *p++ = 't'; break;
		case '\r': *p++ = 'r'; break;
		default:	/* \u00XX */
			*p++ = 'u';
			*p++ = '0';
			*p++ = '0';
			*p++ = "0123456789abcdef"[*q >> 4];
			*p++ = "0123456789abcdef"[*q & 15];
		}
		o->p = p;
		q++;
	}
	fs_outbuf_putc(o, '"');
}

void fs_jsonb_key(struct fs_json *j, struct fs_outbuf *o, const char *key)
{
	fs_jsonb_prefix(j, o);
	put_escaped(o, key);
	fs_outbuf_write(o, ": ", j->pretty ? 2 : 1);
	j->after_key = true;
}

void fs_jsonb_string(struct fs_json *j, struct fs_outbuf *o, const char *s)
{
	fs_jsonb_prefix(j, o);
	put_escaped(o, s ? s : "");
}

/* The fs_json_* calls: the buffered writer on a buffer of their own, handed
 * to stdio in one piece (longer strings go through in a few). */
struct one_call {
	struct fs_outbuf o;
	char buf[256];
};

static struct fs_outbuf *one_call(struct one_call *c, const struct fs_json *j)
{
	fs_outbuf_init(&c->o, j->f, c->buf, sizeof(c->buf));
	return &c->o;
}

/* Declares o, a buffer for the one call, and hands what it wrote to stdio. */
#define ONE_CALL(j, o, ...)                                             \
	do {                                                            \
		struct one_call c_;                                     \
		struct fs_outbuf *o = one_call(&c_, (j));               \
		__VA_ARGS__;                                            \
		fs_outbuf_flush(o);                                     \
	} while (0)

void fs_json_begin_object(struct fs_json *j) { ONE_CALL(j, o, fs_jsonb_begin_object(j, o)); }
void fs_json_end_object(struct fs_json *j) { ONE_CALL(j, o, fs_jsonb_end_object(j, o)); }
void fs_json_begin_array(struct fs_json *j) { ONE_CALL(j, o, fs_jsonb_begin_array(j, o)); }
void fs_json_end_array(struct fs_json *j) { ONE_CALL(j, o, fs_jsonb_end_array(j, o)); }
void fs_json_key(struct fs_json *j, const char *key) { ONE_CALL(j, o, fs_jsonb_key(j, o, key)); }
void fs_json_string(struct fs_json *j, const char *s) { ONE_CALL(j, o, fs_jsonb_string(j, o, s)); }
void fs_json_int(struct fs_json *j, int64_t v) { ONE_CALL(j, o, fs_jsonb_int(j, o, v)); }
void fs_json_uint(struct fs_json *j, uint64_t v) { ONE_CALL(j, o, fs_jsonb_uint(j, o, v)); }
void fs_json_hex(struct fs_json *j, uint64_t v) { ONE_CALL(j, o, fs_jsonb_hex(j, o, v)); }
void fs_json_bool(struct fs_json *j, bool v) { ONE_CALL(j, o, fs_jsonb_bool(j, o, v)); }
void fs_json_null(struct fs_json *j) { ONE_CALL(j, o, fs_jsonb_null(j, o)); }
void fs_json_newline(struct fs_json *j) { ONE_CALL(j, o, fs_jsonb_newline(j, o)); }

void fs_json_kv_string(struct fs_json *j, const char *k, const char *v) { ONE_CALL(j, o, fs_jsonb_key(j, o, k), fs_jsonb_string(j, o, v)); }
void fs_json_kv_int(struct fs_json *j, const char *k, int64_t v) { ONE_CALL(j, o, fs_jsonb_key(j, o, k), fs_jsonb_int(j, o, v)); }
void fs_json_kv_uint(struct fs_json *j, const char *k, uint64_t v) { ONE_CALL(j, o, fs_jsonb_key(j, o, k), fs_jsonb_uint(j, o, v)); }
void fs_json_kv_hex(struct fs_json *j, const char *k, uint64_t v) { ONE_CALL(j, o, fs_jsonb_key(j, o, k), fs_jsonb_hex(j, o, v)); }
void fs_json_kv_bool(struct fs_json *j, const char *k, bool v) { ONE_CALL(j, o, fs_jsonb_key(j, o, k), fs_jsonb_bool(j, o, v)); }

void fs_escape_text(const char *s, char *out, size_t outlen)
{
	size_t o = 0;

	if (!outlen)
		return;
	for (const unsigned char *p = (const unsigned char *)s; *p && o + 5 < outlen; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '\\') {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = "0123456789abcdef"[*p >> 4];
			out[o++] = "0123456789abcdef"[*p & 15];
		} else {
			out[o++] = (char)*p;
		}
	}
	out[o] = 0;
}
