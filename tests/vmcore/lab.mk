# Real-kernel lab fixtures (include from the top-level Makefile).
#   make fixtures      default set (7.2 scenarios and the 7.2 bug zoo), built once and cached
#   make fixtures-all  every fixture in tests/vmcore/fixtures.list (6.1, 6.12 too;
#                      builds those kernels first: ~10 min each on 2 cores)
#   make check-fixtures  ground-truth check of the default set with drgn
#   make check-zoo     folioscope scan on every default fixture: a bug-zoo fixture
#                      must report its EXPECTED-FINDING-ID, a clean one nothing
LAB_FIXTURE := tests/vmcore/fixture

.PHONY: fixtures fixtures-all check-fixtures check-zoo

fixtures:
	$(LAB_FIXTURE) build-default

fixtures-all:
	$(LAB_FIXTURE) build-all

check-fixtures: fixtures
	@set -e; $(LAB_FIXTURE) list default | while read -r k s v f; do \
		tests/vmcore/check-fixture "$$($(LAB_FIXTURE) path $$k $$s $$v)"; done

check-zoo: fixtures $(BUILD)/folioscope
	@$(LAB_FIXTURE) list default | { bad=0; while read -r k s v f; do \
		d=$$($(LAB_FIXTURE) path $$k $$s $$v) || exit 2; \
		dump=$$d/vmcore.kdump; [ -f "$$dump" ] || dump=$$d/vmcore.makedumpfile; \
		ids=$$($(BUILD)/folioscope scan -k $$d/vmlinux -c $$dump 2>&1 | \
			sed -n 's/^\[[A-Z]*\] \(FS-[A-Z-]*\) .*/\1/p' | sort -u | tr '\n' ' '); \
		if [ "$$f" = - ]; then ok=$$([ -z "$$ids" ] && echo ok || echo FAIL); \
		else ok=$$(printf '%s\n' $$ids | grep -qx -- "$$f" && echo ok || echo FAIL); fi; \
		printf '%-4s %-4s %-18s %-22s want %-25s got %s\n' $$ok $$k $$s $$v "$$f" "$${ids:--}"; \
		[ $$ok = ok ] || bad=1; \
	done; exit $$bad; }
