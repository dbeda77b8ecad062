#!/usr/bin/python3
"""PEFT adapter folders for esm2j's LoRA tests, written in exactly the layout PEFT's save_pretrained produces.

Run with Debian's python3-numpy: /usr/bin/python3 testdata/training/make_peft_adapter.py
Neither `peft` nor `safetensors` is packaged for Debian bookworm (and PyPI is not reachable here), so the files are
written by hand: safetensors is an 8-byte little-endian header length, a JSON header
{key: {dtype, shape, data_offsets}, "__metadata__": {...}} padded with spaces to a multiple of 8, then the raw
little-endian bytes; PEFT passes metadata {"format": "pt"}.

How the key set is known to be PEFT's (huggingface/peft, src/peft/utils/save_and_load.py,
get_peft_model_state_dict, and docs/source/developer_guides/checkpoint.md):
- PeftModel wraps LoraModel wraps the transformers model, so every state_dict key starts with "base_model.model."
  followed by the transformers model's own module path;
- a LoRA layer holds lora_A / lora_B as nn.Linear modules in a ModuleDict keyed by the adapter name, so the
  in-memory key is "<module>.lora_A.default.weight"; saving removes the adapter name: "<module>.lora_A.weight";
- a module listed in modules_to_save is wrapped with a copy under "modules_to_save.default."; saving keeps only the
  copy's own parameter names after the module path: "base_model.model.classifier.dense.weight";
- for task_type SEQ_CLS PEFT extends modules_to_save with ["classifier", "score"] before saving the config.
The module paths are taken from the transformers checkpoint of the same fixture model (hf/model.safetensors, written
by EsmForMaskedLM.save_pretrained): the script checks that "<path>.weight" exists there with the shape of the fair-esm
weight it adapts, so the fair-esm -> Hugging Face table below is checked against transformers' own names.

Inputs: testdata/fixtures/esm2_tiny_L2_D64_H4/train.safetensors, whose lora.init.* tensors are the adapters of a
PEFT model made on fair-esm's ESM2 (r 4, alpha 8, q_proj and v_proj; keys "lora.init.layers.{i}.self_attn.
q_proj.lora_A.default.weight"). Outputs, under testdata/training/peft/:
- esm2_tiny_mlm_lora/: those adapters for EsmForMaskedLM (task_type null), the adapters of the fixture's LoRA step;
- esm2_tiny_seqcls_lora/: the same adapters plus a 3-label EsmClassificationHead (classifier.dense, classifier.out_proj,
  numpy seed 7) for EsmForSequenceClassification, task_type SEQ_CLS, with the full config a recent PEFT writes;
- esm2_tiny_seqcls_lora/expected.safetensors: every tensor again under esm2j's names
  (layers.{i}.self_attn.q_proj.lora_A, classifier.dense.weight), for the Java test to compare against.
"""
import json
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "fixtures", "esm2_tiny_L2_D64_H4")
OUT = os.path.join(HERE, "peft")

