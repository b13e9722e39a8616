#!/usr/bin/env bash
# One signed GET to a local gateway emulator, sent by `sigv4x curl`, `awscurl` and
# `curl --aws-sigv4`, timed per invocation (process start to exit) by hyperfine in one run.
#
#   bash crates/sigv4x-cli/bench/curl.sh            # needs hyperfine, awscurl (pip) and curl
#   RUNS=50 PORT=18480 bash crates/sigv4x-cli/bench/curl.sh
#
# Each command must answer 200 before it is timed; the table is written to
# $TARGET/bench-curl.md as well as printed.
set -euo pipefail
cd "$(dirname "$0")/../../.."
root=$PWD
RUNS=${RUNS:-30}
PORT=${PORT:-18480}
TARGET=${CARGO_TARGET_DIR:-$root/target}

for tool in hyperfine awscurl curl; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is required" >&2; exit 1; }
done
cargo build --release --quiet -p sigv4x-cli -p sigv4x-gateway
bin=$TARGET/release

# The reference gateway on its own port, audit off, policies by absolute path.
work=$(mktemp -d)
sed -e "s|\"\.\./\.\./sigv4x-policy/|\"$root/crates/sigv4x-policy/|g" \
    -e "s|\"policies/|\"$root/crates/sigv4x-gateway/examples/policies/|g" \
    -e "s|127.0.0.1:8080|127.0.0.1:$PORT|; s|127.0.0.1:8081|127.0.0.1:$((PORT + 1))|" \
    -e "s|^stdout = true|stdout = false|" \
    crates/sigv4x-gateway/examples/gateway.toml >"$work/gateway.toml"
"$bin/sigv4x-gateway" --config "$work/gateway.toml" >"$work/gateway.log" 2>&1 &
gateway=$!
trap 'kill $gateway 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.05
done

# The example Lambda role of the gateway's configuration (not real credentials).
export AWS_ACCESS_KEY_ID=ASIAORDERSLAMBDA0001
export AWS_SECRET_ACCESS_KEY=orders-lambda-example-secret-0001
export AWS_SESSION_TOKEN=orders-lambda-example-session-token-0001
export AWS_EC2_METADATA_DISABLED=true
url="http://127.0.0.1:$PORT/prod/orders"

sigv4x_cmd="$bin/sigv4x curl -sf --region us-east-1 --service execute-api $url"
awscurl_cmd="awscurl --fail-with-body --region us-east-1 --service execute-api $url"
curl_cmd="curl -sf --aws-sigv4 aws:amz:us-east-1:execute-api --user $AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY -H x-amz-security-token:$AWS_SESSION_TOKEN $url"

for cmd in "$sigv4x_cmd" "$awscurl_cmd" "$curl_cmd"; do
    out=$($cmd)
    [[ $out == *shipped* ]] || { echo "bench: not a 200 from: $cmd"; echo "$out"; exit 1; }
done

hyperfine --shell=none --warmup 3 --runs "$RUNS" --export-markdown "$TARGET/bench-curl.md" \
    -n "sigv4x curl" "$sigv4x_cmd" \
    -n "awscurl" "$awscurl_cmd" \
    -n "curl --aws-sigv4" "$curl_cmd"
