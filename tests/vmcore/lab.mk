# Real-kernel lab fixtures (include from the top-level Makefile).
#   make fixtures      default set (7.2 scenarios), built once and cached
#   make fixtures-all  every fixture in tests/vmcore/fixtures.list (6.1, 6.12 too;
#                      builds those kernels first: ~10 min each on 2 cores)
#   make check-fixtures  ground-truth check of the default set with drgn
LAB_FIXTURE := tests/vmcore/fixture

.PHONY: fixtures fixtures-all check-fixtures

fixtures:
	$(LAB_FIXTURE) build-default

fixtures-all:
	$(LAB_FIXTURE) build-all

check-fixtures: fixtures
	@set -e; $(LAB_FIXTURE) list default | while read -r k s v f; do \
		tests/vmcore/check-fixture "$$($(LAB_FIXTURE) path $$k $$s $$v)"; done
