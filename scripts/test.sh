#!/usr/bin/env bash
# Builds and tests carenet, as CI does:
#   1. install what is missing, build into build/, run ctest there;
#   2. build with AddressSanitizer+UBSan into build-asan/, run ctest there;
#   3. with clang: build the libFuzzer targets into build-fuzz/ and fuzz for
#      30 s in all: the wire decoder (15 s, tests/data/fuzz-corpus) and the
#      apply path after signature verification (15 s, tests/data/fuzz-apply-corpus).
# Runs every step even after a failure, prints a summary, exits non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc)"
results=()
failed=0

step() { # step NAME COMMAND...: runs the command, records PASS/FAIL
	local name="$1" t0=$SECONDS
	shift
	echo "==== $name"
	if "$@"; then
		results+=("PASS  $name ($((SECONDS - t0)) s)")
	else
		results+=("FAIL  $name ($((SECONDS - t0)) s)")
		failed=1
	fi
}
skip() {
	echo "==== $1: skipped: $2"
	results+=("SKIP  $1: $2")
}
summary() {
	echo
	echo "==== summary"
	printf '%s\n' "${results[@]}"
	if ((failed)); then echo "FAILED"; else echo "all passed"; fi
}

build_and_test() { # DIR CMAKE-ARGS...
	local dir="$1"
	shift
	cmake -S . -B "$dir" "$@" && cmake --build "$dir" -j"$jobs" &&
		ctest --test-dir "$dir" --output-on-failure -j"$jobs"
}

fuzz() {
	# libFuzzer writes new inputs into its first corpus directory: keep them in
	# the build tree and read the committed seeds from the second.
	mkdir -p build-fuzz/corpus build-fuzz/corpus-apply &&
		CC=clang cmake -S . -B build-fuzz -DCARENET_FUZZ=ON &&
		cmake --build build-fuzz -j"$jobs" --target fuzz_wire fuzz_apply &&
		build-fuzz/fuzz_wire -max_total_time=15 build-fuzz/corpus tests/data/fuzz-corpus &&
		build-fuzz/fuzz_apply -max_total_time=15 build-fuzz/corpus-apply \
			tests/data/fuzz-apply-corpus
}

if ! bash scripts/setup.sh --test; then
	results+=("FAIL  setup and build (scripts/setup.sh --test)")
	failed=1
	summary
	exit 1
fi
results+=("PASS  setup and build")
step "ctest (build/)" ctest --test-dir build --output-on-failure -j"$jobs"
# Sanitizer reports must fail the run, and leaks count.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
step "ASan+UBSan build and ctest (build-asan/)" \
	build_and_test build-asan -DCMAKE_BUILD_TYPE=Debug -DCARENET_SANITIZE=ON
if ! command -v clang >/dev/null; then
	skip "fuzz_wire" "clang not installed"
elif [ ! -f tests/fuzz_wire.c ]; then
	skip "fuzz_wire" "the fuzz target (tests/fuzz_wire.c) is not written yet"
elif [ ! -d tests/data/fuzz-corpus ]; then
	skip "fuzz_wire" "no seed corpus in tests/data/fuzz-corpus yet"
else
	step "fuzz_wire and fuzz_apply, 15 s each (build-fuzz/)" fuzz
fi
summary
exit "$failed"
