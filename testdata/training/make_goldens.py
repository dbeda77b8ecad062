#!/usr/bin/python3
"""Float64 reference values for esm2j's optimizers, schedules, losses and heads, made with PyTorch.

Run with Debian's python3-torch (1.13): /usr/bin/python3 testdata/training/make_goldens.py
It rewrites the JSON files beside it; the Java tests read those and never need Python.
Inputs are drawn in float32 and widened, so Java (float32) and this script (float64) start from the same numbers.
"""
import json
import math
import os

import torch

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))


def f32(*shape, scale=1.0, gen=None):
    """Random normal values that are exact float32 numbers, as float64."""
    return (torch.randn(*shape, generator=gen, dtype=torch.float32) * scale).to(torch.float64)


def flat(t):
    return [float(x) for x in t.reshape(-1).tolist()]


def write(name, obj):
    path = os.path.join(HERE, name)
    with open(path + ".tmp", "w") as f:
        json.dump(obj, f, indent=None, separators=(",", ":"))
        f.write("\n")
    os.replace(path + ".tmp", path)
    print("wrote", path)


# --------------------------------------------------------------------------------------------------------------------
# Optimizers and clipping over a small model-shaped layout (fair-esm names, one frozen entry)

LAYOUT = [
    ("embed_tokens.weight", [5, 4], True),
    ("layers.0.self_attn_layer_norm.weight", [4], True),
    ("layers.0.self_attn_layer_norm.bias", [4], True),
    ("layers.0.fc1.weight", [3, 4], True),
    ("layers.0.fc1.bias", [3], True),
    ("layers.1.fc1.weight", [3, 4], True),
    ("layers.1.fc1.bias", [3], True),
    ("emb_layer_norm_after.weight", [4], True),
    ("contact_head.regression.weight", [1, 3], False),
    ("classifier.weight", [2, 4], True),
    ("classifier.bias", [2], True),
]


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def is_bias(n):
    return n.endswith(".bias")


def is_norm(n):
    return "layer_norm" in n


def is_embedding(n):
    return "embed_tokens" in n


def is_head(n):
    return n.startswith("classifier.") or n.startswith("contact_head.")


def layer_of(n):
    parts = n.split(".")
    return int(parts[1]) if parts[0] == "layers" else -1


def groups_decay_all(lr, wd):
    return [{"entries": [n for n, _, t in LAYOUT if t], "lr": lr, "weight_decay": wd}]


def groups_grouped(lr, wd, head_lr, layers, decay):
    """HF-style no decay on bias/LayerNorm/embedding, a head lr and BEiT layer-wise decay, merged by (lr, wd)."""
    out = {}
    for n, _, t in LAYOUT:
        if not t:
            continue
        if is_head(n):
            entry_lr = head_lr
        elif is_embedding(n):
            entry_lr = lr * decay ** (layers + 1)
        elif layer_of(n) >= 0:
            entry_lr = lr * decay ** (layers - layer_of(n))
        else:
            entry_lr = lr
        entry_wd = 0.0 if (is_bias(n) or is_norm(n) or is_embedding(n)) else wd
        out.setdefault((entry_lr, entry_wd), []).append(n)
    return [{"entries": v, "lr": k[0], "weight_decay": k[1]} for k, v in out.items()]


def run_optimizer(case, make, groups, steps, lr_factors, seed, momenta=None):
    gen = torch.Generator().manual_seed(seed)
    params = {n: f32(*s, gen=gen) for n, s, _ in LAYOUT}
    tensors = {n: torch.nn.Parameter(params[n].clone(), requires_grad=t) for n, _, t in LAYOUT}
    params0 = torch.cat([tensors[n].detach().reshape(-1) for n, _, _ in LAYOUT])
    opt = make([{"params": [tensors[n] for n in g["entries"]], "lr": g["lr"], "weight_decay": g["weight_decay"]}
                for g in groups])
    all_grads, all_params = [], []
    for step in range(steps):
        grads = []
        for n, s, t in LAYOUT:
            g = f32(*s, scale=0.5, gen=gen)
            grads.append(g.reshape(-1))
            if t:
                tensors[n].grad = g.clone()
        for gi, pg in enumerate(opt.param_groups):
            pg["lr"] = groups[gi]["lr"] * lr_factors[step]
            if momenta is not None:
                pg["betas"] = (momenta[step], pg["betas"][1])
        opt.step()
        all_grads.append(flat(torch.cat(grads)))
        all_params.append(flat(torch.cat([tensors[n].detach().reshape(-1) for n, _, _ in LAYOUT])))
    case.update({"groups": groups, "lr_factors": lr_factors, "params0": flat(params0), "grads": all_grads,
                 "params": all_params})
    if momenta is not None:
        case["beta1_per_step"] = momenta
    return case


