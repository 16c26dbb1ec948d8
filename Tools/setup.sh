#!/usr/bin/env bash
# Installs the Debian packages dispo builds against, if any is missing. Safe to run again.
# Used by the README's two commands and by .ci/run.
set -euo pipefail
# libopenmpi-dev + openmpi-bin: MPI for data-parallel runs (`mpirun`); a build without it: docs/SCALING.md.
# libdnnl-dev: oneDNN for bf16 prefill products (`--prefill-precision bf16`; the `OneDNN` build trait).
needed=(libzstd-dev liblz4-dev libopenblas-dev pkg-config zstd lz4 binutils libopenmpi-dev openmpi-bin libdnnl-dev)
missing=()
for p in "${needed[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >&2
fi
command -v swift >/dev/null || { echo "swift is not on PATH: install Swift 6 (https://www.swift.org/install/)" >&2; exit 1; }
