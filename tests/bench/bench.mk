# make bench (included by the top-level Makefile): tests/bench/run over the
# bench fixtures (tests/vmcore/fixtures.list set "bench") and one small lab
# dump; docs/performance.md. BENCH_N (default 5) runs per measurement,
# BENCH_ARGS passes options (e.g. --dumps large --skip kmem,distro).
BENCH_KDUMP_CFLAGS := $(shell pkg-config --cflags libkdumpfile libdw libelf 2>/dev/null)
BENCH_KDUMP_LIBS := $(shell pkg-config --libs libkdumpfile 2>/dev/null || echo -lkdumpfile)
BENCH_DW_LIBS := $(shell pkg-config --libs libdw libelf 2>/dev/null || echo -ldw -lelf)

.PHONY: bench bench-tools

$(BUILD)/bench/floor: tests/bench/floor.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -Werror $(BENCH_KDUMP_CFLAGS) -o $@ $< $(BENCH_KDUMP_LIBS)

$(BUILD)/bench/dwload: tests/bench/dwload.c src/kdump/dwarf-index.c src/kdump/dwarf-index.h src/bigtab.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -Isrc/kdump $(BENCH_KDUMP_CFLAGS) \
		-o $@ tests/bench/dwload.c src/kdump/dwarf-index.c src/bigtab.c $(BENCH_DW_LIBS)

bench-tools: $(BUILD)/folioscope $(BUILD)/bench/floor $(BUILD)/bench/dwload crash9-ext

bench: bench-tools
	tests/vmcore/fixture build-bench
	BUILD=$(BUILD) tests/bench/run $(BENCH_ARGS)