def optimizer_goldens():
    cases = {}
    c = {"kind": "adamw", "betas": [0.9, 0.999], "eps": 1e-8}
    cases["adamw_decay_all"] = run_optimizer(
        c, lambda g: torch.optim.AdamW(g, betas=(0.9, 0.999), eps=1e-8), groups_decay_all(1e-2, 0.1), 6,
        [1.0] * 6, seed=1)
    c = {"kind": "adamw", "betas": [0.8, 0.99], "eps": 1e-6, "base_lr": 1e-2, "weight_decay": 0.05,
         "head_lr": 5e-2, "layers": 2, "layer_decay": 0.8}
    cases["adamw_groups"] = run_optimizer(
        c, lambda g: torch.optim.AdamW(g, betas=(0.8, 0.99), eps=1e-6), groups_grouped(1e-2, 0.05, 5e-2, 2, 0.8), 5,
        [1.0, 0.5, 0.25, 1.0, 0.1], seed=2)
    c = {"kind": "adamw", "betas": [0.95, 0.999], "eps": 1e-8}
    cases["adamw_cycled_beta1"] = run_optimizer(
        c, lambda g: torch.optim.AdamW(g, betas=(0.95, 0.999), eps=1e-8), groups_decay_all(3e-3, 0.01), 4,
        [1.0, 2.0, 3.0, 1.5], seed=3, momenta=[0.95, 0.9, 0.85, 0.9])
    for name, mom, damp, nest, wd in [("sgd_plain", 0.0, 0.0, False, 0.0),
                                      ("sgd_momentum_dampening_wd", 0.9, 0.1, False, 0.01),
                                      ("sgd_nesterov_wd", 0.9, 0.0, True, 0.01)]:
        c = {"kind": "sgd", "momentum": mom, "dampening": damp, "nesterov": nest}
        cases[name] = run_optimizer(
            c, lambda g, mom=mom, damp=damp, nest=nest: torch.optim.SGD(
                g, lr=0.1, momentum=mom, dampening=damp, nesterov=nest), groups_decay_all(0.1, wd), 4,
            [1.0, 1.0, 0.5, 0.5], seed=4)
    clips = {}
    for name, scale, max_norm in [("clipped", 1.0, 1.0), ("unclipped", 0.01, 5.0)]:
        gen = torch.Generator().manual_seed(5)
        grads = {n: f32(*s, scale=scale, gen=gen) for n, s, _ in LAYOUT}
        grads["contact_head.regression.weight"] = torch.full((1, 3), 100.0)
        tensors = [torch.nn.Parameter(torch.zeros(s)) for n, s, t in LAYOUT if t]
        for p, (n, _, _) in zip(tensors, [e for e in LAYOUT if e[2]]):
            p.grad = grads[n].clone()
        total = torch.nn.utils.clip_grad_norm_(tensors, max_norm)
        after = dict(grads)
        for p, (n, _, _) in zip(tensors, [e for e in LAYOUT if e[2]]):
            after[n] = p.grad
        clips[name] = {"max_norm": max_norm, "grads": flat(torch.cat([grads[n].reshape(-1) for n, _, _ in LAYOUT])),
                       "total_norm": float(total),
                       "clipped": flat(torch.cat([after[n].reshape(-1) for n, _, _ in LAYOUT]))}
    layout = [{"name": n, "shape": s, "trainable": t} for n, s, t in LAYOUT]
    write("optim.json", {"torch": torch.__version__, "layout": layout, "optimizers": cases, "clipping": clips})


# --------------------------------------------------------------------------------------------------------------------
# Losses: value and gradient w.r.t. the inputs by autograd


