#!/usr/bin/env python3
"""Mutation evidence for the emulator tests: applies deliberate kernel bugs one at a time to a copy of the sources,
rebuilds the emulator tests there and runs the test that should catch each; prints a Markdown table (the one in
cuda-kernels/README.md) and exits 1 if any mutant survives.

    python3 cuda-kernels/emu/mutations.py [build directory, default target-emu-mutations]
"""
import pathlib
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]

# (name, file, original text, mutated text, test that must fail)
MUTATIONS = [
    ("matmul: wrong B-fragment lane mapping (ldmatrix chunk from lane bit 4 instead of 3)",
     "cuda-kernels/matmul/matmul.cuh", "b_chunk = (lane >> 3) & 1;", "b_chunk = (lane >> 4) & 1;", "test_matmul"),
    ("matmul: cp.async wait_group off by one (kStages - 1)",
     "cuda-kernels/matmul/matmul.cuh", "ptx::cp_async_wait<kStages - 2>();", "ptx::cp_async_wait<kStages - 1>();",
     "test_matmul"),
    ("attention: __syncthreads before reading K/V tile j removed",
     "cuda-kernels/attention/attention.cuh",
     "        __syncthreads();  // tile j visible to all; everyone is done with the other stage (tile j - 1)\n", "",
     "test_attention"),
    ("attention: padding columns of K not zeroed (head_dim 24)",
     "cuda-kernels/attention/attention.cuh", "            k_tiles[stage][index] = from_float<T>(0.f);\n", "",
     "test_attention"),
    ("attention: Q fragment registers a1 and a2 swapped",
     "cuda-kernels/attention/attention.cuh",
     "            q_frag[kc][1] = q_pair(row1, col);\n            q_frag[kc][2] = q_pair(row0, col + 8);\n",
     "            q_frag[kc][1] = q_pair(row0, col + 8);\n            q_frag[kc][2] = q_pair(row1, col);\n",
     "test_attention"),
    ("attention: wrong shuffle offset in the row max (xor 4 instead of 2)",
     "cuda-kernels/attention/attention.cuh", "tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 2));",
     "tile_max = fmaxf(tile_max, __shfl_xor_sync(0xffffffffu, tile_max, 4));", "test_attention"),
    ("attention: cp.async wait missing in the probabilities pass",
     "cuda-kernels/attention/attention.cuh",
     "        load_tile<D>(k_tiles[0], k_head, args.token_stride, j * kN, seq.length, args.vector_loads);\n"
     "        if (args.vector_loads) ptx::cp_async_wait_all();\n",
     "        load_tile<D>(k_tiles[0], k_head, args.token_stride, j * kN, seq.length, args.vector_loads);\n",
     "test_attention"),
    ("layer_norm: warp_sum butterfly starts at offset 8 (half the warp summed)",
     "cuda-kernels/common.cuh", "for (int offset = 16; offset > 0; offset >>= 1) v += ", 
     "for (int offset = 8; offset > 0; offset >>= 1) v += ", "test_layer_norm"),
]


def run(command, cwd, log):
    with open(log, "w") as out:
        return subprocess.run(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT).returncode


def main():
    build = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "target-emu-mutations").resolve()
    source = build / "src"
    if source.exists():
        shutil.rmtree(source)
    for part in ("cuda-kernels", "native"):
        shutil.copytree(ROOT / part, source / part, ignore=shutil.ignore_patterns("target*"))
    binary = build / "cmake"
    if run(["cmake", "-S", str(source / "cuda-kernels/emu"), "-B", str(binary)], build, build / "configure.log"):
        sys.exit("cmake configure failed, see " + str(build / "configure.log"))
    rows = []
    for index, (name, file, original, mutated, test) in enumerate(MUTATIONS, 1):
        path = source / file
        text = path.read_text()
        if text.count(original) != 1:
            sys.exit(f"mutation {index}: the original text is not found exactly once in {file}")
        path.write_text(text.replace(original, mutated))
        start = time.time()
        log = build / f"mutation-{index}.log"
        if run(["cmake", "--build", str(binary), "--parallel", "--target", test], build, log):
            outcome = "build failed"
        else:
            status = run([str(binary / test)], build, log)
            tail = log.read_text().strip().splitlines()[-1:] or [""]
            outcome = "caught" if status != 0 else "SURVIVED"
            if status != 0 and "esm2j emulator" in log.read_text():
                outcome = "caught (emulator fault)"
            elif status != 0:
                outcome = "caught (" + tail[0][:60] + ")"
        path.write_text(text)
        rows.append((index, name, test, outcome, time.time() - start))
        print(f"{index}. {name}: {outcome}", flush=True)
    print("\n| # | deliberate bug | test | result |\n|---|---|---|---|")
    for index, name, test, outcome, _ in rows:
        print(f"| {index} | {name} | `{test}` | {outcome} |")
    sys.exit(1 if any(r[3] == "SURVIVED" for r in rows) else 0)


if __name__ == "__main__":
    main()
