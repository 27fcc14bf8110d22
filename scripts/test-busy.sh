#!/usr/bin/env bash
# Proves the suite under load (issue 12): `npm test` N times in a row (default 3) while a
# CPU-heavy job keeps every core busy, stopping at the first failure. The busy loops are
# started here and killed here (by their own process ids) however the script ends.
#
#   scripts/test-busy.sh [runs]        BUSY_CORES=n  loops to start (default: every core)
#                                      BUSY_LOG_DIR  where each run's full output goes
#
# Prints one line per run: the suite's closing "N passed, N failed", its exit status and time.
set -u

runs=${1:-3}
cores=${BUSY_CORES:-$(nproc)}
root=$(cd "$(dirname "$0")/.." && pwd)
logs=${BUSY_LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/postern-busy-XXXXXX")}
mkdir -p "$logs"

busy=()
stop_busy() {
  for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${busy[@]}"; do wait "$pid" 2>/dev/null; done
  busy=()
}
trap stop_busy EXIT
trap 'stop_busy; exit 130' INT TERM

for ((core = 0; core < cores; core++)); do
  node -e 'for (;;) {}' &
  busy+=("$!")
done
echo "load: ${cores} busy loop(s) beside the suite ($(nproc) cores; load average now $(cut -d' ' -f1-3 /proc/loadavg))"
echo "logs: ${logs}"

for ((run = 1; run <= runs; run++)); do
  started=$(date +%s)
  (cd "$root" && npm test) >"${logs}/run-${run}.log" 2>&1
  status=$?
  closing=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "${logs}/run-${run}.log" | tail -n 1)
  echo "run ${run}/${runs}: ${closing:-no closing line} (exit ${status}, $(($(date +%s) - started)) s, load average $(cut -d' ' -f1-3 /proc/loadavg))"
  if [ "$status" -ne 0 ]; then
    echo "stopped at the first failure: ${logs}/run-${run}.log"
    exit 1
  fi
done
echo "all ${runs} runs passed under load"
