#!/usr/bin/env bash
# The test command: installs what is missing, runs every test of the package (debug build; the MPI tests run
# `mpirun -np 2`), compiles the MPI-dependent module without MPI, then checks the release build
# (Tools/release_check.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
swift build --build-tests
swift test --skip-build
# A build without MPI (the MPI trait off) must still compile: only DispoDistributed's code depends on the trait.
swift build --disable-default-traits --build-path .build-nompi --target DispoDistributed
bash Tools/release_check.sh
