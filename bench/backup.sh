#!/bin/sh
# carenet backup: time and size for stores with many directives (docs/benchmarks.md).
# Usage: N=5000 bench/backup.sh (run from anywhere; uses build/ of this tree)
set -e
B=$(cd "$(dirname "$0")/.." && pwd)/build
D=$(mktemp -d /tmp/cn-bkbench-XXXX)
$B/carenet demo --setup-only --dir $D/net --townships 1 --villages 2 >/dev/null
PIDS=""
for i in 530102 530102001 530102001001 530102001002; do
  $B/carenet run -c $D/net/$i/node.cfg >$D/net/$i/node.log 2>&1 &
  PIDS="$PIDS $!"
done
trap 'kill $PIDS' EXIT
sleep 3
$B/bench_drive burst --node $D/net/530102/data --to 530102001001,530102001002 --count ${N:-5000} --timeout 600 \
  --watch $D/net/530102001001/data:items_applied:${N:-5000} > $D/burst.json || true
ls -l $D/net/530102/data/data.mdb $D/net/530102001/data/data.mdb
for n in 530102 530102001; do
  $B/carenet backup -c $D/net/$n/node.cfg $D/$n.backup --json
done
# the same, while the county is issuing
( $B/bench_drive burst --node $D/net/530102/data --to 530102001001,530102001002 --count 500 --timeout 600 >/dev/null 2>&1 & )
sleep 0.5
$B/carenet backup -c $D/net/530102/node.cfg $D/530102-load.backup --json
$B/carenet audit --verify --data-dir $(mkdir -p $D/v && cp $D/530102-load.backup $D/v/data.mdb && echo $D/v) --json
sleep 5
echo $D
