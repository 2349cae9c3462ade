#!/usr/bin/env bash
# watchful's benchmark harness, in one command:
#
#   examples/bench/run.sh                  # full run (~20 min): CPU, instructions, errors tables
#   examples/bench/run.sh --instructions   # instructions and allocations per request only
#   examples/bench/run.sh --quick          # CI: the instruction-count gate, every server and
#                                          # scenario briefly under wrk, the errors table
#
# Builds the four servers (raw hyper, axum, actix-web, watchful), and without --quick the
# OpenTelemetry scenario's two (examples/bench-otel), in release, installs wrk
# and valgrind from Debian's packages if they are missing, then runs `watchful-bench run`
# with the given arguments (the usage is in examples/bench/src/main.rs: --perf,
# --instructions, --errors, --rounds, --duration, --warmup, --connections, --requests,
# --servers, --out, --docs).
# Results: target/bench/{perf,instructions,errors}.{md,json}; a full run also writes
# docs/error-reporting-comparison.md and docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Installs Debian's package $2 when the command $1 is missing.
require() {
    command -v "$1" >/dev/null 2>&1 && return
    echo "== $1 is missing: installing Debian's $2" >&2
    sudo=""
    if [ "$(id -u)" != 0 ]; then
        if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
            echo "error: $1 is not installed and this user cannot run apt-get; install $2 (apt-get install $2) and retry" >&2
            exit 1
        fi
    fi
    if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$2"; } >&2; then
        echo "error: could not install $2 with apt-get; install it (Debian/Ubuntu: apt-get install $2) and retry" >&2
        exit 1
    fi
}
require wrk wrk
require valgrind valgrind
for tool in taskset getconf; do
    command -v "$tool" >/dev/null 2>&1 || echo "warning: $tool is missing: servers and wrk will not be pinned" >&2
done

# A full run also measures the OpenTelemetry scenario (examples/bench-otel, its own package so
# that watchful's `otel` feature stays out of the gated server); CI's --quick run does not.
otel=()
if [[ " $* " != *" --quick "* ]]; then
    echo "== cargo build --release -p watchful-bench-otel --features otel" >&2
    cargo build --release --quiet -p watchful-bench-otel --features otel
    otel=(--otel "${CARGO_TARGET_DIR:-$PWD/target}/release/watchful-bench-otel")
fi

echo "== cargo build --release -p watchful-bench" >&2
export RUST_LIB_BACKTRACE=0
exec cargo run --release --quiet -p watchful-bench -- run "$@" "${otel[@]}"
