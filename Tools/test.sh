#!/usr/bin/env bash
# The test command: installs what is missing, then runs every test of the package.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
swift build --build-tests
swift test --skip-build