def focal_loss(x, y, alpha, gamma):
    """torchvision's sigmoid_focal_loss written from the formula, mean reduction."""
    p = torch.sigmoid(x)
    ce = torch.nn.functional.binary_cross_entropy_with_logits(x, y, reduction="none")
    p_t = p * y + (1 - p) * (1 - y)
    loss = ce * (1 - p_t) ** gamma
    if alpha >= 0:
        loss = (alpha * y + (1 - alpha) * (1 - y)) * loss
    return loss.mean()


def value_and_grad(fn, x):
    x = x.clone().requires_grad_(True)
    loss = fn(x)
    loss.backward()
    return float(loss), flat(x.grad)


def loss_goldens():
    gen = torch.Generator().manual_seed(11)
    out = {}
    rows, classes = 5, 7
    logits = f32(rows, classes, scale=3.0, gen=gen)
    logits[0, 0], logits[1, 1], logits[2, 2] = 40.0, -40.0, 0.0
    targets = (torch.rand(rows, classes, generator=gen) < 0.4).to(torch.float64)
    targets[0, 0], targets[1, 1] = 0.0, 1.0  # confidently wrong entries, where the unstable form overflows
    pos_weight = (torch.rand(classes, generator=gen, dtype=torch.float32) * 9.5 + 0.5).to(torch.float64)
    for name, pw in [("bce", None), ("bce_pos_weight", pos_weight)]:
        loss, grad = value_and_grad(
            lambda x, pw=pw: torch.nn.BCEWithLogitsLoss(pos_weight=pw)(x, targets), logits)
        out[name] = {"rows": rows, "classes": classes, "logits": flat(logits), "targets": flat(targets),
                     "pos_weight": None if pw is None else flat(pw), "loss": loss, "grad": grad}
    for name, alpha, gamma in [("focal_default", 0.25, 2.0), ("focal_no_alpha", -1.0, 1.5),
                               ("focal_gamma0", 0.25, 0.0)]:
        loss, grad = value_and_grad(lambda x: focal_loss(x, targets, alpha, gamma), logits)
        # the hand-written formula's autograd gradient agrees with central finite differences
        assert torch.autograd.gradcheck(lambda x: focal_loss(x, targets, alpha, gamma),
                                        (logits.clone().requires_grad_(True),), eps=1e-6, atol=1e-7)
        out[name] = {"rows": rows, "classes": classes, "alpha": alpha, "gamma": gamma, "logits": flat(logits),
                     "targets": flat(targets), "loss": loss, "grad": grad}
    rows, classes = 8, 5
    logits = f32(rows, classes, scale=2.0, gen=gen)
    labels = torch.randint(0, classes, (rows,), generator=gen)
    labels[2], labels[5] = -100, -100
    weight = (torch.rand(classes, generator=gen, dtype=torch.float32) * 2 + 0.25).to(torch.float64)
    for name, w, eps in [("ce", None, 0.0), ("ce_smoothing", None, 0.1), ("ce_weight", weight, 0.0),
                         ("ce_weight_smoothing", weight, 0.2)]:
        loss, grad = value_and_grad(
            lambda x, w=w, eps=eps: torch.nn.CrossEntropyLoss(weight=w, label_smoothing=eps)(x, labels), logits)
        out[name] = {"rows": rows, "classes": classes, "logits": flat(logits), "targets": labels.tolist(),
                     "weight": None if w is None else flat(w), "label_smoothing": eps, "loss": loss, "grad": grad}
    positions = 2 * 9
    logits = f32(positions, 33, scale=2.0, gen=gen)
    labels = torch.full((positions,), -100, dtype=torch.long)
    picked = torch.randperm(positions, generator=gen)[:5]
    labels[picked] = torch.randint(4, 24, (5,), generator=gen)
    loss, grad = value_and_grad(lambda x: torch.nn.functional.cross_entropy(x, labels), logits)
    out["mlm"] = {"logits": flat(logits), "targets": labels.tolist(), "loss": loss, "grad": grad}
    pred = f32(11, scale=2.0, gen=gen)
    target = f32(11, scale=2.0, gen=gen)
    loss, grad = value_and_grad(lambda x: torch.nn.MSELoss()(x, target), pred)
    out["mse"] = {"predictions": flat(pred), "targets": flat(target), "loss": loss, "grad": grad}
    for name, delta in [("huber", 1.0), ("huber_delta", 0.7)]:
        loss, grad = value_and_grad(lambda x, delta=delta: torch.nn.HuberLoss(delta=delta)(x, target), pred)
        out[name] = {"predictions": flat(pred), "targets": flat(target), "delta": delta, "loss": loss, "grad": grad}
    task_losses = torch.tensor([0.7, 2.5, 0.05], requires_grad=True)
    s = f32(3, scale=0.5, gen=gen).requires_grad_(True)
    total = (torch.exp(-s) * task_losses + s).sum()
    total.backward()
    out["uncertainty"] = {"task_losses": flat(task_losses.detach()), "log_variance": flat(s.detach()),
                          "loss": float(total), "task_scales": flat(task_losses.grad), "grad_log_variance": flat(s.grad)}
    labels = (torch.rand(40, 6, generator=gen) < torch.tensor([0.5, 0.2, 0.05, 0.025, 0.0, 0.9])).to(torch.float64)
    pos = labels.sum(0)
    ratio = (labels.shape[0] - pos) / pos
    out["pos_weight"] = {"rows": 40, "classes": 6, "labels": flat(labels), "max": 12.0,
                         "ratio": flat(torch.clamp(ratio, max=12.0)), "sqrt": flat(torch.clamp(ratio.sqrt(), max=12.0))}
    write("loss.json", {"torch": torch.__version__, "losses": out})


