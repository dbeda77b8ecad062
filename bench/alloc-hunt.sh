#!/usr/bin/env bash
# Looks for JVM runs in which C2 compiled a Vector API kernel without its intrinsics (every vector then allocated):
# runs TrainingStepBenchmark in up to N fresh JVMs (forks), each with -prof gc, a JFR recording and C2's inlining
# log, and stops at the first fork that allocates more than LIMIT bytes per step, printing its heaviest allocation
# sites (AllocationSites) and its inlining failures. Which fork fails, if any, varies from run to run: C2's
# decisions depend on the order in which methods get hot. See docs/PERFORMANCE.md, "Vector API on JDK 17".
#
#   bench/alloc-hunt.sh [--forks N] [--limit BYTES] [--model esm2_t6_8M] [--batch 8x128] [--mode full|lora]
#                       [--threads 1]
#
# Uses the JMH jar of bench/cpu-bench.sh (benchmarks/target${ESM2J_BUILD_SUFFIX}/benchmarks.jar, suffix default
# -bench; build it first). Logs go to a temporary folder named at the start. Exit status 1 when a fork went over.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
jar=$root/benchmarks/target${ESM2J_BUILD_SUFFIX:--bench}/benchmarks.jar
forks=8
limit=1000000
model=esm2_t6_8M
batch=8x128
mode=full
threads=1
while [ $# -gt 0 ]; do
    case "$1" in
        --forks) forks=$2; shift 2 ;;
        --limit) limit=$2; shift 2 ;;
        --model) model=$2; shift 2 ;;
        --batch) batch=$2; shift 2 ;;
        --mode) mode=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set /p' "$0" | sed '$d'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
[ -f "$jar" ] || { echo "no $jar: build it with bench/cpu-bench.sh or mvn -Desm2j.buildSuffix=-bench -pl benchmarks -am package -DskipTests" >&2; exit 2; }
dir=$(mktemp -d)
echo "logs: $dir" >&2
for k in $(seq 1 "$forks"); do
    java -jar "$jar" TrainingStepBenchmark -p model="$model" -p batch="$batch" -p mode="$mode" -f 1 -wi 2 -w 3 -i 2 \
        -r 3 -prof gc -jvmArgsAppend "-Desm2j.threads=$threads -XX:+UnlockDiagnosticVMOptions -XX:+PrintInlining \
-XX:StartFlightRecording=filename=$dir/fork$k.jfr,settings=profile,stackdepth=256" >"$dir/fork$k.log" 2>&1
    bytes=$(awk '/^TrainingStepBenchmark.step:gc.alloc.rate.norm/ { for (i = 1; i <= NF; i++) if ($i == "thrpt") print $(i + 2) }' \
        "$dir/fork$k.log")
    echo "fork $k: ${bytes:-?} bytes allocated per step" >&2
    if [ -n "$bytes" ] && [ "${bytes%.*}" -gt "$limit" ]; then
        echo "fork $k allocates more than $limit bytes per step; heaviest allocation sites:"
        java -cp "$jar" org.esm2j.bench.AllocationSites "$dir/fork$k.jfr"
        echo "C2 inlining failures in esm2j code (NodeCountInliningCutoff, already compiled, intrinsics):"
        grep -E "NodeCountInliningCutoff|esm2j.*already compiled|failed to inline \(intrinsic\)" "$dir/fork$k.log" \
            | sed 's/^ *//' | sort | uniq -c | sort -rn | head -20
        exit 1
    fi
done
echo "no fork of $forks allocated more than $limit bytes per step" >&2
