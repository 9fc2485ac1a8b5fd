#!/usr/bin/python3
"""Baselines for bench/risk.ts, on EXACTLY the tensors our model used.

Reads the folder written by runOuladBench(exportDir): normalised weekly
features [n, steps, features], labels and masks for train / validation /
test, and meta.json. For each week of prediction w, a learner's input is
its feature history up to w (steps 0..w, flattened): the same features and
the same learners (mask at step w) as our sequence model.

- logistic regression and gradient boosting (scikit-learn), Platt-calibrated
  and thresholded on validation exactly like our model; no metric on
  training data;
- the same architecture as ours in PyTorch (same weights layout, batch size,
  optimiser, loss), timed per epoch on this machine with the same number of
  threads.

Run with Debian's python3 (apt-get install python3-sklearn python3-torch).
"""
import argparse
import json
import os
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler


def load(folder, name, n, steps, features):
    x = np.fromfile(os.path.join(folder, f"{name}_x.f32"), dtype="<f4").reshape(n, steps, features)
    y = np.fromfile(os.path.join(folder, f"{name}_y.f32"), dtype="<f4").reshape(n, steps)
    m = np.fromfile(os.path.join(folder, f"{name}_mask.f32"), dtype="<f4").reshape(n, steps)
    return x, y, m


def at_week(x, y, m, w):
    rows = m[:, w] == 1
    return x[rows, : w + 1, :].reshape(rows.sum(), -1), y[rows, w].astype(int)


def platt(scores_val, y_val):
    lr = LogisticRegression(C=1e6, max_iter=1000)
    lr.fit(scores_val.reshape(-1, 1), y_val)
    return lambda s: lr.predict_proba(s.reshape(-1, 1))[:, 1]


def best_f1_threshold(y, p):
    order = np.argsort(-p, kind="stable")
    ys, ps = y[order], p[order]
    tp = np.cumsum(ys)
    fp = np.cumsum(1 - ys)
    last = np.r_[ps[1:] != ps[:-1], True]  # evaluate at the end of each tie group
    f1 = np.where(tp > 0, 2 * tp / (tp + fp + ys.sum()), 0)
    f1 = np.where(last, f1, -1)
    k = int(np.argmax(f1))
    return float(ps[k])


def ece(y, p, bins=10):
    idx = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        sel = idx == b
        if sel.any():
            total += sel.mean() * abs(p[sel].mean() - y[sel].mean())
    return float(total)


def evaluate(y, p, threshold):
    pred = p >= threshold
    tp = int((pred & (y == 1)).sum())
    fp = int((pred & (y == 0)).sum())
    fn = int((~pred & (y == 1)).sum())
    return {
        "auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "f1": 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn),
        "brier": float(brier_score_loss(y, p)),
        "ece": ece(y, p),
        "threshold": threshold,
        "n_test": int(len(y)),
    }


def _resample_counts(n, rounds, seed):
    """How many times each test learner is drawn in each bootstrap resample [rounds, n] (the same draws for every model)."""
    rng = np.random.default_rng(seed)
    counts = np.zeros((rounds, n), dtype=np.float64)
    for r in range(rounds):
        counts[r] = np.bincount(rng.integers(0, n, n), minlength=n)
    return counts


def weighted_aucs(y, p, counts):
    """AUC of scores p on each resample given by `counts` [rounds, n] (ties count one half): the
    Mann-Whitney statistic with each learner weighted by its draws, vectorised over resamples."""
    order = np.argsort(p, kind="stable")
    ps, ys, c = p[order], y[order], counts[:, order]
    starts = np.r_[0, np.flatnonzero(ps[1:] != ps[:-1]) + 1]  # tie groups of equal scores
    pos = np.add.reduceat(c * (ys == 1), starts, axis=1)
    neg = np.add.reduceat(c * (ys == 0), starts, axis=1)
    below = np.cumsum(neg, axis=1) - neg  # negatives strictly below each group
    num = (pos * (below + 0.5 * neg)).sum(axis=1)
    den = pos.sum(axis=1) * neg.sum(axis=1)
    ok = den > 0
    return num[ok] / den[ok]


