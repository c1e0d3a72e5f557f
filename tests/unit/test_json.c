// SPDX-License-Identifier: GPL-2.0-or-later
/* test_json.c - the JSON writer's structure and escaping (strings from a
 * dump must not break the document or inject terminal/markup bytes). */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "folioscope/json.h"
#include "folioscope/outbuf.h"
#include "folioscope/swapent.h"

static char *render_as(void (*fn)(struct fs_json *), bool pretty, int line_depth)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct fs_json j;

	fs_json_init(&j, f, pretty);
	j.line_depth = line_depth;
	fn(&j);
	fclose(f);
	return buf;
}

static char *render(void (*fn)(struct fs_json *))
{
	return render_as(fn, false, 0);
}

static void doc(struct fs_json *j)
{
	fs_json_begin_object(j);
	fs_json_kv_string(j, "comm", "a\"b\\c\n\x1b[31m<x>");
	fs_json_kv_hex(j, "raw", 0xe7ffffe06407fe00ULL);
	fs_json_kv_int(j, "type", -1);
	fs_json_key(j, "list");
	fs_json_begin_array(j);
	fs_json_uint(j, 1);
	fs_json_bool(j, true);
	fs_json_null(j);
	fs_json_begin_object(j);
	fs_json_end_object(j);
	fs_json_end_array(j);
	fs_json_end_object(j);
}

static void test_structure(void **state)
{
	char *s = render(doc);
	(void)state;
	assert_string_equal(s, "{\"comm\":\"a\\\"b\\\\c\\n\\u001b[31m\\u003cx\\u003e\",\"raw\":\"0xe7ffffe06407fe00\","
			       "\"type\":-1,\"list\":[1,true,null,{}]}");
	free(s);
}

/* A list of records, as a scan document holds them. */
static void records(struct fs_json *j)
{
	fs_json_begin_object(j);
	fs_json_kv_int(j, "n", 2);
	fs_json_key(j, "entries");
	fs_json_begin_array(j);
	for (int i = 0; i < 2; i++) {
		fs_json_begin_object(j);
		fs_json_kv_int(j, "pid", i);
		fs_json_key(j, "ranges");
		fs_json_begin_array(j);
		fs_json_begin_object(j);
		fs_json_kv_uint(j, "start", 1);
		fs_json_kv_bool(j, "ok", true);
		fs_json_end_object(j);
		fs_json_begin_array(j);
		fs_json_end_array(j);
		fs_json_end_array(j);
		fs_json_end_object(j);
	}
	fs_json_end_array(j);
	fs_json_key(j, "empty");
	fs_json_begin_array(j);
	fs_json_end_array(j);
	fs_json_end_object(j);
}

static void test_pretty(void **state)
{
	char *s = render_as(records, true, 0);
	(void)state;
	assert_string_equal(s, "{\n  \"n\": 2,\n  \"entries\": [\n    {\n      \"pid\": 0,\n      \"ranges\": [\n"
			       "        {\n          \"start\": 1,\n          \"ok\": true\n        },\n        []\n"
			       "      ]\n    },\n    {\n      \"pid\": 1,\n      \"ranges\": [\n"
			       "        {\n          \"start\": 1,\n          \"ok\": true\n        },\n        []\n"
			       "      ]\n    }\n  ],\n  \"empty\": []\n}");
	free(s);
}

/* line_depth 3: each record of a top-level array on one line, what is
 * nested in it too; the levels above as pretty documents have them. */
static void test_records_on_lines(void **state)
{
	char *s = render_as(records, true, 3);
	(void)state;
	assert_string_equal(s, "{\n  \"n\": 2,\n  \"entries\": [\n"
			       "    {\"pid\": 0, \"ranges\": [{\"start\": 1, \"ok\": true}, []]},\n"
			       "    {\"pid\": 1, \"ranges\": [{\"start\": 1, \"ok\": true}, []]}\n"
			       "  ],\n  \"empty\": []\n}");
	free(s);
}

/* The hand-made number formatting against printf, edges included. */
static void test_numbers(void **state)
{
	static const uint64_t u[] = { 0, 1, 9, 10, 15, 16, 99, 100, 255, 256, 4095, 4096, 0xabc, 65535,
				      0x123456789ULL, 0xfffffffffULL, 0xe7ffffe06407fe00ULL,
				      9999999999999999999ULL, 10000000000000000000ULL, UINT64_MAX };
	char got[FS_FMT_MAX + 1], want[32];

	(void)state;
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		*fs_fmt_hex(got, u[i]) = 0;
		snprintf(want, sizeof(want), "%llx", (unsigned long long)u[i]);
		assert_string_equal(got, want);
		*fs_fmt_u64(got, u[i]) = 0;
		snprintf(want, sizeof(want), "%llu", (unsigned long long)u[i]);
		assert_string_equal(got, want);
		*fs_fmt_i64(got, -(int64_t)(u[i] >> 1)) = 0;
		snprintf(want, sizeof(want), "%lld", -(long long)(u[i] >> 1));
		assert_string_equal(got, want);
	}
}

/* Level and kind names go out unescaped (fs_jsonb_plain): each must be
 * plain bytes, what JSON and HTML take as they are. */
static void test_plain_names(void **state)
{
	(void)state;
	for (int k = 0; k <= FS_ENT__COUNT; k++)
		for (const char *c = fs_entry_kind_name((enum fs_entry_kind)k); *c; c++)
			assert_true((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-');
	for (int l = 0; l <= FS_LVL__COUNT; l++)
		for (const char *c = fs_level_name((enum fs_level)l); *c; c++)
			assert_true((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '?');
}

static void test_escape_text(void **state)
{
	char out[64];
	(void)state;
	fs_escape_text("ok\x1b]0;pwn\x07\xff", out, sizeof(out));
	assert_string_equal(out, "ok\\x1b]0;pwn\\x07\\xff");
	fs_escape_text("abcdefgh", out, 6);
	assert_true(strlen(out) < 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_pretty),
		cmocka_unit_test(test_records_on_lines),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_plain_names),
		cmocka_unit_test(test_escape_text),
	};
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
