#!/usr/bin/env bash
# Runs the black-box suite: pytest (boto3 + AWS CLI), then the AWS SDK for JavaScript v3 tests.
# Uses $STRATUS_BIN, default build/release/stratus under the repo root. Extra arguments go to
# pytest (e.g. -k sts -x). Exits non-zero if either part fails.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rc=0

python3 -m pytest -q -p no:cacheprovider "$here" "$@" || rc=1

cd "$here/js" || exit 1
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --silent --no-audit --no-fund || exit 1
fi
node --test ./*.test.mjs || rc=1

exit $rc
