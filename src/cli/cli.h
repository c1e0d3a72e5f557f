/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cli.h - shared pieces of the folioscope command-line front end. */
#ifndef FOLIOSCOPE_CLI_H
#define FOLIOSCOPE_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "folioscope/folio.h"
#include "folioscope/json.h"
#include "folioscope/profile.h"
#include "folioscope/swapent.h"
#include "folioscope/target.h"

/* Exit statuses (documented in folioscope(1) and docs/cli.md). */
#define FS_EXIT_OK 0
#define FS_EXIT_FINDINGS 1
#define FS_EXIT_ERROR 2

/* Options every subcommand that reads a kernel accepts. */
struct cli_common {
	const char *vmlinux;
	const char *vmcore;
	bool live;
	bool json;
	const char *arch;
	const char *kernel;
	const char *config;
};

/* getopt_long ids for the common options */
enum { OPT_LIVE = 1000, OPT_ARCH, OPT_KERNEL, OPT_CONFIG, OPT_JSON, OPT_MM, OPT_PMD, OPT_HELP, OPT_HTML, OPT_DOT };

#define CLI_COMMON_LONGOPTS \
	{ "vmlinux", required_argument, NULL, 'k' }, \
	{ "vmcore", required_argument, NULL, 'c' }, \
	{ "live", no_argument, NULL, OPT_LIVE }, \
	{ "json", no_argument, NULL, OPT_JSON }, \
	{ "arch", required_argument, NULL, OPT_ARCH }, \
	{ "kernel", required_argument, NULL, OPT_KERNEL }, \
	{ "config", required_argument, NULL, OPT_CONFIG }, \
	{ "help", no_argument, NULL, 'h' }

/* Handle a common option; returns 1 if it was one, 0 if not. */
int cli_common_opt(struct cli_common *c, int opt, const char *arg);

/* Open the target named by -k/-c/--live and discover its profile, then
 * apply --kernel/--config. Prints the error and returns -1 on failure. */
int cli_open(const struct cli_common *c, struct fs_target **t, struct fs_profile *p);
/* A profile with no dump (--arch/--kernel/--config). */
int cli_profile_nodump(const struct cli_common *c, struct fs_profile *p);
/* cli_open, then the struct page/folio layout (for folio-level commands). */
int cli_open_mm(const struct cli_common *c, struct fs_target **t, struct fs_profile *p, struct fs_mm *mm,
		const char *cmd);
void cli_close(struct fs_target *t, struct fs_profile *p);
/* Free the scan and the target before a command returns to exit? Only in
 * sanitizer builds, whose leak check must see every owner let go: for
 * the others the process's end releases it all at once, and freeing a
 * large scan's tables and the dump's caches piece by piece cost 4% of
 * the scan (docs/performance.md). */
bool cli_free_at_exit(void);

/* Parse a 64-bit number: 0x hex, or decimal. */
int cli_parse_u64(const char *s, uint64_t *v);


void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int cmd_decode(int argc, char **argv);
int cmd_vtop(int argc, char **argv);
int cmd_pgmap(int argc, char **argv);
int cmd_folio(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_rmap(int argc, char **argv);

extern const char *cli_prog;

#endif
