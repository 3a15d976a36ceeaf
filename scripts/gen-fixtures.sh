#!/usr/bin/env bash
# Generates the common fixture presets with `anivault-bench gen` (each is
# reused instantly when an up-to-date copy is already there).
#
#   scripts/gen-fixtures.sh                 # the common presets
#   scripts/gen-fixtures.sh anime-1m edge   # just these
#   GEN_ARGS=--force scripts/gen-fixtures.sh
#
# Where: $ANIVAULT_FIXTURES_DIR/<preset>/ when set, else
# target/anivault-fixtures/<preset>/ (tree/ and manifest.json inside).
# Exit: 0 all done, 1 a generation failed, 2 usage error (e.g. unknown preset).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -gt 0 ]; then
    presets=("$@")
else
    presets=(anime-1k anime-10k anime-100k flat-100k deep-2k wide-100k edge)
fi

# shellcheck disable=SC2086 # GEN_ARGS is a list of extra flags.
for preset in "${presets[@]}"; do
    cargo run --release --quiet -- gen --preset "$preset" ${GEN_ARGS:-}
done