def paired_bootstrap(y, ours, theirs, rounds=1000, seed=0):
    """AUC(ours) - AUC(theirs) on the same test learners, and its spread over
    bootstrap resamples of those learners (both models scored on each resample)."""
    counts = _resample_counts(len(y), rounds, seed)
    diffs = weighted_aucs(y, ours, counts) - weighted_aucs(y, theirs, counts)
    return {
        "difference": float(roc_auc_score(y, ours) - roc_auc_score(y, theirs)),
        "ci95": [float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5))],
        "share_ours_below": float((diffs < 0).mean()),
        "rounds": int(len(diffs)),
    }


def run_tabular(meta, data, ours_test=None):
    out = {"logistic_regression": [], "gradient_boosting": []}
    seed = meta["seed"]
    for w in meta["weeks"]:
        xtr, ytr = at_week(*data["train"], w)
        xva, yva = at_week(*data["validation"], w)
        xte, yte = at_week(*data["test"], w)
        models = {
            "logistic_regression": LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced"),
            # No internal early stopping: it would draw a random validation split across periods.
            "gradient_boosting": HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, max_leaf_nodes=31, early_stopping=False, random_state=seed),
        }
        for name, model in models.items():
            t0 = time.perf_counter()
            model.fit(xtr, ytr)
            fit_s = time.perf_counter() - t0
            score = (lambda X: model.decision_function(X)) if name == "logistic_regression" else (lambda X: model.predict_proba(X)[:, 1])
            sva, ste = score(xva), score(xte)
            if name == "gradient_boosting":  # Platt on log-odds
                sva, ste = np.log(np.clip(sva, 1e-6, 1 - 1e-6) / np.clip(1 - sva, 1e-6, 1)), np.log(np.clip(ste, 1e-6, 1 - 1e-6) / np.clip(1 - ste, 1e-6, 1))
            cal = platt(sva, yva)
            pva, pte = cal(sva), cal(ste)
            r = evaluate(yte, pte, best_f1_threshold(yva, pva))
            r.update({"week": w, "fit_seconds": fit_s, "n_features": int(xtr.shape[1]), "n_train": int(len(ytr)), "validation_auc": float(roc_auc_score(yva, pva)), "auc_ci95": bootstrap_interval(yte, pte, seed=seed + w)})
            if ours_test is not None:  # ours minus this baseline, same learners, with its bootstrap 95% interval
                rows = data["test"][2][:, w] == 1
                r["ours_minus_this"] = paired_bootstrap(yte, ours_test[rows, w], pte, seed=seed + w)
            out[name].append(r)
    return out


def bootstrap_interval(y, p, rounds=1000, seed=0):
    """95% interval of the AUC over bootstrap resamples of the test learners."""
    aucs = weighted_aucs(y, p, _resample_counts(len(y), rounds, seed))
    return [float(np.percentile(aucs, 2.5)), float(np.percentile(aucs, 97.5))]


def run_snapshot(meta, snap, data, ours_test=None):
    """The second baseline set: plain models, one per week, on the 23 snapshot
    features of that week (not our weekly pipeline): logistic regression,
    gradient boosting and a two-layer MLP (64, 32; scikit-learn), each
    Platt-calibrated and thresholded on validation like ours."""
    out = {"features": meta["snapshot_features"], "logistic_regression": [], "gradient_boosting": [], "mlp": []}
    seed = meta["seed"]
    for w in meta["weeks"]:
        rows = {k: data[k][2][:, w] == 1 for k in ("train", "validation", "test")}
        xs = {k: snap[k][rows[k], w, :] for k in rows}
        ys = {k: data[k][1][rows[k], w].astype(int) for k in rows}
        scaler = StandardScaler().fit(xs["train"])
        zs = {k: scaler.transform(v) for k, v in xs.items()}
        models = {
            "logistic_regression": (LogisticRegression(C=1.0, max_iter=3000, class_weight="balanced"), True),
            "gradient_boosting": (HistGradientBoostingClassifier(max_iter=300, learning_rate=0.05, max_leaf_nodes=31, early_stopping=False, random_state=seed), False),
            "mlp": (MLPClassifier(hidden_layer_sizes=(64, 32), alpha=1e-3, max_iter=300, early_stopping=False, random_state=seed), True),
        }
        for name, (model, scaled) in models.items():
            src = zs if scaled else xs
            t0 = time.perf_counter()
            model.fit(src["train"], ys["train"])
            fit_s = time.perf_counter() - t0
            if name == "logistic_regression":
                sva, ste = model.decision_function(src["validation"]), model.decision_function(src["test"])
            else:
                pv, pt = model.predict_proba(src["validation"])[:, 1], model.predict_proba(src["test"])[:, 1]
                logit = lambda p: np.log(np.clip(p, 1e-6, 1 - 1e-6) / np.clip(1 - p, 1e-6, 1))
                sva, ste = logit(pv), logit(pt)
            cal = platt(sva, ys["validation"])
            pva, pte = cal(sva), cal(ste)
            r = evaluate(ys["test"], pte, best_f1_threshold(ys["validation"], pva))
            r.update({"week": w, "fit_seconds": fit_s, "n_features": int(xs["train"].shape[1]), "n_train": int(len(ys["train"])),
                      "validation_auc": float(roc_auc_score(ys["validation"], pva)), "auc_ci95": bootstrap_interval(ys["test"], pte, seed=seed + w)})
            if ours_test is not None:
                r["ours_minus_this"] = paired_bootstrap(ys["test"], ours_test[rows["test"], w], pte, seed=seed + w)
            out[name].append(r)
    return out


