#!/usr/bin/env bash
# bench/gpu-check.sh: the CUDA backend's checks and benchmark in one command for the lent GPU machine.
#
# That machine has CUDA 13 but no Java, no Maven and no network, so the script has two halves:
#
#   bench/gpu-check.sh prepare [DIR]             HERE (JDK 17, Maven, nvcc): builds the bindings module and its tests
#                                                (build suffix ${ESM2J_BUILD_SUFFIX:--gpucheck}), the kernel lab
#                                                programs, and assembles DIR (default .device, git-ignored):
#                                                jre.tgz ($ESM2J_DEVICE_KIT/make-jre.sh), lib/ (runtime + test jars,
#                                                the bindings jars with libesm2j_cuda and its JNI glue, the JUnit
#                                                console launcher), test-classes/, data.tgz (fixtures/: the three
#                                                golden models' .pt files and golden.safetensors; labs/: the kernel
#                                                lab programs), peer_pytorch.py.
#                                                Fails if DIR is 64 MiB or more (the device tool's carry limit).
#   bench/gpu-check.sh run [DIR] [RESULTS] [STEPS]
#                                                THERE, from the repository root: unpacks the JRE and runs STEPS
#                                                (comma-separated, default tests,sanitizer,labs,bench,peer):
#                                                  tests     every test in org.esm2j.cuda (GPU ones included) via the
#                                                            JUnit console launcher, XML reports in RESULTS/junit
#                                                  sanitizer compute-sanitizer memcheck and racecheck on the GPU
#                                                            tests (tag "gpu", without the "stress" ones: 1000
#                                                            repeated calls, deliberate out-of-memory)
#                                                  labs      each kernel lab program from data.tgz; lab_matmul
#                                                            (cuBLASLt baseline) is compiled there with nvcc when
#                                                            the preparing machine could not build it
#                                                  bench     org.esm2j.cuda.GpuForwardBenchmark (bindings test
#                                                            sources): 8M..15B with random bf16 weights made on the
#                                                            device, at 8x1024 and 64x512: tokens/s, MFU, peak device
#                                                            memory, out-of-memory rows; at most ~12 s per shape and
#                                                            no new size after 240 s; sizes from $BENCH_SIZES
#                                                            (default 8M,35M,150M,650M,3B,15B)
#                                                  peer      $ESM2J_DEVICE_KIT/peer_pytorch.py --modes infer, sizes
#                                                            from $PEER_SIZES (default 8M..3B), then
#                                                            bench/attention_baseline.py (PyTorch SDPA per backend
#                                                            on the attention lab's shapes)
#                                                and writes every log and table under RESULTS (default $OUT when set,
#                                                else ./gpu-results), with summary.md at the end.
#
# Through the device tool (one call is limited to 10 minutes, so split STEPS over two calls when needed):
#   run(command='bash bench/gpu-check.sh run .device "$OUT" tests,sanitizer,labs', carry=['.device'])
#   run(command='bash bench/gpu-check.sh run .device "$OUT" bench,peer', carry=['.device'])
# The peer builds each model in fp32 on the host before moving it to the GPU (15B: 60 GB, once per shape), which can
# take minutes, so its 15B row gets a call of its own:
#   run(command='PEER_SIZES=15B bash bench/gpu-check.sh run .device "$OUT" peer', carry=['.device'])
set -euo pipefail

mode=${1:-}
root=$(cd "$(dirname "$0")/.." && pwd)
max_bytes=$((64 * 1024 * 1024))

