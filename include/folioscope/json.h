/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * json.h - a small streaming JSON writer. Strings are escaped (control
 * characters, quotes, backslashes, and non-ASCII bytes as \u00XX) so text
 * taken from a dump cannot break or inject into the output. 64-bit values
 * that are addresses or raw entries are written as "0x..." strings because
 * JSON numbers lose precision past 2^53 (docs/json-schema.md).
 */
#ifndef FOLIOSCOPE_JSON_H
#define FOLIOSCOPE_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define FS_JSON_MAXDEPTH 32

struct fs_json {
	FILE *f;
	int depth;
	bool need_comma[FS_JSON_MAXDEPTH];
	bool after_key;
	bool pretty;
	/* pretty documents: containers opened this deep or deeper (the outer
	 * value is depth 1) go on one line, ", " between members; 0: none. */
	int line_depth;
};

void fs_json_init(struct fs_json *j, FILE *f, bool pretty);
void fs_json_begin_object(struct fs_json *j);
void fs_json_end_object(struct fs_json *j);
void fs_json_begin_array(struct fs_json *j);
void fs_json_end_array(struct fs_json *j);
void fs_json_key(struct fs_json *j, const char *key);
void fs_json_string(struct fs_json *j, const char *s);
void fs_json_int(struct fs_json *j, int64_t v);
void fs_json_uint(struct fs_json *j, uint64_t v);
void fs_json_hex(struct fs_json *j, uint64_t v);
void fs_json_bool(struct fs_json *j, bool v);
void fs_json_null(struct fs_json *j);
/* Finish a top-level value with a newline. */
void fs_json_newline(struct fs_json *j);

/* key + value shorthands */
void fs_json_kv_string(struct fs_json *j, const char *k, const char *v);
void fs_json_kv_int(struct fs_json *j, const char *k, int64_t v);
void fs_json_kv_uint(struct fs_json *j, const char *k, uint64_t v);
void fs_json_kv_hex(struct fs_json *j, const char *k, uint64_t v);
void fs_json_kv_bool(struct fs_json *j, const char *k, bool v);

/* Escape s for a terminal: control bytes and non-ASCII as \xNN. */
void fs_escape_text(const char *s, char *out, size_t outlen);

#endif