def run_torch(meta, data, epochs):
    import torch
    import torch.nn as nn

    default_threads = torch.get_num_threads()  # the machine's default, before setting ours
    threads = int(meta["training"]["threads"])
    torch.set_num_threads(threads)
    torch.manual_seed(meta["seed"])
    cfg = meta["model"]
    f, h, steps = cfg["inputSize"], cfg["hidden"], cfg["steps"]
    arch = cfg["architecture"]

    class History(nn.Module):
        """The history path: a linear model per week over the flattened history of some features (causal mask)."""

        def __init__(self):
            super().__init__()
            self.read = cfg.get("historyFeatures") or list(range(f))
            k = len(self.read)
            self.history_kernel = nn.Parameter(torch.zeros(steps * k, steps))
            self.history_bias = nn.Parameter(torch.zeros(steps))
            self.register_buffer("history_mask", (torch.arange(steps).repeat_interleave(k)[:, None] <= torch.arange(steps)[None, :]).float())

        def forward(self, x):
            return x[:, :, self.read].reshape(x.shape[0], -1) @ (self.history_kernel * self.history_mask) + self.history_bias

    history = History() if cfg.get("history", False) else None

    class TCN(nn.Module):
        def __init__(self):
            super().__init__()
            k = cfg.get("kernel", 3)
            self.k, self.dil = k, cfg.get("dilations", [1, 2, 4, 8])
            self.inp = nn.Linear(f, h)
            self.convs = nn.ModuleList([nn.Linear(k * h, h) for _ in self.dil])
            self.head = nn.Linear(h, 1)
            self.history = history

        def forward(self, x):
            z = torch.relu(self.inp(x))
            for d, conv in zip(self.dil, self.convs):
                taps = [z] + [nn.functional.pad(z, (0, 0, j * d, 0))[:, :steps, :] for j in range(1, self.k)]
                z = z + torch.relu(conv(torch.cat(taps, dim=2)))
            z = self.head(z).squeeze(-1)
            return z + self.history(x) if self.history is not None else z

    class GRU(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(f, h, batch_first=True)
            self.head = nn.Linear(h, 1)
            self.wide = cfg.get("wide", False)
            if self.wide:  # per-week linear path on the week's own features, added to the logit
                self.wide_kernel = nn.Parameter(torch.zeros(steps, f))
                self.wide_bias = nn.Parameter(torch.zeros(steps))
            self.history = history
            if cfg.get("weeklyHead", False):  # per-week offset of the head's weights (engine: head/weekly)
                self.weekly = nn.Parameter(torch.zeros(steps, h))
            else:
                self.weekly = None

        def forward(self, x):
            hs = self.gru(x)[0]
            z = self.head(hs).squeeze(-1)
            if self.weekly is not None:
                z = z + (hs * self.weekly).sum(-1)
            if self.wide:
                z = z + (x * self.wide_kernel).sum(-1) + self.wide_bias
            return z + self.history(x) if self.history is not None else z

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp = nn.Linear(f, h)
            self.pos = nn.Parameter(torch.randn(steps, h) * 0.02)
            self.q, self.k, self.v, self.o = (nn.Linear(h, h, bias=False) for _ in range(4))
            self.ffn = nn.Sequential(nn.Linear(h, 2 * h), nn.ReLU(), nn.Linear(2 * h, h))
            self.head = nn.Linear(h, 1)
            self.register_buffer("mask", torch.triu(torch.full((steps, steps), -1e9), diagonal=1))
            self.history = history

        def forward(self, x):
            e = self.inp(x) + self.pos
            s = self.q(e) @ self.k(e).transpose(1, 2) / h ** 0.5 + self.mask
            h1 = e + self.o(torch.softmax(s, dim=-1) @ self.v(e))
            z = self.head(h1 + self.ffn(h1)).squeeze(-1)
            return z + self.history(x) if self.history is not None else z

    model = {"tcn": TCN, "gru": GRU, "attention": Attention}[arch]()
    x, y, m = (torch.from_numpy(a) for a in data["train"])
    cw = meta["training"]["classWeights"]
    w = m * (y * cw["positive"] + (1 - y) * cw["negative"])
    # L2 on the kernels only (not biases), as ours: grad += weight_decay * w.
    decay = float(meta["training"].get("weightDecay", 0) or 0)
    kernels = [p for n, p in model.named_parameters() if "bias" not in n and n != "pos"]
    others = [p for n, p in model.named_parameters() if "bias" in n or n == "pos"]
    opt = torch.optim.Adam([{"params": kernels, "weight_decay": decay}, {"params": others, "weight_decay": 0.0}], lr=meta["training"]["learningRate"])
    bs = meta["training"]["batchSize"]
    gen = torch.Generator().manual_seed(meta["seed"])
    times, cpu_times = [], []
    for _ in range(epochs):
        t0, c0 = time.perf_counter(), time.process_time()
        order = torch.randperm(x.shape[0], generator=gen)
        for s in range(0, x.shape[0], bs):
            idx = order[s : s + bs]
            z = model(x[idx])
            loss = (nn.functional.binary_cross_entropy_with_logits(z, y[idx], reduction="none") * w[idx]).sum() / w[idx].sum().clamp_min(1e-6)
            opt.zero_grad()
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
        cpu_times.append(time.process_time() - c0)
    with torch.no_grad():
        xv, yv, mv = (torch.from_numpy(a) for a in data["validation"])
        zv = model(xv)
        sel = mv == 1
        val_auc = float(roc_auc_score(yv[sel].numpy(), zv[sel].numpy()))
    return {
        "architecture": arch,
        "threads": threads,
        "torch_version": torch.__version__,
        "epochs_timed": epochs,
        "epoch_seconds": times,
        "seconds_per_epoch_median": float(np.median(times)),
        "epoch_cpu_seconds": cpu_times,
        "cpu_seconds_per_epoch_median": float(np.median(cpu_times)),
        "default_threads": default_threads,
        "validation_auc_after_timed_epochs": val_auc,
        "parameters": int(sum(p.numel() for p in model.parameters())),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--torch-epochs", type=int, default=3)
    ap.add_argument("--torch-only", action="store_true", help="only time the PyTorch model (paired timing)")
    args = ap.parse_args()
    meta = json.load(open(os.path.join(args.data, "meta.json")))
    steps, nf = meta["steps"], len(meta["features"])
    data = {k: load(args.data, k, meta["n"][k], steps, nf) for k in ("train", "validation", "test")}
    ours_path = os.path.join(args.data, "test_ours.f32")
    ours_test = np.fromfile(ours_path, dtype="<f4").reshape(meta["n"]["test"], steps) if os.path.exists(ours_path) else None
    result = {} if args.torch_only else run_tabular(meta, data, ours_test)
    snap_path = os.path.join(args.data, "train_snap.f32")
    if not args.torch_only and os.path.exists(snap_path) and meta.get("snapshot_features"):
        ns = len(meta["snapshot_features"])
        snap = {k: np.fromfile(os.path.join(args.data, f"{k}_snap.f32"), dtype="<f4").reshape(meta["n"][k], steps, ns) for k in ("train", "validation", "test")}
        result["snapshot"] = run_snapshot(meta, snap, data, ours_test)
    if not args.torch_only and ours_test is not None:  # our AUC's own bootstrap interval, same resampling
        result["ours_auc_ci95"] = [{"week": w, "auc_ci95": bootstrap_interval(data["test"][1][data["test"][2][:, w] == 1, w].astype(int), ours_test[data["test"][2][:, w] == 1, w], seed=meta["seed"] + w)} for w in meta["weeks"]]
    try:
        result["pytorch"] = run_torch(meta, data, args.torch_epochs)
    except ImportError as e:  # torch missing: say so, do not hide it
        result["pytorch"] = {"error": f"PyTorch not available: {e}"}
    json.dump(result, open(args.json, "w"), indent=2)


if __name__ == "__main__":
    main()
