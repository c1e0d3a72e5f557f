# src/kdump/kdump.mk - the libkdumpfile + elfutils backend, included by the
# top-level Makefile (which defines BUILD, CC, ALL_CFLAGS, SAN_FLAGS).
#
# Provides:
#   KDUMP_SRCS        backend sources (for libfolioscope-kdump.a)
#   KDUMP_CFLAGS      compile flags (pkg-config)
#   KDUMP_LIBS        link flags (pkg-config)
#   KDUMP_UNIT_TESTS  cmocka programs under tests/unit/ run by check-unit/asan
#   KDUMP_TEST_SRCS_<test>  extra sources each of those links
#   KDUMP_TEST_DEPS   files the tests need built first (DWARF fixture programs)
#   kdump-smoke       $(BUILD)/tests/kdump-smoke, a real-dump smoke program
#                     (not run by make check)

KDUMP_PKGS := libkdumpfile libaddrxlat libdw libelf
KDUMP_SRCS := src/kdump/target-kdump.c src/kdump/dwarf-index.c src/kdump/find-vmlinux.c
KDUMP_CFLAGS := $(shell pkg-config --cflags $(KDUMP_PKGS) 2>/dev/null)
KDUMP_LIBS := $(shell pkg-config --libs $(KDUMP_PKGS) 2>/dev/null || echo -lkdumpfile -laddrxlat -ldw -lelf)

KDUMP_UNIT_TESTS := test_kdump_dwarf test_kdump_open
KDUMP_TEST_SRCS_test_kdump_dwarf := src/kdump/dwarf-index.c
KDUMP_TEST_SRCS_test_kdump_open := $(KDUMP_SRCS)

# DWARF fixtures: tests/unit/dwarf-fixture.c built with -g by gcc (DWARF 4
# and 5, and 5 with compressed debug sections) and by clang when it is
# installed, plus one without debug info.
KDUMP_FIXTURE_DIR := $(BUILD)/tests/kdump-fixtures
KDUMP_CLANG := $(shell command -v clang 2>/dev/null)
KDUMP_DWARF_FIXTURES := $(KDUMP_FIXTURE_DIR)/fx-gcc-dw4 $(KDUMP_FIXTURE_DIR)/fx-gcc-dw5 \
	$(KDUMP_FIXTURE_DIR)/fx-gcc-dw5-gz
ifneq ($(KDUMP_CLANG),)
KDUMP_DWARF_FIXTURES += $(KDUMP_FIXTURE_DIR)/fx-clang-dw4 $(KDUMP_FIXTURE_DIR)/fx-clang-dw5
endif
KDUMP_NODWARF_FIXTURE := $(KDUMP_FIXTURE_DIR)/fx-nodwarf
KDUMP_TEST_DEPS := $(KDUMP_DWARF_FIXTURES) $(KDUMP_NODWARF_FIXTURE)

KDUMP_FIXTURE_CFLAGS := -O0 -fno-omit-frame-pointer -Wno-unused

# Two units: dwarf-fixture-mm.c holds what the index's unit hints look for.
# clang writes .debug_aranges only when asked (-gdwarf-aranges).
KDUMP_FIXTURE_SRCS := tests/unit/dwarf-fixture.c tests/unit/dwarf-fixture-mm.c

$(KDUMP_FIXTURE_DIR)/fx-gcc-dw5-gz: $(KDUMP_FIXTURE_SRCS)
	@mkdir -p $(dir $@)
	gcc -g -gdwarf-5 -gz=zlib $(KDUMP_FIXTURE_CFLAGS) -o $@ $(KDUMP_FIXTURE_SRCS)

$(KDUMP_FIXTURE_DIR)/fx-gcc-dw%: $(KDUMP_FIXTURE_SRCS)
	@mkdir -p $(dir $@)
	gcc -g -gdwarf-$* $(KDUMP_FIXTURE_CFLAGS) -o $@ $(KDUMP_FIXTURE_SRCS)

$(KDUMP_FIXTURE_DIR)/fx-clang-dw%: $(KDUMP_FIXTURE_SRCS)
	@mkdir -p $(dir $@)
	clang -g -gdwarf-$* -gdwarf-aranges $(KDUMP_FIXTURE_CFLAGS) -o $@ $(KDUMP_FIXTURE_SRCS)

$(KDUMP_FIXTURE_DIR)/fx-nodwarf: tests/unit/dwarf-fixture.c
	@mkdir -p $(dir $@)
	gcc -g0 $(KDUMP_FIXTURE_CFLAGS) -o $@ $<

# The tests find their fixtures through compiled-in absolute paths (the
# environment variables FS_DWARF_FIXTURES / FS_NODWARF_FIXTURE override them).
kdump_empty :=
kdump_space := $(kdump_empty) $(kdump_empty)
KDUMP_FIXTURE_DEFS := -DDWARF_FIXTURES='"$(subst $(kdump_space),:,$(strip $(abspath $(KDUMP_DWARF_FIXTURES))))"' \
	-DNODWARF_FIXTURE='"$(abspath $(KDUMP_NODWARF_FIXTURE))"'
$(BUILD)/tests/test_kdump_dwarf $(BUILD)/asan/tests/test_kdump_dwarf: KDUMP_CFLAGS += $(KDUMP_FIXTURE_DEFS)
$(BUILD)/tests/test_kdump_open $(BUILD)/asan/tests/test_kdump_open: KDUMP_CFLAGS += $(KDUMP_FIXTURE_DEFS)

# Real-dump smoke program: build/tests/kdump-smoke VMLINUX VMCORE
.PHONY: kdump-smoke
kdump-smoke: $(BUILD)/tests/kdump-smoke
$(BUILD)/tests/kdump-smoke: tests/unit/kdump-smoke.c src/target.c $(KDUMP_SRCS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(KDUMP_CFLAGS) -o $@ $^ $(KDUMP_LIBS)
