#!/usr/bin/env bash
# KMS and SSM Parameter Store load benchmark, ratios within one run:
#   health     GET /_stratus/health, the HTTP floor
#   encrypt    KMS Encrypt, 1 KiB plaintext, symmetric key (AES-256-GCM)
#   decrypt    KMS Decrypt of a 1 KiB ciphertext (no KeyId)
#   get        SSM GetParameter, String parameter of 1 KiB
#   secure     SSM GetParameter WithDecryption, SecureString of 1 KiB (one KMS decrypt each)
# Builds nothing; expects build/release/stratus and wrk. DURATION (default 5s), CONNECTIONS (32).
set -euo pipefail
export LC_ALL=C
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DURATION="${DURATION:-5s}"
CONNECTIONS="${CONNECTIONS:-32}"
STRATUS="${STRATUS:-build/release/stratus}"
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)" >&2; exit 1; }

source bench/lib.sh

call() {  # call PREFIX SERVICE OP JSON
  curl -sf -X POST "$URL/" -H "Content-Type: application/x-amz-json-1.1" -H "X-Amz-Target: $1.$3" \
    -H "Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/$2/aws4_request, SignedHeaders=host, Signature=0" \
    -d "$4"
}
field() { sed "s/.*\"$1\":\"\([^\"]*\)\".*/\1/"; }

KEY_ID="$(call TrentService kms CreateKey '{}' | field KeyId)"
PLAINTEXT="$(head -c 1024 /dev/zero | tr '\0' 'p' | base64 -w0)"
CIPHERTEXT="$(call TrentService kms Encrypt "{\"KeyId\":\"$KEY_ID\",\"Plaintext\":\"$PLAINTEXT\"}" | field CiphertextBlob)"
VALUE="$(head -c 1024 /dev/zero | tr '\0' 'v')"
call AmazonSSM ssm PutParameter "{\"Name\":\"/bench/plain\",\"Value\":\"$VALUE\",\"Type\":\"String\"}" >/dev/null
call AmazonSSM ssm PutParameter "{\"Name\":\"/bench/secure\",\"Value\":\"$VALUE\",\"Type\":\"SecureString\"}" >/dev/null

wrk_run health "$CONNECTIONS" health.lua
wrk_run encrypt "$CONNECTIONS" kms_encrypt.lua KEY_ID="$KEY_ID" PLAINTEXT="$PLAINTEXT"
wrk_run decrypt "$CONNECTIONS" kms_decrypt.lua CIPHERTEXT="$CIPHERTEXT"
wrk_run get "$CONNECTIONS" ssm_get_parameter.lua NAME=/bench/plain
wrk_run secure "$CONNECTIONS" ssm_get_parameter.lua NAME=/bench/secure WITH_DECRYPTION=true

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo
echo "wrk -t1 -c$CONNECTIONS -d$DURATION; stratus --threads 1; $(nproc) CPUs; $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo
printf '| %-44s | %9s | %7s | %7s |\n' target "req/s" "p50 ms" "p99 ms"
echo "|----------------------------------------------|----------:|--------:|--------:|"
for n in health encrypt decrypt get secure; do
  case $n in
    health) l="GET /_stratus/health (floor)" ;; encrypt) l="KMS Encrypt (1 KiB)" ;;
    decrypt) l="KMS Decrypt (1 KiB)" ;; get) l="SSM GetParameter (String, 1 KiB)" ;;
    secure) l="SSM GetParameter (SecureString, decrypted)" ;;
  esac
  printf '| %-44s | %9.0f | %7.3f | %7.3f |\n' "$l" "${RPS[$n]}" "${P50[$n]}" "${P99[$n]}"
done
echo
echo "encrypt/health = $(ratio "${RPS[encrypt]}" "${RPS[health]}")  (goal >= 0.60)"
echo "decrypt/health = $(ratio "${RPS[decrypt]}" "${RPS[health]}")  (goal >= 0.60)"
echo "get/health     = $(ratio "${RPS[get]}" "${RPS[health]}")  (goal >= 0.60)"
