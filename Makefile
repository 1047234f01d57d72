# BertSlim: `make demo` runs the main job, `make test` the tests (README.md).
SHELL := /bin/bash
SYSTEM_PACKAGES := libdnnl-dev libltdl-dev libsqlite3-dev libopenmpi-dev openmpi-bin
SWIFT_BUILD_FLAGS ?=

.PHONY: demo test build release deps assets assets-large venv fixtures clean sdk soak fuzz sanitize

# Debian packages, installed when missing (needs root).
deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "BertSlim needs these Debian packages: sudo apt-get install $$missing" >&2; exit 1; fi; \
	  echo "installing $$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

assets:
	@scripts/fetch-assets.sh

# The base-size teacher too (all-mpnet-base-v2, 438 MB); not needed by `make test`.
assets-large:
	@scripts/fetch-assets.sh --large

venv:
	@scripts/setup-venv.sh

build: deps
	swift build $(SWIFT_BUILD_FLAGS)

release: deps
	swift build -c release $(SWIFT_BUILD_FLAGS)

# The suites that exercise kernels run again under each instruction-set cap (BERTSLIM_MAX_ISA,
# which caps oneDNN too), so that a machine with AVX-512 also proves the AVX2, AVX-VNNI and
# portable paths. A cap above what the CPU has runs at the CPU's level.
ISA_CAPS := avx2 avx2_vnni avx512 avx512_vnni baseline
ISA_SUITES := KernelReferenceTests|LSTMTests|KernelVariantTests|Int8KernelTests|LowBitKernelTests|LowBitQuantizationTests|LowBitQuantizerTests|FusedAttentionTests|GoldenTests|PackedLinearTests|SparseLinearTests|MPNetTests|ConcurrentKernelTests|TrainingTests|BertParityTests|Q8BERTTests

test: deps assets
	swift build --build-tests $(SWIFT_BUILD_FLAGS)
	swift test --skip-build $(SWIFT_BUILD_FLAGS)
	@for cap in $(ISA_CAPS); do \
	  echo "== kernel suites with BERTSLIM_MAX_ISA=$$cap"; \
	  BERTSLIM_MAX_ISA=$$cap swift test --skip-build $(SWIFT_BUILD_FLAGS) --filter '$(ISA_SUITES)' || exit 1; \
	done
	@echo "== kill-and-resume soak, 3 trials and 1 disk-full trial (make soak N=20 for the long one)"
	python3 scripts/soak.py --trials 3 --kills 2 --bertslim "$$(swift build $(SWIFT_BUILD_FLAGS) --show-bin-path)/bertslim"
	@echo "== fuzz smoke: every fuzz target for 10 s under AddressSanitizer (make fuzz FUZZ_SECONDS=600 for the long one)"
	python3 scripts/fuzz.py --debug --seconds 10

# Kill-and-resume soak (scripts/soak.py): N trials of a small distill + QAT recipe, each killed
# at random moments and resumed, and one that runs out of disk, compared byte for byte with an
# uninterrupted run.
N ?= 20
soak: deps assets release
	python3 scripts/soak.py --trials $(N) --bertslim .build/release/bertslim

# Every parser of strangers' files under libFuzzer + AddressSanitizer (scripts/fuzz.py), each
# target for FUZZ_SECONDS, or for FUZZ_RUNS executions (make fuzz FUZZ_RUNS=1000000), FUZZ_JOBS
# targets at once, FUZZ_TARGETS (default: all) to pick some; a crash's input lands in
# .build/fuzz/crashes/<target>/.
FUZZ_SECONDS ?= 600
FUZZ_JOBS ?= 1
fuzz: deps assets
	python3 scripts/fuzz.py --jobs $(FUZZ_JOBS) $(if $(FUZZ_RUNS),--runs $(FUZZ_RUNS),--seconds $(FUZZ_SECONDS)) $(FUZZ_TARGETS)

# The readers, kernels, training and host suites under AddressSanitizer, then ThreadSanitizer,
# each in its own build folder (SANITIZE_SUITES=... for another subset, '.' for all). ASan runs
# with handle_segv=0: the crashing-plugin tests expect a probe child to die by SIGSEGV, which
# ASan's handler would turn into exit status 1 (memory errors are still reported). TSan runs the
# kernels on one thread (BERTSLIM_NUM_THREADS=1) and suppresses reports through libgomp, which is
# not built for TSan and so hides its barriers (Tests/Sanitizers/tsan.supp says why). Both turn
# Swift's crash backtracer off (SWIFT_BACKTRACE=enable=no): on a crashing plugin's SIGSEGV it clones a
# backtracer process from the signal handler, which fails a TSan runtime check (exit status 66
# instead of the signal) about half the time when probes run side by side.
SANITIZE_SUITES ?= SafetensorsTests|SafetensorsCorruptionTests|DataReaderTests|VocabularyTests|WordPieceTokenizerTests|BertCheckpointTests|BertConfigLimitsTests|BertInputLimitsTests|ModelFolderTests|RecipeValidationTests|FuzzCorpusTests|KernelReferenceTests|ConcurrentKernelTests|SparseLinearTests|PackedLinearTests|TrainingTests|FineTuningTests|ExperimentTests|InterruptionTests|TeacherOutputCacheTests|LedgerConcurrencyTests|LoaderRejectionTests
sanitize: deps assets
	swift build --build-tests --sanitize address --scratch-path .build/asan $(SWIFT_BUILD_FLAGS)
	SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:handle_segv=0 swift test --skip-build --sanitize address --scratch-path .build/asan --filter '$(SANITIZE_SUITES)'
	swift build --build-tests --sanitize thread --scratch-path .build/tsan $(SWIFT_BUILD_FLAGS)
	SWIFT_BACKTRACE=enable=no BERTSLIM_NUM_THREADS=1 TSAN_OPTIONS="suppressions=$(CURDIR)/Tests/Sanitizers/tsan.supp halt_on_error=0 handle_segv=0" \
	  swift test --skip-build --sanitize thread --scratch-path .build/tsan --filter '$(SANITIZE_SUITES)'

# The plugin SDK as a folder a third party builds against with plain swiftc (SDK/README.md).
SDK_DIST ?= sdk-dist/BertSlimSDK
sdk: release
	scripts/package-sdk.sh .build/release $(SDK_DIST)

# Golden files for the numeric tests (needs the PyTorch virtualenv; CI uses the committed ones).
fixtures: venv assets
	.venv/bin/python scripts/make-fixtures.py
	.venv/bin/python scripts/make-optim-fixtures.py
	.venv/bin/python scripts/make-bert-fixtures.py
	.venv/bin/python scripts/make-distill-fixtures.py
	.venv/bin/python scripts/make-quantization-fixtures.py
	.venv/bin/python scripts/make-lstm-fixtures.py
	.venv/bin/python scripts/make-bilstm-fixtures.py
	.venv/bin/python scripts/make-hessian-fixtures.py
	.venv/bin/python scripts/make-tinybert-fixtures.py
	.venv/bin/python scripts/make-mpnet-fixtures.py
	.venv/bin/python scripts/check-tokenizer.py --fixtures

# Fine-tunes MiniLM on MR (finished stages are cached in runs/cache, so a rerun reuses the
# teacher), evaluates, exports, benchmarks and writes runs/demo/report.html.
demo: deps assets release
	rm -rf runs/demo
	.build/release/bertslim run recipes/demo.yaml --out runs/demo --cache runs/cache

clean:
	rm -rf .build
