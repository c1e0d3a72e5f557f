# tests/fuzz/fuzz.mk - libFuzzer targets for the C engine (docs/fuzzing.md).
# Included from the top Makefile.
#
#   make check-fuzz   build every target, replay its seed corpus and every
#                     regression input (tests/fuzz/regress/<target>/), then
#                     fuzz each for FUZZ_SMOKE_SECONDS (default 20)
#   make fuzz         fuzz each target in turn for FUZZ_SECONDS (default 300),
#                     keeping the grown corpus in build/fuzz/corpus/<target>/
#                     and crashes in build/fuzz/artifacts/<target>/
#   make fuzz-<target> FUZZ_SECONDS=N   one target only
#
# clang-14 with -fsanitize=fuzzer,address,undefined; every engine source is
# rebuilt into build/fuzz/ with the fuzzer's coverage instrumentation.

FUZZ_CC ?= clang-14
FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 20
FUZZ_TIMEOUT ?= 10
FUZZ_RSS_MB ?= 2048
FUZZ_ARGS ?=
FUZZ_TARGETS := swapent profile walk
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Iinclude -Itests/unit -Itests/fuzz -g -O1 $(FUZZ_SAN)
# largest input each target takes (its harness ignores longer ones)
FUZZ_MAXLEN_swapent := 1024
FUZZ_MAXLEN_profile := 16384
FUZZ_MAXLEN_walk := 1024
# walk inputs are independent patches: let them grow long early
FUZZ_OPTS_walk := -len_control=10
FUZZ_SUPPORT_swapent :=
FUZZ_SUPPORT_profile := tests/unit/synth-target.c tests/unit/synth-kernel.c
FUZZ_SUPPORT_walk := tests/unit/synth-target.c tests/unit/synth-kernel.c
FUZZ_ENV := ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

.PHONY: fuzz check-fuzz fuzz-build $(FUZZ_TARGETS:%=fuzz-%)

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

# The synthetic target and kernel (tests/unit/) get the sanitizers but no
# coverage instrumentation: their loops are not what is being explored.
$(FUZZ_BUILD)/support/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

define fuzz_target_rule
$(FUZZ_BUILD)/fuzz_$(1): $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_$(1).o $(ENGINE_SRCS:%.c=$(FUZZ_BUILD)/obj/%.o) \
		$(FUZZ_SUPPORT_$(1):%.c=$(FUZZ_BUILD)/support/%.o)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $$@ $$^ $(ENGINE_LIBS)

fuzz-$(1): $(FUZZ_BUILD)/fuzz_$(1)
	@mkdir -p $(FUZZ_BUILD)/corpus/$(1) $(FUZZ_BUILD)/artifacts/$(1)
	@echo "== fuzz $(1): $(FUZZ_SECONDS) s (log: $(FUZZ_BUILD)/fuzz_$(1).log)"
	@$(FUZZ_ENV) $(FUZZ_BUILD)/fuzz_$(1) -max_total_time=$(FUZZ_SECONDS) -timeout=$(FUZZ_TIMEOUT) \
		-rss_limit_mb=$(FUZZ_RSS_MB) -max_len=$(FUZZ_MAXLEN_$(1)) $(FUZZ_OPTS_$(1)) -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_BUILD)/artifacts/$(1)/ $(FUZZ_ARGS) \
		$(FUZZ_BUILD)/corpus/$(1) tests/fuzz/corpus/$(1) >$(FUZZ_BUILD)/fuzz_$(1).log 2>&1; \
	rc=$$$$?; tests/fuzz/summary $(1) $(FUZZ_BUILD)/fuzz_$(1).log $(FUZZ_BUILD)/corpus/$(1); exit $$$$rc
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_target_rule,$(t))))

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

# One target at a time: the runs are CPU-bound and single-threaded. A
# failing target does not stop the others; the run fails at the end.
fuzz: fuzz-build
	@rc=0; for t in $(FUZZ_TARGETS); do $(MAKE) --no-print-directory fuzz-$$t || rc=1; done; exit $$rc

# Replay (seeds + regression inputs: each must run clean), then a short run.
check-fuzz: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
		files=$$(find tests/fuzz/corpus/$$t tests/fuzz/regress/$$t -type f ! -name README | sort); \
		echo "== fuzz $$t: replaying $$(echo "$$files" | grep -c .) seed and regression inputs"; \
		$(FUZZ_ENV) $(FUZZ_BUILD)/fuzz_$$t -timeout=$(FUZZ_TIMEOUT) -rss_limit_mb=$(FUZZ_RSS_MB) \
			$$files >$(FUZZ_BUILD)/replay_$$t.log 2>&1 || { tail -40 $(FUZZ_BUILD)/replay_$$t.log; exit 1; }; \
		$(MAKE) --no-print-directory fuzz-$$t FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) \
			FUZZ_ARGS="$(FUZZ_ARGS)"; \
	done

# Source coverage of what the corpora reach: each target rebuilt with
# clang's profile instrumentation (no sanitizers), run once over its grown
# corpus, seeds and regression inputs, then one llvm-cov report over the
# engine sources (per-file and TOTAL lines, regions and functions).
FUZZ_COV := $(FUZZ_BUILD)/cov
FUZZ_COV_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Iinclude -Itests/unit -Itests/fuzz -g -O1 \
	-fprofile-instr-generate -fcoverage-mapping
LLVM_PROFDATA ?= llvm-profdata-14
LLVM_COV ?= llvm-cov-14

$(FUZZ_COV)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_COV_CFLAGS) -MMD -MP -c $< -o $@

define fuzz_cov_rule
$(FUZZ_COV)/fuzz_$(1): $(FUZZ_COV)/obj/tests/fuzz/fuzz_$(1).o $(ENGINE_SRCS:%.c=$(FUZZ_COV)/obj/%.o) \
		$(FUZZ_SUPPORT_$(1):%.c=$(FUZZ_COV)/obj/%.o)
	$(FUZZ_CC) $(FUZZ_COV_CFLAGS) -fsanitize=fuzzer -o $$@ $$^ $(ENGINE_LIBS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_cov_rule,$(t))))

.PHONY: fuzz-coverage
fuzz-coverage: $(FUZZ_TARGETS:%=$(FUZZ_COV)/fuzz_%)
	@set -e; rm -f $(FUZZ_COV)/*.profraw; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t; \
		LLVM_PROFILE_FILE=$(FUZZ_COV)/$$t.profraw $(FUZZ_COV)/fuzz_$$t -runs=0 \
			$(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t tests/fuzz/regress/$$t >$(FUZZ_COV)/$$t.log 2>&1; \
	done; \
	$(LLVM_PROFDATA) merge -o $(FUZZ_COV)/all.profdata $(FUZZ_TARGETS:%=$(FUZZ_COV)/%.profraw); \
	$(LLVM_COV) report $(FUZZ_COV)/fuzz_swapent $(FUZZ_TARGETS:%=-object $(FUZZ_COV)/fuzz_%) \
		-instr-profile=$(FUZZ_COV)/all.profdata $(ENGINE_SRCS)
