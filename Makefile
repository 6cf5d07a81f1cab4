# Convenience front end over CMake. The two commands of README.md:
#   make demo   installs what is missing, builds, runs the main job
#   make test   installs what is missing, builds, runs the whole test suite
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
# ctest -R filter; empty runs every test.
TESTS ?=

.PHONY: all deps test-deps build demo test asan tsan bench clean

all: build

deps:
	@scripts/deps.sh build

test-deps:
	@scripts/deps.sh test

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@$(BUILD)/ogas compare examples/heat2d.json --samplers uniform,breed,ogas

test: test-deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(if $(TESTS),-R '$(TESTS)')

# Sanitizer builds (CI runs both): the whole suite under ASan+UBSan, and the
# tests that run threads under TSan (the statistical tests would take minutes
# there and start no threads of their own). Both build with MPI when it is
# found: the MPI tests run under them with suppressions for Open MPI's own
# reports only (tests/mpi/lsan.supp, tests/mpi/tsan.supp); under TSan the
# study over ranks runs on 2 ranks, where roles share a rank on threads.
asan:
	@$(MAKE) --no-print-directory test BUILD=build-asan \
	  CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DOGAS_SANITIZE=address,undefined -DOGAS_WERROR=ON"
tsan:
	@$(MAKE) --no-print-directory test BUILD=build-tsan TESTS='$(THREADED_TESTS)' \
	  CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=RelWithDebInfo -DOGAS_SANITIZE=thread -DOGAS_WERROR=ON"

THREADED_TESTS = threads|train_team|denoiser_grad|sample_team|contract|telemetry|checkpoint|test_pde$$|study_buffer|study_run|mpi_study_n2

bench: build
	@bench/compare_ddpm.sh $(BUILD)

clean:
	rm -rf build build-asan build-tsan
