#!/usr/bin/env bash
# Runs a command (the test suite) with WATCHFUL_OPENAPI_DIR set to an empty directory, where the
# tests of the demo, the starter template and conduit write the OpenAPI documents their apps
# generate; then validates each with `openapi-spec-validator` (PyPI), an OpenAPI 3.1 validator
# that shares no code with watchful. A missing document or an invalid one fails.
#
#   .ci/openapi.sh cargo test --workspace --all-features
set -euo pipefail

venv="${CARGO_TARGET_DIR:-$(pwd)/target}/openapi-validator"
validator="$venv/bin/openapi-spec-validator"
if [ ! -x "$validator" ]; then
    echo "== openapi: installing openapi-spec-validator in $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'openapi-spec-validator==0.8.*'
fi

documents="$(mktemp -d)"
trap 'rm -rf "$documents"' EXIT
export WATCHFUL_OPENAPI_DIR="$documents"
"$@"

for app in demo starter conduit; do
    document="$documents/$app.json"
    if [ ! -s "$document" ]; then
        echo "== openapi: no document from $app's tests in $document" >&2
        exit 1
    fi
    echo "== openapi: $app: $("$validator" "$document")"
done
