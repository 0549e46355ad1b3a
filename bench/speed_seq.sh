#!/bin/bash
# Issue 13's side-by-side check, interleaved so the machine's drift hits every
# column alike: before, Mosquitto, after, NATS, after with the county on a CPU
# of its own, before, after. BEFORE and AFTER are directories holding carenet,
# carenet-probe and bench_drive (RelWithDebInfo builds); PEERS a copy of
# ../shared/bench-peers with mosquitto/ and nats/ built (their README).
# Results: OUT/seq-NAME.log and .json; one line per run on stdout.
# usage: BEFORE=/tmp/base-bin AFTER=/tmp/head-bin PEERS=/tmp/peers OUT=/tmp bash bench/speed_seq.sh
set -u
cd "$(dirname "$0")/.."
: "${BEFORE:?}" "${AFTER:?}" "${PEERS:=/tmp/peers}" "${OUT:=/tmp}"
F="--topologies 20x15 --count 100 --runs 1 --repeats 10 --skip-paused --quiet 0.5 --quiet-wait 60"
run() { # name bin extra
	echo "=== $1 $(date +%T)"
	timeout 900 python3 bench/fanout.py --carenet "$2/carenet" --probe "$2/carenet-probe" \
		--drive "$2/bench_drive" $F $3 --json "$OUT/seq-$1.json" > "$OUT/seq-$1.log" 2>&1
	grep -E "run 1|latency|one issue request, median" "$OUT/seq-$1.log"
}
peer() {
	echo "=== $1 $(date +%T)"
	(cd "$PEERS/$1" && T=20 V=15 timeout 600 ./run.sh > "$OUT/seq-$1.log" 2>&1)
	grep -E "elapsed_s|cpu_s_window|pss_end" "$OUT/seq-$1.log"
}
run before1 "$BEFORE" ""
peer mosquitto
run after1 "$AFTER" ""
peer nats
run aftercpu "$AFTER" "--county-cpu 1 --skip-statuses"
run before2 "$BEFORE" ""
run after2 "$AFTER" ""
echo "=== done $(date +%T)"
