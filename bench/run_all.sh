#!/bin/sh
# Runs every benchmark with the settings docs/benchmarks.md reports, one after
# another, writing each one's table (.txt), progress (.log) and results
# (.json) to OUT. Takes about 30 minutes on 2 cores.
#   bench/run_all.sh [BUILD_DIR] [OUT]     (defaults: build-bench, bench-results)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build-bench}" && pwd)
out=${2:-bench-results}
mkdir -p "$out"
c="$build/carenet"
p="$build/carenet-probe"
# run NAME SCRIPT ARGS...
run() {
	name=$1
	script=$2
	shift 2
	echo "== $name: $script.py $*" >&2
	python3 "$here/$script.py" --carenet "$c" --probe "$p" --json "$out/$name.json" "$@" \
		>"$out/$name.txt" 2>"$out/$name.log" || echo "== $name FAILED (see $out/$name.log)" >&2
}
run ceilings ceilings --runs 5
run startup startup --topologies 2x2,10x10,20x15 --runs 5 --restart
run handshakes handshakes --handshakes 200 --runs 5
run link link --count 5000 --runs 5
run fanout fanout --topologies 10x10,20x15 --count 100 --runs 5 --repeats 30
run records records --count 10000 --more 5000 --runs 3
run records-fanout records_fanout --topology 20x15 --children 50 --visits 50 --runs 2
run report-latency report_latency --topology 20x15 --repeats 30 --runs 2
run compliance compliance --topology 20x15 --reps 5 --runs 2
# The web pages (needs chromium, chromium-driver, python3-selenium).
run web-load web_load --children 1500 --repeats 15
run province province --reps 5
# Sensitivity: the county's scheduler group at nice -10 (as if it had a CPU of its own).
run fanout-county-nice fanout --topologies 20x15 --count 100 --runs 2 --repeats 20 \
	--skip-statuses --skip-paused --county-nice -10
