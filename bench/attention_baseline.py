#!/usr/bin/env python3
"""The attention baseline for the kernel table: PyTorch's scaled_dot_product_attention on the GPU machine, per
backend (flash, memory-efficient, cuDNN), on the shapes the attention lab times (cuda-kernels/dev/attention.cu):
ESM-2's heads x head_dim at 16k tokens per call, T = 512 and 1024, bf16, non-causal, no mask (all sequences full
length, so padding costs nothing here and the comparison favours the baseline).
FLOPs = 4 * B * T^2 * heads * head_dim (QK^T and PV), as in the lab. Timing: CUDA events, median of 20 after warm-up.

    python3 bench/attention_baseline.py OUT.md
"""
import os
import sys

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

# (model, heads, head_dim) of the released ESM-2 sizes
HEADS = [("8M", 20, 16), ("35M", 20, 24), ("150M", 20, 32), ("650M", 20, 64), ("3B", 40, 64), ("15B", 40, 128)]
BACKENDS = [("flash", SDPBackend.FLASH_ATTENTION), ("efficient", SDPBackend.EFFICIENT_ATTENTION),
            ("cudnn", SDPBackend.CUDNN_ATTENTION)]
TOKENS_PER_CALL = 16384


def time_ms(fn, warm=3, iters=20):
    for _ in range(warm):
        fn()
    times = []
    for _ in range(iters):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    times.sort()
    return times[len(times) // 2]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "attention-baseline.md"
    rows = ["| model | heads x head_dim | B x T | " + " | ".join(f"{name} TFLOP/s" for name, _ in BACKENDS)
            + " | best |", "|---|---|---|" + "---|" * (len(BACKENDS) + 1)]
    for model, heads, head_dim in HEADS:
        for T in (512, 1024):
            B = TOKENS_PER_CALL // T
            q, k, v = (torch.randn(B, heads, T, head_dim, device="cuda", dtype=torch.bfloat16) for _ in range(3))
            flops = 4 * B * T * T * heads * head_dim
            cells, best = [], 0.0
            for name, backend in BACKENDS:
                try:
                    with sdpa_kernel([backend]):
                        ms = time_ms(lambda: F.scaled_dot_product_attention(q, k, v))
                    tflops = flops / ms / 1e9
                    best = max(best, tflops)
                    cells.append(f"{tflops:.1f}")
                except RuntimeError as e:  # the backend does not support this head_dim or GPU
                    cells.append("n/a")
                    print(f"{model} T={T} {name}: {str(e).splitlines()[0]}", file=sys.stderr)
            rows.append(f"| {model} | {heads} x {head_dim} | {B} x {T} | " + " | ".join(cells) + f" | {best:.1f} |")
            print(rows[-1], flush=True)
    with open(out + ".tmp", "w") as f:
        f.write("\n".join(rows) + "\n")
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
