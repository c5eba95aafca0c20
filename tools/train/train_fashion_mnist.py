#!/usr/bin/python3
"""Train the Fashion-MNIST CNN in float, then quantization-aware at each width pair, and export
every model to ONNX with PyTorch's top-1 predictions on the 10k test images beside it.

  tools/train/setup.sh
  /usr/bin/python3 tools/train/train_fashion_mnist.py --out models

Single-threaded by default (torch.set_num_threads(1)) so a shared machine keeps a core free.
"""
import argparse
import copy
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cnn  # noqa: E402
import fmnist_data  # noqa: E402
from onnx_export import export_qdq  # noqa: E402


def batches(x, y, size, shuffle, gen=None):
    idx = torch.randperm(len(x), generator=gen) if shuffle else torch.arange(len(x))
    for i in range(0, len(x), size):
        j = idx[i:i + size]
        yield x[j], y[j]


def augment(x, gen):
    """Random shifts of up to 2 pixels (zero padded) and horizontal flips, per image."""
    n = x.shape[0]
    p = F.pad(x, (2, 2, 2, 2))
    dy = torch.randint(0, 5, (n,), generator=gen)
    dx = torch.randint(0, 5, (n,), generator=gen)
    r = torch.arange(28)
    rows = (dy[:, None] + r)[:, :, None]
    cols = (dx[:, None] + r)[:, None, :]
    out = p[torch.arange(n)[:, None, None], 0, rows, cols].unsqueeze(1)
    flip = torch.rand(n, generator=gen) < 0.5
    out[flip] = out[flip].flip(-1)
    return out


@torch.no_grad()
def predict(fn, x):
    return torch.cat([fn(xb).argmax(1) for xb, _ in batches(x, x, 1000, False)])


