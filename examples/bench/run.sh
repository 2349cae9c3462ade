#!/usr/bin/env bash
# watchful's benchmark harness, in one command:
#
#   examples/bench/run.sh            # full run (~8 min): perf table + error-reporting table
#   examples/bench/run.sh --quick    # CI: seconds per server, every server and scenario once
#
# Builds the four servers (raw hyper, axum, actix-web, watchful) in release, installs wrk
# from Debian's packages if it is missing, then runs `watchful-bench run` with the given
# arguments (the usage is in examples/bench/src/main.rs: --rounds, --duration, --warmup,
# --connections, --servers, --perf, --errors, --out, --docs).
# Results: target/bench/{perf,errors}.{md,json}; a full run also writes
# docs/error-reporting-comparison.md.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v wrk >/dev/null 2>&1; then
    echo "== wrk is missing: installing Debian's wrk" >&2
    sudo=""
    if [ "$(id -u)" != 0 ]; then
        if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
            echo "error: wrk is not installed and this user cannot run apt-get; install wrk (apt-get install wrk) and retry" >&2
            exit 1
        fi
    fi
    if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk; } >&2; then
        echo "error: could not install wrk with apt-get; install it (Debian/Ubuntu: apt-get install wrk) and retry" >&2
        exit 1
    fi
fi
for tool in taskset getconf; do
    command -v "$tool" >/dev/null 2>&1 || echo "warning: $tool is missing: servers and wrk will not be pinned" >&2
done

echo "== cargo build --release -p watchful-bench" >&2
export RUST_LIB_BACKTRACE=0
exec cargo run --release --quiet -p watchful-bench -- run "$@"
