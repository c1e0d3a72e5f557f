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
		cmocka_unit_test(test_escape_text),
	};
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
