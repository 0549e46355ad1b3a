#!/bin/sh
# Runs every benchmark with the settings docs/benchmarks.md reports, one after
# another, writing each one's table (.txt) and results (.json) to OUT.
#   bench/run_all.sh [BUILD_DIR] [OUT]     (defaults: build-bench, bench-results)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build-bench}" && pwd)
out=${2:-bench-results}
mkdir -p "$out"
c="$build/carenet"
p="$build/carenet-probe"
run() {
	name=$1
	shift
	echo "== $name: $*" >&2
	python3 "$here/$name.py" --carenet "$c" --probe "$p" --json "$out/$name.json" "$@" \
		>"$out/$name.txt" 2>"$out/$name.log" || echo "== $name FAILED (see $out/$name.log)" >&2
}
run ceilings --runs 5
run startup --topologies 2x2,10x10,20x15 --runs 5 --restart
run handshakes --handshakes 200 --runs 5
run link --count 5000 --runs 5
run fanout --topologies 10x10,20x15 --count 100 --runs 5 --repeats 30
