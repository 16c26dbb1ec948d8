#!/usr/bin/env bash
# The test command: installs what is missing, runs every test of the package (debug build; the MPI tests run
# `mpirun -np 2`), compiles the trait-dependent modules without the traits, then checks the release build
# (Tools/release_check.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
swift build --build-tests
swift test --skip-build
# A build without the default traits (MPI, OneDNN) must still compile: only DispoDistributed's and
# DispoEngine's code depend on them.
swift build --disable-default-traits --build-path .build-nompi --target DispoDistributed
swift build --disable-default-traits --build-path .build-nompi --target DispoEngine
bash Tools/release_check.sh
