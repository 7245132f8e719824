"""Relevance metrics for the baselines, with the usual TREC definitions.

coopsearch computes its own through search.evaluation; these exist so the baselines are scored
without importing the engine, and they follow the same definitions so the figures compare:
nDCG gains are 2^rel - 1 (the same as rel for CACM's binary judgements), and a query with no
judged-relevant document is left out of the means.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

Qrels = Mapping[str, Mapping[str, int]]  # query id -> document id -> relevance


def ndcg(ranked: Sequence[str], judged: Mapping[str, int], k: int) -> float:
    """Normalized discounted cumulative gain at k, exponential gains."""
    gains = (2 ** judged.get(doc, 0) - 1 for doc in ranked[:k])
    dcg = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(gains))
    ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:k]
    best = sum((2**gain - 1) / math.log2(rank + 2) for rank, gain in enumerate(ideal))
    return dcg / best if best else 0.0


def average_precision(ranked: Sequence[str], judged: Mapping[str, int], depth: int) -> float:
    """Precision at each relevant rank up to `depth`, over ALL relevant documents."""
    relevant = {doc for doc, gain in judged.items() if gain > 0}
    hits, total = 0, 0.0
    for rank, doc in enumerate(ranked[:depth], start=1):
        if doc in relevant:
            hits += 1
            total += hits / rank
    return total / len(relevant) if relevant else 0.0


def precision(ranked: Sequence[str], judged: Mapping[str, int], k: int) -> float:
    """Relevant documents in the top k, divided by k (not by the number returned)."""
    return sum(judged.get(doc, 0) > 0 for doc in ranked[:k]) / k


def recall(ranked: Sequence[str], judged: Mapping[str, int], k: int) -> float:
    """Share of the relevant documents found in the top k."""
    relevant = {doc for doc, gain in judged.items() if gain > 0}
    found = sum(doc in relevant for doc in ranked[:k])
    return found / len(relevant) if relevant else 0.0


def evaluate_runs(runs: Mapping[str, Sequence[str]], qrels: Qrels) -> dict[str, float]:
    """Mean nDCG@10, MAP@100, P@10 and Recall@100 over judged queries."""
    judged = [qid for qid, rels in qrels.items() if any(g > 0 for g in rels.values())]
    scores = {"ndcg@10": 0.0, "map@100": 0.0, "p@10": 0.0, "recall@100": 0.0}
    for qid in judged:
        ranked, rels = runs.get(qid, []), qrels[qid]
        scores["ndcg@10"] += ndcg(ranked, rels, 10)
        scores["map@100"] += average_precision(ranked, rels, 100)
        scores["p@10"] += precision(ranked, rels, 10)
        scores["recall@100"] += recall(ranked, rels, 100)
    return {name: total / len(judged) if judged else 0.0 for name, total in scores.items()}
