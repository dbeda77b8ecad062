#!/usr/bin/env bash
# CPU benchmarks of esm2j next to its peers (ONNX Runtime Java for the forward pass, PyTorch for training), in one
# run, printed as Markdown tables.
#
#   bench/cpu-bench.sh [--quick] [--threads "1 2"] [--train-models "esm2_t6_8M esm2_t12_35M"] [--rounds N]
#                      [--results DIR] [--only forward|train|matmul] [--skip-build]
#
# Builds the JMH jar (benchmarks/target${ESM2J_BUILD_SUFFIX}/benchmarks.jar, suffix default -bench), runs
# MatMulBenchmark once, once per thread count ForwardBenchmark, and TrainingStepBenchmark once per point with the
# PyTorch peer right after it (both JMH runs with -prof gc: bytes allocated per op; the training forks also record
# their peak RSS), and the peers at the same points:
# - OrtBench.java on esm2_t6_8M_shape.onnx (ONNX Runtime 1.22.0, fetched from Maven Central into ~/.m2 when
#   missing) for the forward pass;
# - peer_torch_cpu.py (PyTorch eager on the CPU, run with /usr/bin/python3; Debian: apt-get install python3-torch)
#   for the training step, full and LoRA, one process per point (its own tokens/s and peak RSS).
# Both come from the folder named by ESM2J_PEERS_DIR, which is not part of this repository; a missing peer leaves
# its columns empty. Training points: esm2_t6_8M and esm2_t12_35M shapes x full / LoRA (r 8 on q and v) x
# B x T = 8 x 128 and 4 x 512. The report is also saved as report.md in the results folder.
# A thread count N sets -Desm2j.threads=N and, when N < nproc, pins every process to cores 0..N-1 with taskset, so
# esm2j's worker pool and the peers' intra-op threads get the same CPUs. --quick: 1 short warm-up and 2 short
# measurements per point, 3-second peer runs, training at the esm2_t6_8M shape only (a few minutes on 2 cores);
# --train-models picks the training shapes in either mode. --rounds N (default 1) measures every training point N
# times, esm2j and PyTorch taking turns, and reports each side's best round: the guest's speed swings by 10-30%
# within minutes, which only slows a run down, so the best of a few rounds is the steadiest estimate of either side.
# --skip-build reuses the jar of the last build. The full run takes about 40 minutes on 2 cores; other work on the
# machine shows up as noise, so run it on an otherwise idle machine and compare ratios within one run.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
suffix=${ESM2J_BUILD_SUFFIX:--bench}
peers=${ESM2J_PEERS_DIR:-}
ort_version=1.22.0
quick=false
build_jar=true
only=all
threads="1 $(nproc)"
[ "$(nproc)" -eq 1 ] && threads=1
results=""
models_asked=""
rounds=1

while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=true; shift ;;
        --threads) threads=$2; shift 2 ;;
        --train-models) models_asked=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --results) results=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        --skip-build) build_jar=false; shift ;;
        -h|--help) sed -n '2,/^set /p' "$0" | sed '$d'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$only" in all|forward|train|matmul) ;; *) echo "--only takes forward, train or matmul" >&2; exit 2 ;; esac
case "$rounds" in ''|*[!0-9]*|0) echo "--rounds takes a positive whole number" >&2; exit 2 ;; esac
runs() { [ "$only" = all ] || [ "$only" = "$1" ]; }

results=${results:-$root/benchmarks/target$suffix/cpu-bench/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$results"
log="$results/run.log"
echo "results and logs: $results" >&2

# The commit measured: read before the build, as commits made while the benchmarks run are not in the jar.
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo " (+ uncommitted changes)" || true)

# --- build (offline first; online once if a dependency is missing)
build=(mvn -B -q -f "$root/pom.xml" -Desm2j.buildSuffix="$suffix" -pl benchmarks -am package -DskipTests)
if $build_jar && ! "${build[@]}" -o >>"$log" 2>&1; then
    echo "offline build failed, retrying online" >&2
    "${build[@]}" >>"$log" 2>&1 || { tail -40 "$log" >&2; exit 1; }
fi
jar=$root/benchmarks/target$suffix/benchmarks.jar
[ -f "$jar" ] || { echo "no $jar: run without --skip-build" >&2; exit 1; }

# --- the peer: ONNX Runtime Java
ort_jar=~/.m2/repository/com/microsoft/onnxruntime/onnxruntime/$ort_version/onnxruntime-$ort_version.jar
peer_ready=false
if runs forward && [ -f "$peers/OrtBench.java" ]; then
    if [ ! -f "$ort_jar" ]; then
        echo "fetching onnxruntime $ort_version from Maven Central" >&2
        mvn -B -q dependency:get -Dtransitive=false \
            -Dartifact=com.microsoft.onnxruntime:onnxruntime:$ort_version >>"$log" 2>&1 || true
    fi
    if [ -f "$ort_jar" ]; then
        javac -d "$results/ort-classes" -cp "$ort_jar" "$peers/OrtBench.java"
        peer_ready=true
    else
        echo "onnxruntime $ort_version unavailable; the peer columns stay empty" >&2
    fi
