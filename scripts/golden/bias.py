#!/usr/bin/env python3
"""Golden fairness metrics from fairlearn (and scikit-learn, numpy) for gatehouse's bias gate.

Writes a deterministic predictions file, test/fixtures/golden/bias/predictions.csv
(id, label, score, prediction at 0.5, gender, age), and the metrics fairlearn
computes on it, for one sensitive feature and for the intersection of two, to
test/fixtures/golden/bias/metrics.json: every fairness metric the bias gate
judges (the calibration error difference is fairlearn's MetricFrame difference
of a binned ECE, which fairlearn does not ship), and the per-group figures.

Run from the repository root inside the project virtualenv:
    .venv/bin/python scripts/golden/bias.py
"""

import csv
import importlib.metadata
import json
import pathlib

import numpy as np
import pandas as pd
from fairlearn.metrics import (
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equalized_odds_difference,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import brier_score_loss

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "test" / "fixtures" / "golden" / "bias"
rng = np.random.default_rng(7)
N = 5000


def expected_calibration_error(labels, scores, bins=10):
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(scores, edges[1:-1], right=False), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            total += mask.sum() / len(scores) * abs(scores[mask].mean() - labels[mask].mean())
    return float(total)


def main():
    gender = rng.choice(["f", "m"], size=N, p=[0.45, 0.55])
    age = rng.choice(["young", "middle", "old"], size=N, p=[0.3, 0.5, 0.2])
    base = 0.35 + 0.1 * (gender == "m") + 0.05 * (age == "middle") - 0.08 * (age == "old")
    label = (rng.random(N) < base).astype(int)
    score = np.clip(0.25 + 0.45 * label + 0.08 * (gender == "m") + rng.normal(0, 0.18, N), 0.001, 0.999).round(4)
    prediction = (score >= 0.5).astype(int)
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "predictions.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "label", "score", "prediction", "gender", "age"])
        for i in range(N):
            writer.writerow([f"p{i:05d}", int(label[i]), f"{score[i]:.4f}", int(prediction[i]), gender[i], age[i]])

    def describe(features):
        frame = MetricFrame(
            metrics={"selection_rate": selection_rate, "true_positive_rate": true_positive_rate, "false_positive_rate": false_positive_rate},
            y_true=label, y_pred=prediction, sensitive_features=features,
        )
        groups = {}
        for key, row in frame.by_group.iterrows():
            name = "&".join(key) if isinstance(key, tuple) else key
            mask = np.ones(N, dtype=bool)
            values = key if isinstance(key, tuple) else (key,)
            for column, value in zip(features.columns if isinstance(features, pd.DataFrame) else [features.name], values):
                mask &= (features[column] if isinstance(features, pd.DataFrame) else features).to_numpy() == value
            groups[name] = {
                "n": int(mask.sum()),
                "selection_rate": float(row["selection_rate"]),
                "true_positive_rate": float(row["true_positive_rate"]),
                "false_positive_rate": float(row["false_positive_rate"]),
                "brier": float(brier_score_loss(label[mask], score[mask])),
                "ece": expected_calibration_error(label[mask], score[mask]),
            }
        calibration = MetricFrame(metrics=expected_calibration_error, y_true=label, y_pred=score, sensitive_features=features)
        return {
            "calibration_error_difference": float(calibration.difference()),
            "demographic_parity_difference": float(demographic_parity_difference(label, prediction, sensitive_features=features)),
            "demographic_parity_ratio": float(demographic_parity_ratio(label, prediction, sensitive_features=features)),
            "equal_opportunity_difference": float(equal_opportunity_difference(label, prediction, sensitive_features=features)),
            "equalized_odds_difference": float(equalized_odds_difference(label, prediction, sensitive_features=features)),
            "groups": groups,
        }

    frame = pd.DataFrame({"gender": gender, "age": age})
    golden = {
        "generator": f"fairlearn {importlib.metadata.version('fairlearn')}, scikit-learn {importlib.metadata.version('scikit-learn')}, numpy {importlib.metadata.version('numpy')} via scripts/golden/bias.py",
        "n": N,
        "gender": describe(pd.Series(gender, name="gender")),
        "gender_age": describe(frame),
    }
    (OUT / "metrics.json").write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
