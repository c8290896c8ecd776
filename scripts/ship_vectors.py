"""Write clipfinder/shipped_vectors.npz: the sentence model's vectors of every built-in rubric's
examples and counter-examples and of the ordinary call talk (pipeline/shipped_vectors.py).

make vectors   (needs the `meaning` extra; run it after editing a built-in rubric's examples or
               ordinary_talk.txt; tests/pipeline/test_shipped_vectors.py fails while one is missing)
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np

from clipfinder.pipeline.sentence_model import sentence_model
from clipfinder.pipeline.shipped_vectors import FILE, built_in_texts, key


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """np.savez_compressed without the time of writing inside, so the same vectors give the same
    bytes and `make vectors` changes the file only when a sentence changed."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, array, allow_pickle=False)
            entry = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, buffer.getvalue())


def main() -> None:
    texts = built_in_texts()
    vectors = sentence_model().embed(texts).astype(np.float16)
    write_npz(FILE, {"keys": np.array([key(t) for t in texts]), "vectors": vectors})
    print(f"{len(texts)} sentences -> {FILE} ({FILE.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