elif runs forward && [ -z "$peers" ]; then
    echo "ESM2J_PEERS_DIR is not set, so the ONNX Runtime peer does not run and its columns stay empty; set it to" \
        "a folder holding OrtBench.java and esm2_t6_8M_shape.onnx" >&2
elif runs forward; then
    echo "no OrtBench.java in ESM2J_PEERS_DIR=$peers; the peer columns stay empty" >&2
fi

# --- the training peer: PyTorch on the CPU
torch_ready=false
if runs train; then
    if [ -z "$peers" ] || [ ! -f "$peers/peer_torch_cpu.py" ]; then
        echo "no peer_torch_cpu.py in ESM2J_PEERS_DIR='$peers', so the PyTorch columns stay empty" >&2
    elif ! /usr/bin/python3 -c 'import torch' 2>>"$log"; then
        echo "/usr/bin/python3 cannot import torch (Debian: apt-get install python3-torch); the PyTorch columns" \
            "stay empty" >&2
    else
        torch_ready=true
    fi
fi

# Runs a command on the first N CPUs (all of them: no pinning).
on_cpus() {
    local n=$1; shift
    if [ "$n" -lt "$(nproc)" ]; then
        taskset -c "0-$((n - 1))" "$@"
    else
        "$@"
    fi
}

jmh_opts=()
$quick && jmh_opts=(-wi 1 -w 1s -i 2 -r 1s)
train_models="esm2_t6_8M esm2_t12_35M"
torch_seconds=10
$quick && { train_models=esm2_t6_8M; torch_seconds=3; }
[ -n "$models_asked" ] && train_models=$models_asked
train_shapes="8x128 4x512"
train_modes="full lora"

report_args=(--lscpu "$results/lscpu.txt")
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
{ lscpu; grep -m1 '^cpu MHz' /proc/cpuinfo || true; } >"$results/lscpu.txt"

if runs matmul; then
    echo "matmul benchmarks ($(nproc) CPUs)" >&2
    java -jar "$jar" MatMulBenchmark "${jmh_opts[@]}" -rf json -rff "$results/matmul.json" >>"$log" 2>&1
    report_args+=(--matmul "$results/matmul.json")
fi

if runs forward; then
    for n in $threads; do
        echo "forward benchmarks, $n thread(s)" >&2
        on_cpus "$n" java -jar "$jar" ForwardBenchmark "${jmh_opts[@]}" -prof gc -jvmArgsAppend "-Desm2j.threads=$n" \
            -rf json -rff "$results/forward-t$n.json" >>"$log" 2>&1
        report_args+=(--forward "$n=$results/forward-t$n.json")
        if $peer_ready; then
            echo "ONNX Runtime peer, $n thread(s)" >&2
            on_cpus "$n" java -cp "$ort_jar:$results/ort-classes" OrtBench "$peers/esm2_t6_8M_shape.onnx" "$n" \
                2>>"$log" | grep -v WARN >"$results/peer-t$n.txt"
            report_args+=(--peer "$n=$results/peer-t$n.txt")
        fi
    done
fi

if runs train; then
    # One JMH call per point with the PyTorch peer right after it, so that a change in the machine's speed during the
    # run (other guests on the host) shifts both sides of a ratio alike.
    for n in $threads; do
        rm -f "$results/train-rss-t$n.txt"
        for model in $train_models; do
            for shape in $train_shapes; do
                for mode in $train_modes; do
                    for round in $(seq "$rounds"); do
                        point="$model-$shape-$mode-t$n-r$round"
                        echo "training step $model $shape $mode, $n thread(s), round $round of $rounds" >&2
                        on_cpus "$n" java -jar "$jar" TrainingStepBenchmark "${jmh_opts[@]}" -prof gc \
                            -p model="$model" -p batch="$shape" -p mode="$mode" \
                            -jvmArgsAppend "-Desm2j.threads=$n -Desm2j.peakRssFile=$results/train-rss-t$n.txt" \
                            -rf json -rff "$results/train-$point.json" >>"$log" 2>&1
                        report_args+=(--train "$n=$results/train-$point.json")
                        if $torch_ready; then
                            on_cpus "$n" /usr/bin/python3 "$peers/peer_torch_cpu.py" bench --size "${model##*_}" \
                                --mode "$([ "$mode" = full ] && echo train || echo lora)" --batch "${shape%x*}" \
                                --len "${shape#*x}" --threads "$n" --seconds "$torch_seconds" 2>>"$log" \
                                | grep '^{' >>"$results/torch.jsonl" || echo "PyTorch peer failed (see $log)" >&2
                        fi
                    done
                done
            done
        done
        report_args+=(--train-rss "$n=$results/train-rss-t$n.txt")
    done
    $torch_ready && report_args+=(--torch "$results/torch.jsonl")
fi

mode=$($quick && echo "quick mode" || echo "full mode")
[ "$rounds" -gt 1 ] && mode="$mode, training best of $rounds rounds"
title="esm2j CPU benchmarks, $(date -u +%Y-%m-%d), commit $commit$dirty, $mode, $(java -version 2>&1 | head -1)"
{
    java -cp "$jar" org.esm2j.bench.BenchReport --title "$title" "${report_args[@]}"
    echo "Load average (1, 5, 15 min) before the run: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)" \
        "(anything above 0 is other work sharing the CPUs)."
} | tee "$results/report.md"
