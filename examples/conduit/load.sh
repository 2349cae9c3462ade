#!/usr/bin/env bash
# Load test of conduit on SQLite with wrk: a read endpoint, GET /api/articles (the first page of
# 20 articles with tags, favourites and authors: three queries), and a write endpoint, POST
# /api/articles/{slug}/comments (an authenticated insert, then a select of the new comment).
#
# Builds in release, starts conduit on a fresh SQLite file in a temporary directory (logging as
# in production: JSON lines at INFO, to a file), seeds USERS users with ARTICLES articles each,
# and runs wrk on each endpoint. The figures depend on the machine and on what else runs on it.
#
#   bash examples/conduit/load.sh            # 2 threads, 32 connections, 10 s per endpoint
#   DURATION=30s CONNECTIONS=64 bash examples/conduit/load.sh
set -euo pipefail

DURATION="${DURATION:-10s}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-32}"
USERS="${USERS:-5}"
ARTICLES="${ARTICLES:-10}"
PORT="${LOAD_PORT:-18089}"

root="$(cd "$(dirname "$0")/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
for tool in wrk curl jq; do
    command -v "$tool" >/dev/null || { echo "load.sh needs $tool" >&2; exit 1; }
done

cargo build --release -p conduit --manifest-path "$root/Cargo.toml"

dir="$(mktemp -d)"
server=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT

DATABASE_URL="sqlite://$dir/conduit.db?mode=rwc" PORT="$PORT" JWT_SECRET=load-test \
    "$target/release/conduit" >"$dir/conduit.log" 2>&1 &
server=$!
base="http://127.0.0.1:$PORT/api"
for _ in $(seq 100); do
    curl -sf "$base/tags" >/dev/null && break
    sleep 0.1
done

post() { # path token body
    curl -sf -X POST "$base$1" -H 'Content-Type: application/json' \
        ${2:+-H "Authorization: Token $2"} -d "$3"
}
echo "== seeding $USERS users with $ARTICLES articles each" >&2
token=""
slug=""
for u in $(seq "$USERS"); do
    t="$(post /users "" "{\"user\":{\"username\":\"user$u\",\"email\":\"user$u@example.com\",\"password\":\"password$u\"}}" | jq -r .user.token)"
    token="${token:-$t}"
    for a in $(seq "$ARTICLES"); do
        s="$(post /articles "$t" "{\"article\":{\"title\":\"Article $a by user $u\",\"description\":\"d\",\"body\":\"$(printf 'lorem ipsum %.0s' $(seq 50))\",\"tagList\":[\"tag$((a % 5))\",\"user$u\"]}}" | jq -r .article.slug)"
        slug="${slug:-$s}"
    done
done

cat >"$dir/comment.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"comment":{"body":"A comment written under load."}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Token $token"
LUA

echo "== load: $(uptime)" >&2
echo "== GET /api/articles (wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$base/articles"
echo "== POST /api/articles/$slug/comments (wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$dir/comment.lua" \
    "$base/articles/$slug/comments"
echo "== load: $(uptime)" >&2
