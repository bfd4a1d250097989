# The front door. `make` builds Release into build/; `make run` sets up and
# imports a sample into the embedded default; `make test` sets up, then runs
# every test in the Release, ASan+UBSan and TSan builds against a throwaway
# PostgreSQL; `make bench` and `make fuzz` measure and fuzz. `make install`
# (PREFIX, DESTDIR), `make uninstall` and `make deb` install and package it.
JOBS      ?= $(shell nproc)
CMAKE_OPTS ?=
ifeq ($(CI),true)
CMAKE_OPTS += -DSL_WERROR=ON
endif
FUZZ_SECONDS ?= 60
PREFIX    ?= /usr/local
DESTDIR   ?=

.PHONY: all deps release debug asan tsan fuzz-build run test test-release test-asan test-tsan bench fuzz clean format \
        install uninstall deb

all: release

deps:
	@bash scripts/deps.sh

build/CMakeCache.txt:
	cmake -S . -B build -DCMAKE_BUILD_TYPE=Release $(CMAKE_OPTS)
release: build/CMakeCache.txt
	cmake --build build -j$(JOBS)

debug:
	cmake -S . -B build-debug -DCMAKE_BUILD_TYPE=Debug $(CMAKE_OPTS)
	cmake --build build-debug -j$(JOBS)
asan:
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSL_SANITIZE=address $(CMAKE_OPTS)
	cmake --build build-asan -j$(JOBS)
tsan:
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DSL_SANITIZE=thread $(CMAKE_OPTS)
	cmake --build build-tsan -j$(JOBS)
fuzz-build:
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DSL_FUZZ=ON $(CMAKE_OPTS)
	cmake --build build-fuzz -j$(JOBS)

# scripts/run-sample.sh installs, configures and builds itself, one line per
# stage (the full log only when a stage fails).
run:
	@bash scripts/run-sample.sh

# scripts/test.sh starts the throwaway PostgreSQL, runs ctest in each build and
# always stops the cluster, then prints the summary of every run.
test: deps
	@bash scripts/test.sh

bench: deps release
	@bash bench/run.sh

fuzz: deps fuzz-build
	@bash fuzz/run.sh $(FUZZ_SECONDS)

# The prefix is set at configure time (the systemd unit names the binary's
# path); DESTDIR stages the files elsewhere. build/installed-files.txt lists
# what was installed (DESTDIR included) for `make uninstall`.
install:
	cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_OPTS)
	cmake --build build -j$(JOBS)
	DESTDIR="$(DESTDIR)" cmake --install build
	@{ cat build/installed-files.txt 2>/dev/null; sed 's|^|$(DESTDIR)|' build/install_manifest.txt; } | \
	  sort -u > build/installed-files.tmp && mv build/installed-files.tmp build/installed-files.txt

uninstall:
	@bash scripts/uninstall.sh build/installed-files.txt packaging/serve.env

# build/sheetload_VERSION_ARCH.deb, for /usr; Depends from dpkg-shlibdeps.
deb: deps
	cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr $(CMAKE_OPTS)
	cmake --build build -j$(JOBS)
	cd build && cpack -G DEB

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-debug build-asan build-tsan build-fuzz
