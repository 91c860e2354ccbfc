#!/usr/bin/env bash
# Installs whatever a fresh machine of this kind lacks to build, run and test Stratus.
# Idempotent and quiet when everything is present. Pinned versions live here.
set -euo pipefail
BOTOCORE_VERSION=1.43.11
# The last botocore whose SQS model is the query protocol's (older SDKs still send it); the
# code generator reads that one model from this wheel.
LEGACY_BOTOCORE_VERSION=1.29.165
CACHE_DIR="${STRATUS_CACHE_DIR:-$HOME/.cache/stratus}"
BOTO3_VERSION=1.43.11
AWSCLI_VERSION=1.45.11

APT_PKGS=(build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev zlib1g-dev libpugixml-dev libspdlog-dev libcli11-dev
  libgtest-dev libbenchmark-dev wrk libnghttp2-dev libmimalloc-dev)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
have_py() { $PY -c "import $1, sys; sys.exit(0 if $1.__version__ == '$2' else 1)" 2>/dev/null; }
if ! have_py botocore "$BOTOCORE_VERSION"; then
  $PY -m pip install -q "botocore==$BOTOCORE_VERSION"
fi
LEGACY_WHEEL="$CACHE_DIR/botocore-$LEGACY_BOTOCORE_VERSION-py3-none-any.whl"
if [ ! -f "$LEGACY_WHEEL" ]; then
  mkdir -p "$CACHE_DIR"
  $PY -m pip download -q --no-deps "botocore==$LEGACY_BOTOCORE_VERSION" -d "$CACHE_DIR"
fi
if [ "${1:-}" = "--test" ]; then
  have_py boto3 "$BOTO3_VERSION" || $PY -m pip install -q "boto3==$BOTO3_VERSION"
  $PY -c "import pytest" 2>/dev/null || $PY -m pip install -q "pytest==9.2.0"
  $PY -c "import cryptography" 2>/dev/null || $PY -m pip install -q "cryptography==48.0.0"
  $PY -m awscli --version >/dev/null 2>&1 || $PY -m pip install -q "awscli==$AWSCLI_VERSION"
  if [ -f tests/e2e/js/package.json ]; then
    (cd tests/e2e/js && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --silent --no-audit --no-fund; })
  fi
fi
