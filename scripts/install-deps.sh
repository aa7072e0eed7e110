#!/usr/bin/env bash
# Installs the Debian packages nais builds with, if any is missing. Safe to run repeatedly.
# (lld: scripts/configure.sh links with it, 4x faster than GNU ld on the sanitizer build's programs.)
# NAIS_WITH_TORCH=1 adds libtorch-dev, for the benchmarks' libtorch autograd baseline;
# NAIS_WITH_FASHION=1 adds dataset-fashion-mnist, for examples/python/search_fashion_mnist.py;
# NAIS_WITH_FUZZ=1 adds clang and its compiler-rt (libFuzzer, sanitizers), for scripts/fuzz.sh.
set -euo pipefail
packages=(g++ clang lld cmake ninja-build libeigen3-dev libboost-dev doctest-dev libbenchmark-dev nlohmann-json3-dev
          python3-dev pybind11-dev python3-numpy python3-pytest python3-torch python3-sklearn python3-yaml  # Python module, tests
          python3-distributed python3-torchvision  # nais.evaluate_many on Dask (a LocalCluster); from_fx on torchvision's models
          python3-venv python3-pip python3-setuptools python3-wheel)  # and its pip install (README)
if [ "${NAIS_WITH_TORCH:-0}" = 1 ]; then packages+=(libtorch-dev); fi
if [ "${NAIS_WITH_FASHION:-0}" = 1 ]; then packages+=(dataset-fashion-mnist); fi
if [ "${NAIS_WITH_FUZZ:-0}" = 1 ]; then
  packages+=(clang)
  # libFuzzer ships in the compiler-rt package of clang's major version
  major=$(apt-cache depends clang 2>/dev/null | sed -n 's/.*Depends: clang-\([0-9][0-9]*\)$/\1/p' | head -1)
  packages+=("libclang-rt-${major:-14}-dev")
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "nais: installing missing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
