"""Write clipfinder/shipped_vectors.npz: the sentence model's vectors of every built-in rubric's
examples and counter-examples and of the ordinary call talk (pipeline/shipped_vectors.py).

make vectors   (needs the `meaning` extra; run it after editing a built-in rubric's examples or
               ordinary_talk.txt; tests/pipeline/test_shipped_vectors.py fails while one is missing)
"""

from __future__ import annotations

import numpy as np

from clipfinder.pipeline.sentence_model import sentence_model
from clipfinder.pipeline.shipped_vectors import FILE, built_in_texts, key


def main() -> None:
    texts = built_in_texts()
    vectors = sentence_model().embed(texts).astype(np.float16)
    np.savez_compressed(FILE, keys=np.array([key(t) for t in texts]), vectors=vectors)
    print(f"{len(texts)} sentences -> {FILE} ({FILE.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
