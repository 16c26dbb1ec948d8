#!/usr/bin/env bash
# The test command: installs what is missing, runs every test of the package (debug build), then checks the
# release build (Tools/release_check.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
swift build --build-tests
swift test --skip-build
bash Tools/release_check.sh
