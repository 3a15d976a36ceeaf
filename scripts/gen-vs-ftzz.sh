#!/usr/bin/env bash
# The generator against ftzz, alternating, on one file system (issue 12,
# item 5): `anivault-bench gen -p anime-100k` (sparse sizes), the same with
# `--sizes empty`, and `ftzz -n 100000 --files-exact` (empty files), each
# into a fresh directory, rotated round by round; prints the median wall
# time and CPU time (user + sys) of each and the ratios to ftzz.
#
#   scripts/gen-vs-ftzz.sh [--install] [--rounds N] [DIR]
#
# DIR (default /dev/shm, tmpfs): a temporary directory is made under it and
# removed at the end; nothing else there is touched. --install first
# cargo-installs ftzz 4.0.0 into target/tools (else ftzz is looked for in
# target/tools/bin, then on PATH). Builds the release binary when missing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tools_bin=${ANIVAULT_TOOLS_DIR:-$root/target/tools/bin}
FTZZ_VERSION=4.0.0
rounds=9
dir=/dev/shm
install=0
while [ $# -gt 0 ]; do
    case "$1" in
        --install) install=1 ;;
        --rounds) rounds=${2:?--rounds needs a number}; shift ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        -*) echo "gen-vs-ftzz.sh: unknown option '$1'" >&2; exit 2 ;;
        *) dir=$1 ;;
    esac
    shift
done
case "$rounds" in ''|*[!0-9]*|0) echo "gen-vs-ftzz.sh: --rounds must be a positive number" >&2; exit 2 ;; esac
if [ ! -d "$dir" ]; then
    echo "gen-vs-ftzz.sh: '$dir' is not a directory" >&2
    exit 2
fi
if [ "$install" = 1 ]; then
    cargo install --locked --root "$(dirname "$tools_bin")" ftzz --version "$FTZZ_VERSION"
fi
PATH=$tools_bin:$PATH
if ! command -v ftzz >/dev/null 2>&1; then
    echo "gen-vs-ftzz.sh: ftzz is not installed (run with --install, or: cargo install --root target/tools ftzz --version $FTZZ_VERSION)" >&2
    exit 1
fi
bench=$root/target/release/anivault-bench
if [ ! -x "$bench" ]; then
    (cd "$root" && cargo build --release)
fi

work=$(mktemp -d "$dir/gen-vs-ftzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
fs=$(stat -f -c %T "$work")
echo "gen vs $(ftzz --version | head -n 1) on $fs ($dir), $rounds rounds, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

names=(gen gen-empty ftzz)
run() { # name
    case "$1" in
        gen) "$bench" gen -p anime-100k -o "$work/out" ;;
        gen-empty) "$bench" gen -p anime-100k --sizes empty -o "$work/out" ;;
        ftzz) ftzz -n 100000 --files-exact "$work/out" ;;
    esac
}
TIMEFORMAT='%3R %3U %3S'
for ((r = 0; r < rounds; r++)); do
    for ((i = 0; i < ${#names[@]}; i++)); do
        name=${names[$(((i + r) % ${#names[@]}))]}
        rm -rf "$work/out"
        { time run "$name" >/dev/null 2>"$work/stderr"; } 2>>"$work/times.$name" || {
            echo "gen-vs-ftzz.sh: $name failed:" >&2
            cat "$work/stderr" >&2
            exit 1
        }
    done
done
rm -rf "$work/out"

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
declare -A wall cpu
for name in "${names[@]}"; do
    wall[$name]=$(awk '{print $1 * 1000}' "$work/times.$name" | median)
    cpu[$name]=$(awk '{print ($2 + $3) * 1000}' "$work/times.$name" | median)
done
for name in "${names[@]}"; do
    awk -v n="$name" -v w="${wall[$name]}" -v c="${cpu[$name]}" -v fw="${wall[ftzz]}" -v fc="${cpu[ftzz]}" \
        'BEGIN {printf "%10s: wall %7.1f ms (%.2fx ftzz), cpu %7.1f ms (%.2fx ftzz)\n", n, w, w / fw, c, c / fc}'
done
