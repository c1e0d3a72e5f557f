# drgn-helpers/drgn.mk - the drgn helpers' make fragment (included by the
# top-level Makefile).
#
#   make check-drgn-pypi   the drgn helper tests (tests/python/test_drgn_*.py)
#                          under PyPI's newest drgn, in a venv made by
#                          drgn-helpers/venv-drgn (cached, idempotent)
#   make venv-drgn         just make that venv
#
# Debian's python3-drgn (0.0.22) runs the same tests in check-cli, which runs
# every tests/python file under /usr/bin/python3. The live-kernel test
# (test_drgn_live.py) runs only there: it boots the lab guest, whose
# /usr/bin/python3 is the host's with Debian's drgn.
.PHONY: check-drgn-pypi venv-drgn

venv-drgn:
	drgn-helpers/venv-drgn

check-drgn-pypi: $(BUILD)/folioscope
	py=$$(drgn-helpers/venv-drgn) && \
		$$py -m pytest -q -p no:cacheprovider tests/python/test_drgn_swapent.py tests/python/test_drgn_scan.py tests/python/test_drgn_confirm.py

DRGN_CHECKS += check-drgn-pypi
