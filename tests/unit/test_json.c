// SPDX-License-Identifier: GPL-2.0-or-later
/* test_json.c - the JSON writer's structure and escaping (strings from a
 * dump must not break the document or inject terminal/markup bytes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "folioscope/json.h"

static char *render(void (*fn)(struct fs_json *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct fs_json j;

	fs_json_init(&j, f, false);
	fn(&j);
	fclose(f);
	return buf;
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
		cmocka_unit_test(test_escape_text),
	};
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
