# Shared helpers for the real-kernel lab scripts (sourced, not run).
# Paths: FOLIOSCOPE_CACHE (default ~/.cache/folioscope) holds every heavy
# artefact; nothing built here lands in the git tree.
set -euo pipefail
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$LAB_DIR/../.." && pwd)
CACHE=${FOLIOSCOPE_CACHE:-$HOME/.cache/folioscope}
mkdir -p "$CACHE"

die() { echo "lab: $*" >&2; exit 2; }
log() { echo "lab: $*" >&2; }

# Kernels the lab knows: name -> Debian binary package carrying the tarball.
# 6.1 and 6.12 come from this system's suites, 7.2 from Debian's unstable
# suite through a private apt configuration (lib/fetch-source).
kernel_package() {
	case "$1" in
	6.1|6.12|7.2) echo "linux-source-$1" ;;
	*) die "unknown kernel '$1' (known: 6.1 6.12 7.2)" ;;
	esac
}

# hash_files FILE... : a short, stable digest of the files' contents.
hash_files() { cat "$@" | sha256sum | cut -c1-12; }

# with_lock NAME CMD...: serialise builds of one artefact across processes.
with_lock() {
	local name=$1; shift
	mkdir -p "$CACHE/locks"
	( flock 9; "$@" ) 9>"$CACHE/locks/$name.lock"
}
