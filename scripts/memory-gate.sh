#!/usr/bin/env bash
# The CI memory-regression gate: profile the baseline's fixtures and
# strategies, compare with the committed baseline and the hard limit.
#
#   scripts/memory-gate.sh [extra gate options, e.g. --limit-mb 400]
#
# Exit 0 pass, 1 regression / limit exceeded / wrong count, 2 could not
# compare (missing or corrupt baseline, another fixture spec, …).
# Fixtures go to $ANIVAULT_FIXTURES_DIR (default: target/anivault-fixtures).
# Copy this file into your CI; it needs only cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=${ANIVAULT_BASELINE:-reports/baseline.json}
cargo build --release --quiet --bin anivault-bench
exec ./target/release/anivault-bench gate --baseline "$baseline" "$@"
