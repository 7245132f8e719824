"""How results are ordered: BM25F over the text fields, with the weights in one place.

Each query word (with its synonyms) is one concept. Its frequency in a document is the sum
over fields of weight x frequency, each field's frequency normalised by the field's length
relative to its average (BM25F); the concept's score saturates with k1 and is scaled by its
inverse document frequency. A document's score is the sum over the concepts it matches, so an
entry matching more of the query ranks higher without requiring every word.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .docdata import DocData


@dataclass(frozen=True)
class FieldWeight:
    weight: float
    b: float


#: Chosen from the middle of the best region of a coarse grid on the CACM collection
#: (title 2-3 with b 0.5-0.8, text b 0.5, authors 1, k1 1.2-1.6 all gave nDCG@10 >= 0.53),
#: not its single best point, so as not to fit one test collection too closely.
FIELD_WEIGHTS = {
    "title": FieldWeight(2.5, 0.6),
    "summary": FieldWeight(1.0, 0.5),
    "body": FieldWeight(1.0, 0.5),
    "authors": FieldWeight(1.0, 0.3),
}
K1 = 1.2
#: Added per extra phrase match, on top of the words' own scores.
PHRASE_BONUS = 0.5
#: Two neighbouring query words side by side in an entry (again in its title): this times
#: the rarer word's idf.
PROXIMITY_BONUS = 0.3
#: An entry of a theme the query names counts as using the word this often (before field
#: weights and saturation), on top of what it really has.
THEME_TF = 2.0


def length_norms(data: DocData) -> dict[str, np.ndarray]:
    """Per field, weight / (1 - b + b * length / average): the BM25F multiplier of a posting."""
    norms = {}
    for field, fw in FIELD_WEIGHTS.items():
        rel = data.lengths[field] / data.avg_length[field]
        norms[field] = (fw.weight / (1.0 - fw.b + fw.b * rel)).astype(np.float32)
    return norms


def idf(doc_freq: int, n: int) -> float:
    """BM25's inverse document frequency, kept positive for very common words."""
    return math.log(1.0 + (n - doc_freq + 0.5) / (doc_freq + 0.5))


def saturate(tf: np.ndarray) -> np.ndarray:
    """BM25's saturation of a weighted frequency."""
    return tf * (K1 + 1.0) / (K1 + tf)
