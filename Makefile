# folioscope - top-level build.
#
#   make              engine (build/libfolioscope.a), CLI (build/folioscope),
#                     crash extension (build/folioscope.so)
#   make check        every test: C unit tests (plain and ASan+UBSan), CLI
#                     tests, real-dump tests on the lab fixtures
#   make deps         install every Debian/PyPI dependency (idempotent)
#   make fixtures     build the default real-kernel lab fixtures (cached)
#   make install      PREFIX=/usr/local DESTDIR=
#
# Warnings are errors; C11 everywhere.

CC ?= cc
ifeq ($(origin CC),default)
CC := gcc
endif
BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=
PYTHON ?= /usr/bin/python3

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -fPIC $(WARN) -Iinclude $(CFLAGS)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

ENGINE_SRCS := src/target.c src/swapent.c src/profile.c src/pgtable.c src/task.c src/json.c \
	src/folio.c src/pgmap.c src/scan.c src/rmap.c src/check.c src/stuck.c src/confirm.c src/report.c src/outbuf.c src/bigtab.c src/html.c src/dot.c
ENGINE_LIBS := -lz
CLI_SRCS := $(wildcard src/cli/*.c)

# The libkdumpfile + libdw backend defines KDUMP_SRCS, KDUMP_CFLAGS, KDUMP_LIBS
# and its own unit tests (KDUMP_UNIT_TESTS) in its fragment.
-include src/kdump/kdump.mk
KDUMP_SRCS ?= src/kdump/target-kdump.c src/kdump/dwarf-index.c
KDUMP_CFLAGS ?= $(shell pkg-config --cflags libkdumpfile libaddrxlat libdw)
KDUMP_LIBS ?= $(shell pkg-config --libs libkdumpfile libaddrxlat libdw) -lelf
-include tests/vmcore/lab.mk
-include tests/bench/bench.mk
# The drgn helpers' own targets; it may add test targets to DRGN_CHECKS.
DRGN_CHECKS :=
-include drgn-helpers/drgn.mk
include tests/fuzz/fuzz.mk

UNIT_TESTS := test_swapent test_profile test_pgtable test_json test_checks test_bigtab $(KDUMP_UNIT_TESTS)

.DEFAULT_GOAL := all
.PHONY: check-all demo crash9-ext check-clang all check check-unit check-asan check-cli check-vmcore clean deps install uninstall

all: $(BUILD)/libfolioscope.a $(BUILD)/folioscope $(BUILD)/folioscope.so

# --- objects: one tree per flavour (plain, asan) -------------------------
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(KDUMP_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/asan/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) $(KDUMP_CFLAGS) -MMD -MP -c $< -o $@

ENGINE_OBJS := $(ENGINE_SRCS:%.c=$(BUILD)/obj/%.o)
KDUMP_OBJS := $(KDUMP_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)

$(BUILD)/libfolioscope.a: $(ENGINE_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libfolioscope-kdump.a: $(KDUMP_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/folioscope: $(CLI_OBJS) $(BUILD)/libfolioscope-kdump.a $(BUILD)/libfolioscope.a
	$(CC) $(ALL_CFLAGS) -o $@ $(CLI_OBJS) $(BUILD)/libfolioscope-kdump.a $(BUILD)/libfolioscope.a $(KDUMP_LIBS) $(ENGINE_LIBS)

$(BUILD)/asan/folioscope: $(CLI_OBJS:$(BUILD)/obj/%=$(BUILD)/asan/obj/%) $(KDUMP_OBJS:$(BUILD)/obj/%=$(BUILD)/asan/obj/%) $(ENGINE_OBJS:$(BUILD)/obj/%=$(BUILD)/asan/obj/%)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -o $@ $^ $(KDUMP_LIBS) $(ENGINE_LIBS)

# --- crash extension -------------------------------------------------------
# Built against the defs.h of the crash it is loaded into: Debian 12's crash 8
# by default; `make crash9-ext` builds build/crash9/folioscope.so against the
# crash 9 that tests/crash/crash-bin builds.
CRASH_DEFS_DIR ?= /usr/include/crash
CRASH_GDB ?= GDB_10_2
CRASH_EXT_SRCS := $(wildcard crash-ext/*.c)
CRASH_CFLAGS = -std=gnu11 -D_GNU_SOURCE -fPIC $(WARN:-Wstrict-prototypes=) -Wno-missing-prototypes \
	-DX86_64 -D$(CRASH_GDB) -Iinclude -Icrash-ext -I$(CRASH_DEFS_DIR) $(CFLAGS)

define crash_ext_rule
$(1)/folioscope.so: $(CRASH_EXT_SRCS) crash-ext/help.h crash-ext/crash-target.h $(BUILD)/libfolioscope.a
	@mkdir -p $(1)
	$$(CC) $$(CRASH_CFLAGS) -shared -rdynamic -nostartfiles -o $$@ $(CRASH_EXT_SRCS) $(BUILD)/libfolioscope.a $(ENGINE_LIBS)
endef
$(eval $(call crash_ext_rule,$(BUILD)))

crash9-ext:
	$(MAKE) CRASH_DEFS_DIR=$$(dirname $$(tests/crash/crash-bin 9))/../include/crash CRASH_GDB=GDB_16_3 \
		BUILD_CRASH=$(BUILD)/crash9 $(BUILD)/crash9/folioscope.so
ifdef BUILD_CRASH
$(eval $(call crash_ext_rule,$(BUILD_CRASH)))
endif

# --- unit tests (cmocka) ---------------------------------------------------
TEST_SUPPORT := tests/unit/synth-target.c tests/unit/synth-kernel.c
define unit_test_rule
$(BUILD)/tests/$(1): tests/unit/$(1).c $(TEST_SUPPORT) $(ENGINE_SRCS) $(KDUMP_TEST_SRCS_$(1))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) $$(KDUMP_CFLAGS) -Itests/unit -o $$@ $$^ -lcmocka $$(KDUMP_LIBS) $$(ENGINE_LIBS)
$(BUILD)/asan/tests/$(1): tests/unit/$(1).c $(TEST_SUPPORT) $(ENGINE_SRCS) $(KDUMP_TEST_SRCS_$(1))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) $$(SAN_FLAGS) $$(KDUMP_CFLAGS) -Itests/unit -o $$@ $$^ -lcmocka $$(KDUMP_LIBS) $$(ENGINE_LIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test_rule,$(t))))

# The backend's tests also open a real lab dump (built if missing).
# (a failing fixture build fails the check: the assignment carries its status)
UNIT_ENV = d=$$(tests/vmcore/fixture path 7.2 small-device); export FS_KDUMP_FIXTURE_DIR=$$d

check-unit: $(UNIT_TESTS:%=$(BUILD)/tests/%) $(KDUMP_TEST_DEPS)
	@set -e; $(UNIT_ENV); for t in $(UNIT_TESTS); do echo "== $$t"; $(BUILD)/tests/$$t; done

check-asan: $(UNIT_TESTS:%=$(BUILD)/asan/tests/%) $(KDUMP_TEST_DEPS)
	@set -e; $(UNIT_ENV); for t in $(UNIT_TESTS); do echo "== asan $$t"; \
		ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(BUILD)/asan/tests/$$t; done

# CLI behaviour and real-dump tests (pytest; the real-dump ones build the
# lab fixtures they need and fail, never skip, when they cannot).
check-cli: all $(BUILD)/asan/folioscope
	FOLIOSCOPE=$(abspath $(BUILD)/folioscope) FOLIOSCOPE_ASAN=$(abspath $(BUILD)/asan/folioscope) \
		$(PYTHON) -m pytest -q -p no:cacheprovider tests/python

# Warnings-free with clang too (gcc is the default compiler above).
check-clang:
	$(MAKE) --no-print-directory CC=clang BUILD=$(BUILD)/clang all $(UNIT_TESTS:%=$(BUILD)/clang/tests/%)

# check-fixtures (tests/vmcore/lab.mk): the default lab fixtures, verified
# against their manifests with drgn, before anything uses them.
check: check-fixtures check-unit check-asan check-clang check-cli $(DRGN_CHECKS) check-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# --- the main job on a real default dump ------------------------------------
DEMO_KERNEL ?= 7.2
DEMO_SCENARIO ?= thp-device-shared
demo: all
	@fx=$$(tests/vmcore/fixture path $(DEMO_KERNEL) $(DEMO_SCENARIO)) && \
	echo "folioscope scan -k $$fx/vmlinux -c $$fx/vmcore.kdump" && \
	$(BUILD)/folioscope scan -k $$fx/vmlinux -c $$fx/vmcore.kdump; rc=$$?; \
	[ $$rc -le 1 ] || exit $$rc

# --- dependencies ----------------------------------------------------------
deps:
	.ci/install-deps
	drgn-helpers/venv-drgn >/dev/null

# The full matrix: every fixture (6.1, 6.12, the whole zoo), the drgn
# differential on all of them, then everything make check runs.
check-all: fixtures-all
	$(MAKE) check FOLIOSCOPE_DRGN_FIXTURES=all FOLIOSCOPE_FIXTURE_SET=all

# --- install -----------------------------------------------------------------
# The crash extension goes where `extend folioscope.so` looks
# (crash's help extend: /usr/lib/crash/extensions, /usr/lib64/...).
CRASH_EXT_DIR ?= $(PREFIX)/lib/crash/extensions
MAN_DIR ?= $(PREFIX)/share/man
PY_SITE ?= $(PREFIX)/lib/python3/dist-packages

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(CRASH_EXT_DIR) $(DESTDIR)$(MAN_DIR)/man1 $(DESTDIR)$(MAN_DIR)/man7
	install -m 0755 $(BUILD)/folioscope $(DESTDIR)$(PREFIX)/bin/folioscope
	install -m 0644 $(BUILD)/folioscope.so $(DESTDIR)$(CRASH_EXT_DIR)/folioscope.so
	install -m 0644 docs/man/folioscope.1 $(DESTDIR)$(MAN_DIR)/man1/folioscope.1
	install -m 0644 docs/man/folioscope-crash.7 $(DESTDIR)$(MAN_DIR)/man7/folioscope-crash.7
	install -d $(DESTDIR)$(PY_SITE)/folioscope
	install -m 0644 drgn-helpers/folioscope/*.py $(DESTDIR)$(PY_SITE)/folioscope/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/folioscope $(DESTDIR)$(CRASH_EXT_DIR)/folioscope.so
	rm -f $(DESTDIR)$(MAN_DIR)/man1/folioscope.1 $(DESTDIR)$(MAN_DIR)/man7/folioscope-crash.7
	rm -rf $(DESTDIR)$(PY_SITE)/folioscope

clean:
	rm -rf $(BUILD)
