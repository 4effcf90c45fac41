#!/usr/bin/env bash
# End-to-end tour of the armillaria CLI on a throwaway store: import, append, time travel, export,
# history, and verify catching a flipped byte. Run with `pnpm demo` (builds first).
set -euo pipefail
cd "$(dirname "$0")/.."
demo=$(mktemp -d "${TMPDIR:-/tmp}/armillaria-demo.XXXXXX")
trap 'rm -rf "$demo"' EXIT
export ARMILLARIA_STORE="$demo/store"
arm() { echo "\$ armillaria $*" >&2; node packages/core/bin/armillaria.js "$@"; }

node -e '
const rows = ["id,city,temp_c,ok"];
const cities = ["Lisbon", "Oslo", "Quito", "Perth", ""];
for (let i = 0; i < 200000; i++) rows.push([i, cities[i % 5], ((i * 7919) % 4000) / 100 - 10, i % 3 === 0].join(","));
require("fs").writeFileSync(process.argv[1], rows.join("\n") + "\n");
' "$demo/weather.csv"

arm init
arm import weather "$demo/weather.csv" -m "first load"
arm import weather "$demo/weather.csv" --mode append -m "same rows again"
arm show weather
arm show weather --version 1 --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const t=JSON.parse(s);console.log(`version ${t.version}: ${t.rows} rows in ${t.chunks} chunks`)})'
arm export weather "$demo/weather-v1.parquet" --version 1
arm import weather_copy "$demo/weather-v1.parquet" -m "a copy shares every chunk"
arm tables
arm log
arm verify

victim=$(find "$ARMILLARIA_STORE/objects" -type f | head -n 1)
printf '\x00' | dd of="$victim" bs=1 seek=100 count=1 conv=notrunc status=none
echo "(flipped one byte in $(basename "$(dirname "$victim")")$(basename "$victim"))" >&2
if arm verify; then echo "verify should have failed" >&2; exit 1; else echo "verify exited $? as expected" >&2; fi