def train(model, data, epochs, lr, gen, log):
    xtr, ytr = data
    params = [{"params": [p for n, p in model.named_parameters() if "scale" not in n], "weight_decay": 1e-4},
              {"params": [p for n, p in model.named_parameters() if "scale" in n], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(params, lr=lr)
    steps = epochs * ((len(xtr) + 127) // 128)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    for epoch in range(epochs):
        model.train()
        t0, total, n = time.time(), 0.0, 0
        for xb, yb in batches(xtr, ytr, 128, True, gen):
            loss = F.cross_entropy(model(augment(xb, gen)), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(xb)
            n += len(xb)
        log(f"  epoch {epoch + 1}/{epochs}: loss {total / n:.4f} ({time.time() - t0:.0f} s)")
    model.eval()


def save_predictions(path, pred):
    with open(path, "w") as f:
        f.write("".join(str(int(c)) for c in pred) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="models")
    ap.add_argument("--data", default=fmnist_data.DEFAULT_DIR)
    ap.add_argument("--configs", default="8/8,4/4,3/3,2/2,1/1,2/4", help="W/A pairs for QAT")
    ap.add_argument("--float-epochs", type=int, default=15)
    ap.add_argument("--qat-epochs", type=int, default=8)
    ap.add_argument("--binary-epochs", type=int, default=15, help="QAT epochs when W or A is 1 bit")
    ap.add_argument("--folded-epochs", type=int, default=2, help="fine-tuning epochs after folding BatchNorm")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--train-limit", type=int, default=0, help="use only this many training images (smoke test)")
    ap.add_argument("--float-checkpoint", default="", help="reuse (or write) the float weights here")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    t_start = time.time()

    def log(msg):
        print(msg, flush=True)

    xtr, ytr = fmnist_data.load("train", args.data)
    xte, yte = fmnist_data.load("t10k", args.data)
    xtr = torch.from_numpy(xtr.astype(np.float32) / 255.0).unsqueeze(1)
    xte = torch.from_numpy(xte.astype(np.float32) / 255.0).unsqueeze(1)
    ytr = torch.from_numpy(ytr.astype(np.int64))
    if args.train_limit:
        xtr, ytr = xtr[:args.train_limit], ytr[:args.train_limit]
    yte = torch.from_numpy(yte.astype(np.int64))
    summary = {"command": " ".join(sys.argv), "torch": torch.__version__, "threads": args.threads, "models": []}

    def record(name, pred, seconds, widths, extra=None):
        acc = float((pred == yte).float().mean())
        save_predictions(os.path.join(args.out, f"{name}.pytorch-top1.txt"), pred)
        entry = {"model": f"{name}.onnx", "accuracy": acc, "train_seconds": round(seconds),
                 "widths": [{"layer": n, "wbits": w, "abits": a} for n, w, a in widths]}
        entry.update(extra or {})
        summary["models"].append(entry)
        log(f"{name}: top-1 {acc * 100:.2f} % ({seconds:.0f} s)")

    # --- float ------------------------------------------------------------------------------
    fmodel = cnn.FashionCNN()
    t0 = time.time()
    if args.float_checkpoint and os.path.exists(args.float_checkpoint):
        fmodel.load_state_dict(torch.load(args.float_checkpoint))
        fmodel.eval()
        log(f"float: loaded {args.float_checkpoint}")
    else:
        log(f"float: {args.float_epochs} epochs")
        train(fmodel, (xtr, ytr), args.float_epochs, 3e-3, gen, log)
        if args.float_checkpoint:
            torch.save(fmodel.state_dict(), args.float_checkpoint)
    view = cnn.FloatExportView(fmodel).eval()
    torch.onnx.export(view, torch.zeros(1, 1, 28, 28), os.path.join(args.out, "fashion_float.onnx"),
                      input_names=["input"], output_names=["logits"], opset_version=13,
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                      training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    record("fashion_float", predict(view, xte), time.time() - t0, fmodel.layer_widths())

    # --- quantization-aware training, one model per width pair ----------------------------------
    for cfg in filter(None, args.configs.split(",")):
        wbits, abits = (int(v) for v in cfg.split("/"))
        name = f"fashion_w{wbits}a{abits}"
        epochs = args.binary_epochs if min(wbits, abits) == 1 else args.qat_epochs
        log(f"{name}: {epochs} epochs of QAT from the float weights")
        t0 = time.time()
        # Each model's own seed: results do not depend on whether the float model was trained in
        # this run or loaded from --float-checkpoint.
        torch.manual_seed(args.seed * 1000 + wbits * 10 + abits)
        gen = torch.Generator().manual_seed(args.seed * 1000 + wbits * 10 + abits)
        qmodel = cnn.FashionCNN(wbits, abits)
        qmodel.load_state_dict(copy.deepcopy(fmodel.state_dict()), strict=False)
        train(qmodel, (xtr, ytr), epochs, 1e-3, gen, log)
        qat_acc = float((predict(qmodel, xte) == yte).float().mean())
        # Fold BatchNorm and fine-tune the folded form, whose int32 biases are fake-quantized too:
        # it is exactly the graph that is exported.
        folded = cnn.fold_batchnorm(qmodel)
        log(f"  BatchNorm folded; {args.folded_epochs} epochs of fine-tuning the folded form")
        train(folded, (xtr, ytr), args.folded_epochs, 2e-4, gen, log)
        layers = cnn.integer_form(folded)
        same = float((predict(folded, xte) == predict(lambda x: cnn.run_integer_form(layers, x), xte)).float().mean())
        log(f"  folded model vs exported integer form: {same * 100:.2f} % identical predictions")
        export_qdq(layers, os.path.join(args.out, f"{name}.onnx"), name, qmodel.layer_widths())
        record(name, predict(lambda x: cnn.run_integer_form(layers, x), xte), time.time() - t0,
               qmodel.layer_widths(), {"qat_model_accuracy": qat_acc, "epochs": epochs,
                "folded_epochs": args.folded_epochs})

    summary["total_seconds"] = round(time.time() - t_start)
    with open(os.path.join(args.out, "training_summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    log(f"done in {summary['total_seconds']} s")


if __name__ == "__main__":
    main()