# --------------------------------------------------------------------------------------------------------------------
# Heads over a packed batch: pooled or per-token outputs, and the gradients of sum(output * G) for a fixed random G


def head_goldens():
    gen = torch.Generator().manual_seed(21)
    dim, labels = 6, 3
    # <cls> residues <eos> per sequence (one residue is <mask>, one sequence has a single residue)
    sequences = [[0, 5, 6, 32, 8, 9, 2], [0, 7, 2], [0, 4, 5, 6, 7, 8, 9, 10, 11, 2]]
    tokens = [t for seq in sequences for t in seq]
    offsets = [0]
    for seq in sequences:
        offsets.append(offsets[-1] + len(seq))
    hidden = f32(len(tokens), dim, gen=gen)
    residue = torch.tensor([t not in (0, 1, 2) for t in tokens])

    def mean_pool(h):
        return torch.stack([h[a:b][residue[a:b]].mean(0) for a, b in zip(offsets, offsets[1:])])

    def cls_pool(h):
        return torch.stack([h[a] for a in offsets[:-1]])

    def attention_pool(h, w):
        out = []
        for a, b in zip(offsets, offsets[1:]):
            r = h[a:b][residue[a:b]]
            out.append((torch.softmax(r @ w, 0)[:, None] * r).sum(0))
        return torch.stack(out)

    def linear(x, p, prefix):
        return x @ p[prefix + ".weight"].T + p[prefix + ".bias"]

    def mlp(x, p):
        return linear(torch.tanh(linear(x, p, "classifier.dense")), p, "classifier.out_proj")

    def case(entries, forward, rows):
        params = {n: f32(*shape, scale=0.5, gen=gen).requires_grad_(True) for n, shape in entries}
        h = hidden.clone().requires_grad_(True)
        out = forward(h, params)
        g = f32(rows, out.shape[1], gen=gen)
        (out * g).sum().backward()
        return {"layout": [{"name": n, "shape": shape, "trainable": True} for n, shape in entries],
                "params": flat(torch.cat([params[n].detach().reshape(-1) for n, _ in entries])),
                "output": flat(out.detach()), "grad_output": flat(g),
                "grads": flat(torch.cat([params[n].grad.reshape(-1) for n, _ in entries])),
                "grad_hidden": flat(h.grad)}

    b = len(sequences)
    out = {"dim": dim, "labels": labels, "tokens": tokens, "offsets": offsets, "hidden": flat(hidden), "cases": {
        "mean_linear": case([("head.weight", [labels, dim]), ("head.bias", [labels])],
                            lambda h, p: linear(mean_pool(h), p, "head"), b),
        "cls_mlp": case([("classifier.dense.weight", [dim, dim]), ("classifier.dense.bias", [dim]),
                         ("classifier.out_proj.weight", [labels, dim]), ("classifier.out_proj.bias", [labels])],
                        lambda h, p: mlp(cls_pool(h), p), b),
        "attention_linear": case([("attention_pooling.weight", [dim]), ("head.weight", [labels, dim]),
                                  ("head.bias", [labels])],
                                 lambda h, p: linear(attention_pool(h, p["attention_pooling.weight"]), p, "head"), b),
        "token_classifier": case([("classifier.weight", [labels, dim]), ("classifier.bias", [labels])],
                                 lambda h, p: linear(h, p, "classifier"), len(tokens)),
    }}
    write("head.json", {"torch": torch.__version__, **out})


