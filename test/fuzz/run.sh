#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Runs the fuzz targets (built by test/fuzz/fuzz.mk), all at once, each for
# SECONDS:
#
#   test/fuzz/run.sh BUILD SECONDS TARGET...
#
# Each target first runs once over its inputs kept in
# test/fuzz/regressions/TARGET (each found a bug once), then fuzzes from
# its corpus BUILD/fuzz/corpus/TARGET (what earlier runs found; kept
# between runs), the seeds BUILD/fuzz/seeds/TARGET and those regressions,
# with the dictionary test/fuzz/TARGET.dict.  Its output goes to
# BUILD/fuzz/TARGET.log; an input that crashes it, trips a sanitizer,
# leaks, or runs for more than 10 s is saved as BUILD/fuzz/crashes/TARGET-*
# and fails the run (exit 1), with the command that replays it.
set -u
BUILD=$1
SECONDS_EACH=$2
shift 2
DIR=$(dirname "$0")
OUT=$BUILD/fuzz
failed=

mkdir -p "$OUT/crashes"
for t in "$@"; do
	bin=$OUT/fuzz_$t
	reg=$DIR/regressions/$t
	mkdir -p "$OUT/corpus/$t"
	seeds=$OUT/seeds/$t
	[ -d "$reg" ] && seeds="$seeds $reg"
	if ls "$reg"/* >/dev/null 2>&1; then
		if ! "$bin" -runs=1 "$reg"/* >"$OUT/$t-regressions.log" 2>&1; then
			echo "  FAIL     $t: a kept regression input fails again:"
			tail -n 30 "$OUT/$t-regressions.log"
			failed="$failed $t"
			continue
		fi
		echo "  ok       $t: $(ls "$reg" | wc -l) regression inputs"
	fi
	echo "  FUZZ     $t for $SECONDS_EACH s (log $OUT/$t.log)"
	"$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -print_final_stats=1 \
		-dict="$DIR/$t.dict" -artifact_prefix="$OUT/crashes/$t-" \
		"$OUT/corpus/$t" $seeds >"$OUT/$t.log" 2>&1 &
	eval "pid_$t=$!"
done
for t in "$@"; do
	eval "pid=\${pid_$t:-}"
	[ -n "$pid" ] || continue
	if wait "$pid"; then
		echo "  ok       $t: $(grep -E '^Done [0-9]+ runs' "$OUT/$t.log")," \
			"$(grep -E 'cov: [0-9]+' "$OUT/$t.log" | tail -n 1 |
				sed 's/.*\(cov: [0-9]*\).*\(corp: [^ ]*\).*/\1 \2/')"
	else
		echo "  FAIL     $t (log $OUT/$t.log):"
		grep -E -A 40 '^==[0-9]+==ERROR|^fuzz: |runtime error|ALARM|out-of-memory' \
			"$OUT/$t.log" | head -n 60
		sed -n "s|.*Test unit written to \(.*\)|  replay: $OUT/fuzz_$t \1|p" "$OUT/$t.log"
		failed="$failed $t"
	fi
done
if [ -n "$failed" ]; then
	echo "fuzz: FAILED:$failed"
	exit 1
fi
echo "fuzz: $* ran $SECONDS_EACH s each, nothing found"
