# A thin wrapper around CMake. `make` builds into build/, `make demo` runs
# the main job and writes demo.html (the page that replays it), `make test` runs every test, then again under
# AddressSanitizer and UndefinedBehaviorSanitizer (build-asan/), `make bench`
# prints the benchmark figures beside Linux's.
BUILD ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE ?= cmake

.PHONY: all demo test test-plain test-asan bench fuzz format check-format install clean

all: $(BUILD)/CMakeCache.txt
	$(CMAKE) --build $(BUILD) -j $(JOBS)

$(BUILD)/CMakeCache.txt:
	$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

$(BUILD_ASAN)/CMakeCache.txt:
	$(CMAKE) -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DUSERTCP_SANITIZE=ON -DUSERTCP_BENCH=OFF \
		-DUSERTCP_FAULT=ON

demo: all
	$(BUILD)/usertcp demo --html demo.html
	@echo "demo.html: open it in a browser to replay the connection step by step"

test: test-plain test-asan

test-plain: all
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: $(BUILD_ASAN)/CMakeCache.txt
	@# An existing build directory gets the options too (fault injection).
	$(CMAKE) -S . -B $(BUILD_ASAN) -DUSERTCP_SANITIZE=ON -DUSERTCP_FAULT=ON > /dev/null
	$(CMAKE) --build $(BUILD_ASAN) -j $(JOBS)
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS)

# The benchmark programs (figures, never pass/fail), built optimised with
# the USERTCP_BENCH option in build/. BENCH_SECONDS (default 2) is the
# length of each timed run of bench_tcp; `make bench BENCH_SECONDS=0.5` for
# a quick look. bench_cc (usertcp's sender beside the kernel's over an
# impaired tap) takes 15-20 minutes and needs root; BENCH_CC=0 leaves it
# out. bench_cc_sim (cubic, bbr and dctcp on a simulated 100 Mbit/s,
# 40 ms bottleneck; BENCH_CC_SIM_* knobs) takes about 20 s of CPU;
# bench_cc_sim_kernel.sh then runs usertcp's and the kernel's cubic and
# bbr over that path built of namespaces, htb and a tap delay line (root;
# about 13 minutes; BENCH_CC=0 leaves it out too).
# bench_tap (usertcp against the kernel over a tap, beside a veth pair)
# needs root and says "skipped" otherwise; 1 GB a row, about 20 s, or
# BENCH_SECONDS of sending a row. bench_pair (two usertcp stacks over an
# in-memory link beside two lwIP stacks, when liblwip-dev is installed)
# takes 8 timed runs of BENCH_SECONDS. See docs/BENCHMARKS.md.
bench: $(BUILD)/CMakeCache.txt
	@grep -q '^USERTCP_BENCH:BOOL=ON' $(BUILD)/CMakeCache.txt || \
		$(CMAKE) -S . -B $(BUILD) -DUSERTCP_BENCH=ON
	$(CMAKE) --build $(BUILD) -j $(JOBS) --target bench_tcp bench_checksum bench_timer bench_cc_sim tap_delay bench_sack bench_tap bench_pair usertcp
	$(if $(BENCH_SECONDS),BENCH_SECONDS=$(BENCH_SECONDS) )$(BUILD)/bench/bench_tcp
	$(BUILD)/bench/bench_checksum 64
	$(BUILD)/bench/bench_timer
	$(BUILD)/bench/bench_cc_sim
	$(if $(filter 0,$(BENCH_CC)),@echo "bench_cc_sim_kernel: left out (BENCH_CC=0)",sh bench/bench_cc_sim_kernel.sh $(BUILD))
	$(if $(BENCH_SECONDS),BENCH_SECONDS=$(BENCH_SECONDS) )$(BUILD)/bench/bench_sack
	$(if $(BENCH_SECONDS),BENCH_SECONDS=$(BENCH_SECONDS) )$(BUILD)/bench/bench_pair
	$(if $(BENCH_SECONDS),BENCH_SECONDS=$(BENCH_SECONDS) )$(BUILD)/bench/bench_tap
	$(if $(filter 0,$(BENCH_CC)),@echo "bench_cc: left out (BENCH_CC=0)",sh bench/bench_cc.sh $(BUILD)/usertcp)

$(BUILD_FUZZ)/CMakeCache.txt:
	CC=clang $(CMAKE) -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DUSERTCP_FUZZ=ON -DUSERTCP_TESTS=OFF -DUSERTCP_BENCH=ON

# Runs every libFuzzer target for FUZZ_SECONDS (clang and its compiler-rt
# are needed). New inputs gather in $(BUILD_FUZZ)/corpus/<target>; the
# seeds in tests/fuzz/corpus/<target> are read, never written. A crash
# stops with its input saved as $(BUILD_FUZZ)/crash-*.
fuzz: $(BUILD_FUZZ)/CMakeCache.txt
	$(CMAKE) --build $(BUILD_FUZZ) -j $(JOBS)
	@set -e; n=0; for t in $(BUILD_FUZZ)/tests/fuzz/fuzz_*; do \
		name=$$(basename $$t); n=$$((n + 1)); \
		mkdir -p $(BUILD_FUZZ)/corpus/$$name; \
		echo "fuzz: $$name for $(FUZZ_SECONDS) s"; \
		$$t -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -print_final_stats=1 \
			-artifact_prefix=$(BUILD_FUZZ)/ $(BUILD_FUZZ)/corpus/$$name \
			tests/fuzz/corpus/$$name > $(BUILD_FUZZ)/$$name.log 2>&1 || \
			{ tail -40 $(BUILD_FUZZ)/$$name.log; exit 1; }; \
		grep -E '^stat::number_of_executed_units|DONE' $(BUILD_FUZZ)/$$name.log; \
	done; echo "fuzz: $$n passed, 0 failed"

# The tree's layout (.clang-format, clang-format 14): `make format`
# rewrites every C file, `make check-format` fails on one that differs
# (make test runs the same check).
format:
	scripts/check-format.sh --fix

check-format:
	scripts/check-format.sh

install: all
	$(CMAKE) --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX))

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