# fair-esm module inside a layer -> transformers' EsmLayer module (transformers' convert_esm.py does the same renames)
HF_MODULE = {
    "self_attn.q_proj": "attention.self.query",
    "self_attn.k_proj": "attention.self.key",
    "self_attn.v_proj": "attention.self.value",
    "self_attn.out_proj": "attention.output.dense",
    "fc1": "intermediate.dense",
    "fc2": "output.dense",
}
DTYPES = {"F32": np.dtype("<f4"), "I32": np.dtype("<i4"), "I64": np.dtype("<i8")}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for key, info in header.items():
        if key == "__metadata__":
            continue
        start, end = info["data_offsets"]
        out[key] = np.frombuffer(data[8 + n + start:8 + n + end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
    return out


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    offset = 0
    blobs = []
    for key in sorted(tensors):
        blob = np.ascontiguousarray(tensors[key], dtype="<f4").tobytes()
        header[key] = {"dtype": "F32", "shape": list(tensors[key].shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    os.replace(path + ".tmp", path)


def write_json(path, obj):
    with open(path + ".tmp", "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(path + ".tmp", path)


def adapters():
    """{(layer, fair-esm module, 'A'|'B'): array} from the fixture's PEFT-on-fair-esm adapters."""
    train = read_safetensors(os.path.join(FIXTURE, "train.safetensors"))
    hf = read_safetensors(os.path.join(FIXTURE, "hf", "model.safetensors"))
    out = {}
    for key, value in train.items():
        if not key.startswith("lora.init."):
            continue
        name = key[len("lora.init."):]                      # layers.0.self_attn.q_proj.lora_A.default.weight
        assert name.endswith(".default.weight"), name
        parts = name[:-len(".default.weight")].split(".")   # layers, 0, self_attn, q_proj, lora_A
        layer, module, matrix = int(parts[1]), ".".join(parts[2:-1]), parts[-1][-1]
        base = hf["esm.encoder.layer.%d.%s.weight" % (layer, HF_MODULE[module])]
        # lora_A is (r, in), lora_B is (out, r): they must fit the transformers weight (out, in) they adapt
        assert (value.shape[1] == base.shape[1]) if matrix == "A" else (value.shape[0] == base.shape[0]), key
        out[(layer, module, matrix)] = value
    assert len(out) == 8, sorted(out)
    return out


def peft_key(layer, module, matrix):
    return "base_model.model.esm.encoder.layer.%d.%s.lora_%s.weight" % (layer, HF_MODULE[module], matrix)


def esm2j_name(layer, module, matrix):
    return "layers.%d.%s.lora_%s" % (layer, module, matrix)


def lora_config(**extra):
    config = {
        "alpha_pattern": {}, "auto_mapping": None, "base_model_name_or_path": "esm2_tiny_L2_D64_H4/hf", "bias": "none",
        "fan_in_fan_out": False, "inference_mode": True, "init_lora_weights": True, "layers_pattern": None,
        "layers_to_transform": None, "lora_alpha": 8, "lora_dropout": 0.0, "modules_to_save": None,
        "peft_type": "LORA", "r": 4, "rank_pattern": {}, "revision": None, "target_modules": ["query", "value"],
        "task_type": None, "use_dora": False, "use_rslora": False,
    }
    config.update(extra)
    return config


def main():
    lora = adapters()
    mlm = os.path.join(OUT, "esm2_tiny_mlm_lora")
    os.makedirs(mlm, exist_ok=True)
    write_safetensors(os.path.join(mlm, "adapter_model.safetensors"),
                      {peft_key(*k): v for k, v in lora.items()}, {"format": "pt"})
    write_json(os.path.join(mlm, "adapter_config.json"), lora_config())

    rng = np.random.RandomState(7)
    dim, labels = 64, 3
    head = {
        "classifier.dense.weight": rng.normal(0, 0.02, (dim, dim)).astype("<f4"),
        "classifier.dense.bias": rng.normal(0, 0.02, (dim,)).astype("<f4"),
        "classifier.out_proj.weight": rng.normal(0, 0.02, (labels, dim)).astype("<f4"),
        "classifier.out_proj.bias": rng.normal(0, 0.02, (labels,)).astype("<f4"),
    }
    seqcls = os.path.join(OUT, "esm2_tiny_seqcls_lora")
    os.makedirs(seqcls, exist_ok=True)
    tensors = {peft_key(*k): v for k, v in lora.items()}
    tensors.update({"base_model.model." + k: v for k, v in head.items()})
    write_safetensors(os.path.join(seqcls, "adapter_model.safetensors"), tensors, {"format": "pt"})
    # the keys a recent PEFT LoraConfig adds, at their defaults (src/peft/tuners/lora/config.py)
    write_json(os.path.join(seqcls, "adapter_config.json"), lora_config(
        task_type="SEQ_CLS", modules_to_save=["classifier", "score"], exclude_modules=None, layer_replication=None,
        loftq_config={}, megatron_config=None, megatron_core="megatron.core", lora_bias=False, use_qalora=False,
        qalora_group_size=16, eva_config=None, corda_config=None, trainable_token_indices=None,
        target_parameters=None, alora_invocation_tokens=None, runtime_config={"ephemeral_gpu_offload": False}))
    expected = {esm2j_name(*k): v for k, v in lora.items()}
    expected.update(head)
    write_safetensors(os.path.join(seqcls, "expected.safetensors"), expected, {"source": "make_peft_adapter.py"})


if __name__ == "__main__":
    main()