# --------------------------------------------------------------------------------------------------------------------
# Schedules: the learning rate (and one-cycle's beta1) before each optimizer step, from torch's schedulers


def hf_linear(warmup, total):
    """transformers.get_linear_schedule_with_warmup's lambda (transformers is not in Debian; same formula)."""
    def f(s):
        if s < warmup:
            return float(s) / float(max(1, warmup))
        return max(0.0, float(total - s) / float(max(1, total - warmup)))
    return f


def hf_cosine(warmup, total, cycles=0.5):
    """transformers.get_cosine_schedule_with_warmup's lambda."""
    def f(s):
        if s < warmup:
            return float(s) / float(max(1, warmup))
        progress = float(s - warmup) / float(max(1, total - warmup))
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(cycles) * 2.0 * progress)))
    return f


def lr_trace(opt, sched, steps, metrics=None):
    lrs, betas = [], []
    for s in range(steps):
        lrs.append([g["lr"] for g in opt.param_groups])
        if "betas" in opt.param_groups[0]:
            betas.append(opt.param_groups[0]["betas"][0])
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[s])
    return lrs, betas


def schedule_goldens():
    def adamw(lrs=(0.1,)):
        return torch.optim.AdamW([{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in lrs])

    out = {}
    for name, fn, warmup, total in [("linear", hf_linear, 4, 20), ("cosine", hf_cosine, 4, 20),
                                    ("linear_no_warmup", hf_linear, 0, 10), ("cosine_no_warmup", hf_cosine, 0, 10)]:
        opt = adamw((0.1, 0.02))
        sched = torch.optim.lr_scheduler.LambdaLR(opt, fn(warmup, total))
        lrs, _ = lr_trace(opt, sched, total + 3)
        out[name] = {"warmup": warmup, "total": total, "base_lr": [0.1, 0.02], "lr": lrs}
    for name, kw, total in [("one_cycle_default", {}, 20),
                            ("one_cycle_three_phase_linear", {"pct_start": 0.25, "anneal_strategy": "linear",
                                                              "div_factor": 10.0, "final_div_factor": 100.0,
                                                              "three_phase": True}, 17)]:
        opt = adamw((0.1, 0.02))
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[0.1, 0.02], total_steps=total, **kw)
        lrs, betas = lr_trace(opt, sched, total)
        out[name] = {"total": total, "max_lr": [0.1, 0.02], "lr": lrs, "beta1": betas,
                     "pct_start": kw.get("pct_start", 0.3), "div_factor": kw.get("div_factor", 25.0),
                     "final_div_factor": kw.get("final_div_factor", 1e4), "three_phase": kw.get("three_phase", False),
                     "cosine": kw.get("anneal_strategy", "cos") == "cos"}
    metrics = [1.0, 0.9, 0.95, 0.9, 0.91, 0.92, 0.85, 0.86, 0.86, 0.87, 0.8999, 0.88, 0.89, 0.9, 0.91, 0.7, 0.71,
               0.72, 0.73, 0.74, 0.75]
    for name, kw in [("plateau_min_rel", {"mode": "min", "factor": 0.5, "patience": 2, "threshold": 1e-2,
                                          "threshold_mode": "rel", "cooldown": 1, "min_lr": [0.01, 0.005]}),
                     ("plateau_max_abs", {"mode": "max", "factor": 0.3, "patience": 1, "threshold": 0.01,
                                          "threshold_mode": "abs", "cooldown": 0, "min_lr": [0.0, 0.0]})]:
        opt = adamw((0.1, 0.02))
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
        lrs, _ = lr_trace(opt, sched, len(metrics), metrics)
        lrs.append([g["lr"] for g in opt.param_groups])
        out[name] = {**kw, "metrics": metrics, "base_lr": [0.1, 0.02], "lr": lrs}
    write("schedule.json", {"torch": torch.__version__, "schedules": out})


if __name__ == "__main__":
    optimizer_goldens()
    loss_goldens()
    head_goldens()
    schedule_goldens()
