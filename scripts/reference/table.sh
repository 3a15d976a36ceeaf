#!/usr/bin/env bash
# The README's "Gate your own scanner" table: AniVault's original Python
# scanner and its eager variant (--reference), our fastest strategy as a
# process (`anivault-bench scan`, the default getdents-par), find, bfs and
# fd (fdfind), all as command rows of one `profile`: files/s, exact peak
# RSS and the streaming verdict across library sizes.
#
#   scripts/reference/table.sh                       # anime-10k,anime-100k, 5 runs
#   PRESETS=anime-1k,anime-10k RUNS=3 scripts/reference/table.sh
#   OUT=reports/commands scripts/reference/table.sh  # report stem (default target/reference-table)
#
# The fixtures go where `gen` puts them (ANIVAULT_FIXTURES_DIR moves
# them). Extra arguments are passed to `profile` (e.g. --timeout 60).
# Tools that are not installed are left out, with a line on stderr.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
cargo build --release --quiet
bench=target/release/anivault-bench
presets=${PRESETS:-anime-10k,anime-100k}
runs=${RUNS:-5}
out=${OUT:-target/reference-table}

# The scanner's default extension set (anivault_scanner::VIDEO_EXTENSIONS),
# as the reference scripts print it.
exts=$(python3 scripts/reference/original.py --list-extensions 2>/dev/null ||
    echo mkv,mp4,m4v,avi,mov,wmv,webm,flv,ts,m2ts,mts,mpg,mpeg,ogm,ogv,rmvb,vob,3gp)
inames=""
fd_exts=""
for e in ${exts//,/ }; do
    inames="${inames:+$inames -o }-iname '*.$e'"
    fd_exts="$fd_exts -e $e"
done

cmds=(--cmd "anivault-scan=$bench scan {root}")
# The C locale: byte-wise names and ASCII case folding, as our matcher
# (and compare's tool rows) use.
for tool in find bfs; do
    if command -v "$tool" >/dev/null; then
        cmds+=(--cmd "$tool=env LC_ALL=C $tool {root} -type f ( $inames )")
    else
        echo "table.sh: $tool not installed: no row" >&2
    fi
done
fd=$(command -v fd || command -v fdfind || true)
if [ -n "$fd" ]; then
    cmds+=(--cmd "fd=env LC_ALL=C $fd --type f --no-ignore --hidden --unrestricted$fd_exts . {root}")
else
    echo "table.sh: fd (fdfind) not installed: no row" >&2
fi

exec "$bench" profile --preset "$presets" --strategies none --reference \
    --runs "$runs" "${cmds[@]}" --out "$out" "$@"
