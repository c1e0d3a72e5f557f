// SPDX-License-Identifier: GPL-2.0-or-later
/* json.c - streaming JSON writer (include/folioscope/json.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "folioscope/json.h"

void fs_json_init(struct fs_json *j, FILE *f, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty = pretty;
}

/* Output goes out in whole runs and without stdio's per-call lock: a scan
 * document of a large dump has millions of keys (docs/performance.md). */
static void indent(struct fs_json *j)
{
	static const char nl_spaces[] = "\n                                                                ";

	if (!j->pretty)
		return;
	size_t n = 1 + 2 * (size_t)j->depth;
	fwrite_unlocked(nl_spaces, 1, n < sizeof(nl_spaces) - 1 ? n : sizeof(nl_spaces) - 1, j->f);
}

/* Called before every value: separators and indentation. */
static void value_prefix(struct fs_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0) {
		if (j->need_comma[j->depth])
			fputc_unlocked(',', j->f);
		j->need_comma[j->depth] = true;
		indent(j);
	}
}

static void open(struct fs_json *j, char c)
{
	value_prefix(j);
	fputc(c, j->f);
	if (j->depth + 1 < FS_JSON_MAXDEPTH)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_(struct fs_json *j, char c)
{
	bool had = j->need_comma[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (had)
		indent(j);
	fputc(c, j->f);
}

void fs_json_begin_object(struct fs_json *j) { open(j, '{'); }
void fs_json_end_object(struct fs_json *j) { close_(j, '}'); }
void fs_json_begin_array(struct fs_json *j) { open(j, '['); }
void fs_json_end_array(struct fs_json *j) { close_(j, ']'); }

static bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&';
}

static void put_escaped(FILE *f, const char *s)
{
	const unsigned char *q = (const unsigned char *)s;

	while (*q && plain(*q))
		q++;
	if (!*q) {	/* the usual case: nothing to escape */
		fputc_unlocked('"', f);
		fwrite_unlocked(s, 1, (size_t)(q - (const unsigned char *)s), f);
		fputc_unlocked('"', f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			if (*p < 0x20 || *p >= 0x7f || *p == '<' || *p == '>' || *p == '&')
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

void fs_json_key(struct fs_json *j, const char *key)
{
	value_prefix(j);
	put_escaped(j->f, key);
	fwrite_unlocked(": ", 1, j->pretty ? 2 : 1, j->f);
	j->after_key = true;
}

void fs_json_string(struct fs_json *j, const char *s)
{
	value_prefix(j);
	put_escaped(j->f, s ? s : "");
}

/* Numbers without printf: a scan document holds millions of them. */
static void put_dec(FILE *f, uint64_t v, bool neg)
{
	char buf[24], *p = buf + sizeof(buf);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (neg)
		*--p = '-';
	fwrite_unlocked(p, 1, (size_t)(buf + sizeof(buf) - p), f);
}

static void put_hex_string(FILE *f, uint64_t v)
{
	char buf[24], *p = buf + sizeof(buf);

	*--p = '"';
	do {
		*--p = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	*--p = 'x';
	*--p = '0';
	*--p = '"';
	fwrite_unlocked(p, 1, (size_t)(buf + sizeof(buf) - p), f);
}

void fs_json_int(struct fs_json *j, int64_t v)
{
	value_prefix(j);
	put_dec(j->f, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0);
}

void fs_json_uint(struct fs_json *j, uint64_t v)
{
	value_prefix(j);
	put_dec(j->f, v, false);
}

void fs_json_hex(struct fs_json *j, uint64_t v)
{
	value_prefix(j);
	put_hex_string(j->f, v);
}

void fs_json_bool(struct fs_json *j, bool v)
{
	value_prefix(j);
	fwrite_unlocked(v ? "true" : "false", 1, v ? 4 : 5, j->f);
}

void fs_json_null(struct fs_json *j)
{
	value_prefix(j);
	fputs("null", j->f);
}

void fs_json_newline(struct fs_json *j)
{
	fputc('\n', j->f);
}

void fs_json_kv_string(struct fs_json *j, const char *k, const char *v) { fs_json_key(j, k); fs_json_string(j, v); }
void fs_json_kv_int(struct fs_json *j, const char *k, int64_t v) { fs_json_key(j, k); fs_json_int(j, v); }
void fs_json_kv_uint(struct fs_json *j, const char *k, uint64_t v) { fs_json_key(j, k); fs_json_uint(j, v); }
void fs_json_kv_hex(struct fs_json *j, const char *k, uint64_t v) { fs_json_key(j, k); fs_json_hex(j, v); }
void fs_json_kv_bool(struct fs_json *j, const char *k, bool v) { fs_json_key(j, k); fs_json_bool(j, v); }

void fs_escape_text(const char *s, char *out, size_t outlen)
{
	size_t o = 0;

	if (!outlen)
		return;
	for (const unsigned char *p = (const unsigned char *)s; *p && o + 5 < outlen; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '\\')
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", *p);
		else
			out[o++] = (char)*p;
	}
	out[o] = 0;
}