prepare() {
    local dir=${1:-.device}
    local suffix=${ESM2J_BUILD_SUFFIX:--gpucheck}
    cd "$root"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    rm -rf "$dir/lib" "$dir/test-classes" "$dir/fixtures" "$dir/labs" "$dir/data.tgz"
    mkdir -p "$dir/lib" "$dir/fixtures" "$dir/labs"

    echo "== building bindings and its tests (suffix $suffix)"
    # JUnit comes with the console launcher, so its own jars stay out of lib/ (two Jupiter engines would clash).
    # Offline by default (MVN_OFFLINE= to let Maven fetch a missing plugin once).
    mvn -B ${MVN_OFFLINE--o} -q -Desm2j.buildSuffix="$suffix" -pl bindings -am package -DskipTests \
        dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$dir/lib" \
        -DexcludeGroupIds=org.junit.jupiter,org.junit.platform,org.opentest4j,org.apiguardian,org.openjdk.jmh
    cp "bindings/target$suffix"/esm2j-bindings-*.jar "$dir/lib/"
    cp -r "bindings/target$suffix/test-classes" "$dir/test-classes"

    echo "== JUnit console launcher"
    local junit_version
    junit_version=$(sed -n 's|.*<junit.version>5\.\([0-9.]*\)</junit.version>.*|1.\1|p' pom.xml)
    local console=org.junit.platform:junit-platform-console-standalone:$junit_version
    local console_jar=~/.m2/repository/org/junit/platform/junit-platform-console-standalone/$junit_version/junit-platform-console-standalone-$junit_version.jar
    [ -f "$console_jar" ] || mvn -B -q dependency:get -Dartifact="$console"
    cp "$console_jar" "$dir/lib/"

    echo "== fixtures"
    local model
    for model in esm2_tiny_L2_D64_H4 esm2_L2_D320_H20 esm2_L2_D256_H4; do
        mkdir -p "$dir/fixtures/$model"
        cp "testdata/fixtures/$model/$model.pt" "testdata/fixtures/$model/$model-contact-regression.pt" \
            "testdata/fixtures/$model/golden.safetensors" "$dir/fixtures/$model/"
    done

    echo "== kernel labs"
    local labs=()
    local source
    for source in cuda-kernels/dev/*.cu; do
        [ -e "$source" ] && labs+=("lab_$(basename "$source" .cu)")
    done
    if [ ${#labs[@]} -gt 0 ]; then
        local build="bindings/target$suffix/labs"
        cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DESM2J_BUILD_KERNEL_LAB=ON > /dev/null
        : > "$build/labs.log"
        local lab
        for lab in "${labs[@]}"; do
            # One target at a time: a lab that CMake does not define here (lab_matmul needs cuBLASLt, which a
            # compile-only toolkit may lack) or that fails to build is skipped alone, not with every other lab.
            if cmake --build "$build" --parallel 2 --target "$lab" >> "$build/labs.log" 2>&1; then
                cp "$build/$lab" "$dir/labs/"
            else
                echo "$lab did not build here (see $build/labs.log); run goes on without it" >&2
            fi
        done
    fi

    # Float data and fatbins: packed they save several MiB of the 64 MiB limit.
    tar czf "$dir/data.tgz" -C "$dir" fixtures labs
    rm -rf "$dir/fixtures" "$dir/labs"

    echo "== JRE and peer"
    # The JRE builder and the PyTorch peer are not part of this repository: ESM2J_DEVICE_KIT names their folder.
    local kit=${ESM2J_DEVICE_KIT:-}
    if [ -z "$kit" ] || [ ! -f "$kit/make-jre.sh" ] || [ ! -f "$kit/peer_pytorch.py" ]; then
        echo "set ESM2J_DEVICE_KIT to a folder holding make-jre.sh and peer_pytorch.py (now: '${kit}')" >&2
        exit 1
    fi
    [ -f "$dir/jre.tgz" ] || "$kit/make-jre.sh" "$dir"
    cp "$kit/peer_pytorch.py" "$dir/"

    local size
    size=$(du -sb "$dir" | cut -f1)
    echo "$dir: $((size / 1024 / 1024)) MiB"
    if [ "$size" -ge "$max_bytes" ]; then
        echo "$dir is $size bytes, over the 64 MiB the GPU machine accepts" >&2
        exit 1
    fi
}

run() {
    local dir=${1:-.device}
    local results=${2:-${OUT:-gpu-results}}
    local steps=${3:-tests,sanitizer,labs,bench,peer}
    local sizes=${BENCH_SIZES:-8M,35M,150M,650M,3B,15B}
    # The peer builds each model in fp32 on the host first; 15B (60 GB) gets a call of its own: PEER_SIZES=15B.
    local peer_sizes=${PEER_SIZES:-8M,35M,150M,650M,3B}
    cd "$root"
    dir=$(cd "$dir" && pwd)
    mkdir -p "$results"
    results=$(cd "$results" && pwd)

    tar xzf "$dir/jre.tgz" -C /tmp
    local data=/tmp/esm2j-gpu-check
    rm -rf "$data" && mkdir -p "$data" && tar xzf "$dir/data.tgz" -C "$data"
    local java=/tmp/jre/bin/java
    local cp="$dir/test-classes:$dir/lib/*"
    local jvm=(--enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector -Desm2j.fixtures="$data/fixtures")
    local launcher=(org.junit.platform.console.ConsoleLauncher execute --disable-banner --disable-ansi-colors --details=tree)
    local status=0

    { nvidia-smi; echo; git -C "$root" log -1 --format='commit %H %cd' 2>/dev/null || true; date -u; } \
        > "$results/machine.txt" 2>&1 || true

    if [[ ",$steps," == *,tests,* ]]; then
        echo "== GPU tests"
        "$java" "${jvm[@]}" -cp "$cp" "${launcher[@]}" --select-package org.esm2j.cuda \
            --reports-dir "$results/junit" > "$results/tests.txt" 2>&1 || status=1
        tail -25 "$results/tests.txt"
    fi
    if [[ ",$steps," == *,sanitizer,* ]]; then
        local tool
        for tool in memcheck racecheck; do
            echo "== compute-sanitizer $tool"
            compute-sanitizer --tool "$tool" --target-processes all --error-exitcode 99 \
                "$java" "${jvm[@]}" -cp "$cp" "${launcher[@]}" --select-package org.esm2j.cuda \
                --include-tag gpu --exclude-tag stress > "$results/sanitizer-$tool.txt" 2>&1 || status=1
            grep -E "ERROR SUMMARY|RACECHECK SUMMARY|tests (successful|failed)" "$results/sanitizer-$tool.txt" || true
        done
    fi
    if [[ ",$steps," == *,labs,* ]]; then
        if [ ! -x "$data/labs/lab_matmul" ] && command -v nvcc > /dev/null; then
            # Built here because the machine that prepares .device may lack cuBLASLt, its baseline (~1 minute).
            echo "== building lab_matmul"
            nvcc -O3 -std=c++17 -gencode=arch=compute_90a,code=sm_90a -Inative/include -Icuda-kernels \
                cuda-kernels/dev/matmul.cu -lcublasLt -o "$data/labs/lab_matmul" > "$results/lab_matmul-build.txt" 2>&1 \
                || { echo "lab_matmul did not build (see lab_matmul-build.txt)"; status=1; }
        fi
        local lab
        for lab in "$data"/labs/lab_*; do
            [ -x "$lab" ] || continue
            echo "== $(basename "$lab")"
            "$lab" > "$results/$(basename "$lab").txt" 2>&1 || status=1
            tail -5 "$results/$(basename "$lab").txt"
        done
    fi
    if [[ ",$steps," == *,bench,* ]]; then
        echo "== esm2j CUDA forward benchmark ($sizes)"
        # Weights live only on the device, so the heap holds little more than token ids and logits.
        "$java" "${jvm[@]}" -Xmx8g -cp "$cp" org.esm2j.cuda.GpuForwardBenchmark "$results/bench-esm2j.md" "$sizes" \
            > "$results/bench-esm2j.txt" 2>&1 || status=1
        cat "$results/bench-esm2j.md" 2>/dev/null || tail -20 "$results/bench-esm2j.txt"
    fi
    if [[ ",$steps," == *,peer,* ]]; then
        echo "== peer: PyTorch + transformers, infer ($peer_sizes)"
        python3 "$dir/peer_pytorch.py" --sizes "$peer_sizes" --modes infer --json "$results/bench-peer.json" \
            > "$results/bench-peer.txt" 2>&1 || status=1
        tail -12 "$results/bench-peer.txt"
        echo "== attention baseline: PyTorch SDPA per backend"
        python3 bench/attention_baseline.py "$results/attention-baseline.md" > "$results/attention-baseline.txt" 2>&1 \
            || status=1
        cat "$results/attention-baseline.md" 2>/dev/null || tail -5 "$results/attention-baseline.txt"
    fi

    {
        echo "# gpu-check $(date -u +%Y-%m-%dT%H:%MZ), steps $steps"
        echo
        head -20 "$results/machine.txt"
        for f in tests.txt sanitizer-memcheck.txt sanitizer-racecheck.txt; do
            [ -f "$results/$f" ] && { echo; echo "## $f"; grep -E "tests (successful|failed|skipped)|ERROR SUMMARY|RACECHECK SUMMARY" "$results/$f" || true; }
        done
        [ -f "$results/bench-esm2j.md" ] && { echo; echo "## esm2j (bf16, packed)"; cat "$results/bench-esm2j.md"; }
        [ -f "$results/bench-peer.txt" ] && { echo; echo "## peer"; cat "$results/bench-peer.txt"; }
        [ -f "$results/attention-baseline.md" ] && { echo; echo "## attention baseline (SDPA)"; cat "$results/attention-baseline.md"; }
        for f in "$results"/lab_*.txt; do
            [ -f "$f" ] && { echo; echo "## $(basename "$f" .txt)"; tail -n 90 "$f"; }
        done
    } > "$results/summary.md"
    echo "results in $results (summary.md); status $status"
    return $status
}

case "$mode" in
    prepare) shift; prepare "$@" ;;
    run) shift; run "$@" ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 2 ;;
esac
