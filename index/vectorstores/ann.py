"""Which FAISS index a corpus gets, how it is sized and searched, and when it must be rebuilt.

Exact (flat) search scans every vector: about 0.2 ms per thousand 384-d vectors on one core,
so it meets a 5 ms budget up to roughly 25,000 vectors. Above `ann_threshold` the store switches
to an approximate kind, sized from the corpus as FAISS's "Guidelines to choose an index" and
txtai's `cells()` suggest. Every kind sits inside an IndexIDMap2, so ids stay the docstore's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, get_args

import faiss
import numpy as np

# The approximate kinds and the index_factory string of each (`{m}`: HNSW links per node,
# `{nlist}`: IVF cells). All use inner product on normalized vectors, i.e. cosine.
APPROXIMATE = {
    "hnsw": "IDMap2,HNSW{m}",
    "hnsw-sq8": "IDMap2,HNSW{m}_SQ8",
    "ivf-sq8": "IDMap2,IVF{nlist},SQ8",
}
AnnKind = Literal["auto", "flat", "hnsw", "hnsw-sq8", "ivf-sq8"]
KINDS: tuple[str, ...] = get_args(AnnKind)
# `auto` is HNSW up to AUTO_IVF_ABOVE vectors and IVF-SQ8 beyond: on real vectors HNSW is
# near-exact, while at a million near-copies (syndicated news) its graph gets lost and IVF-SQ8
# holds them together in a quarter of the memory. The measurements: docs/benchmarks.md,
# "Approximate indexes" (`newsrag ann`).
AUTO = "hnsw"
AUTO_LARGE = "ivf-sq8"
AUTO_IVF_ABOVE = 500_000
MIN_APPROXIMATE = 1_000  # below this a trained quantizer or graph has too little to learn from
TRAIN_PER_CELL = 64  # the guidelines ask for 30 to 256 training vectors per IVF cell
TRAIN_SQ = 100_000  # scalar-quantizer ranges settle long before this
MAX_DEAD = 0.2  # deleted-but-present share that triggers compaction
GROWTH = 4.0  # IVF retrains once it holds this many times the vectors it was sized for
MAX_IMBALANCE = 3.0  # IVF retrains when its lists grow this uneven (k-means gives ~1.2-2)
MAX_WIDENING = 16  # filtered ANN search widens efSearch/nprobe at most this many times


@dataclass(frozen=True)
class AnnSettings:
    """The FAISS store's options (NEWSRAG_ANN, NEWSRAG_HNSW_M, …: service.config reads them
    into this, and takes its defaults from here)."""

    ann: AnnKind = "auto"
    ann_threshold: int = 25_000
    hnsw_m: int = 32
    ef_construction: int = 80
    ef_search: int = 64
    nprobe: int = 96  # recall against speed at 1M vectors: docs/benchmarks.md
    mmap: bool = False
    exact_filter_max: int = 20_000

    def __post_init__(self) -> None:
        if self.ann not in KINDS:
            raise ValueError(f"unknown ANN kind {self.ann!r}; known: {', '.join(KINDS)}")


def target_kind(settings: AnnSettings, live: int, current: str) -> str:
    """The kind `live` vectors should be in. Each step back (approximate to flat, IVF to HNSW
    under `auto`) waits for the count to fall to half its threshold, so a corpus hovering at
    a threshold is not rebuilt on every write."""
    if settings.ann == "flat":
        return "flat"
    floor = settings.ann_threshold if current == "flat" else settings.ann_threshold // 2
    if live <= max(floor, MIN_APPROXIMATE - 1):
        return "flat"
    if settings.ann != "auto":
        return settings.ann
    large = AUTO_IVF_ABOVE // 2 if current == AUTO_LARGE else AUTO_IVF_ABOVE
    return AUTO_LARGE if live > large else AUTO


def cells(count: int) -> int:
    """IVF cells for `count` vectors: 4·sqrt(N), with at least 39 vectors per cell (txtai)."""
    return max(1, min(round(4 * math.sqrt(count)), count // 39))


def sized_for(nlist: int) -> int:
    """The corpus size `cells` would give `nlist` cells for (its inverse)."""
    return max(round((nlist / 4) ** 2), 39 * nlist)


def build(kind: str, dimension: int, vectors: np.ndarray, settings: AnnSettings) -> Any:
    """An empty index of `kind`, trained on a sample of `vectors` when the kind needs it."""
    if kind == "flat":
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
    spec = APPROXIMATE[kind].format(m=settings.hnsw_m, nlist=cells(len(vectors)))
    index: Any = faiss.index_factory(dimension, spec, faiss.METRIC_INNER_PRODUCT)
    inner: Any = faiss.downcast_index(index.index)
    if isinstance(inner, faiss.IndexHNSW):
        inner.hnsw.efConstruction = settings.ef_construction
    if not index.is_trained:
        index.train(_sample(vectors, _train_size(inner)))
    if isinstance(inner, faiss.IndexIVF):
        inner.make_direct_map(True)  # reconstruct by position: exact filtered search, rebuilds
    return index


def _train_size(inner: Any) -> int:
    return TRAIN_PER_CELL * inner.nlist if isinstance(inner, faiss.IndexIVF) else TRAIN_SQ


def _sample(vectors: np.ndarray, size: int) -> np.ndarray:
    if len(vectors) <= size:
        return vectors
    rows = np.sort(np.random.default_rng(0).choice(len(vectors), size, replace=False))
    return np.ascontiguousarray(vectors[rows])


def kind_of(index: Any) -> str | None:
    """The kind of a loaded index, or None for a layout this store never writes."""
    if not isinstance(index, faiss.IndexIDMap2):
        return None
    inner = faiss.downcast_index(index.index)
    for kind, cls in (
        ("hnsw-sq8", faiss.IndexHNSWSQ),
        ("hnsw", faiss.IndexHNSWFlat),
        ("ivf-sq8", faiss.IndexIVFScalarQuantizer),
        ("flat", faiss.IndexFlat),
    ):
        if isinstance(inner, cls):
            return kind
    return None


def is_ivf(index: Any) -> bool:
    return isinstance(faiss.downcast_index(index.index), faiss.IndexIVF)


def search_params(
    index: Any, k: int, settings: AnnSettings, share: float, sel: Any, exhaustive: bool = False
) -> Any:
    """Per-search parameters: efSearch or nprobe from settings, widened by 1/`share` (the
    fraction of vectors the selector lets through) so filtered searches still fill k;
    `exhaustive` scans every IVF list (the selector skips all but the allowed codes)."""
    inner: Any = faiss.downcast_index(index.index)
    widen = max(1.0, min(MAX_WIDENING, 1 / max(share, 1e-9)))
    if isinstance(inner, faiss.IndexHNSW):
        ef = max(k, math.ceil(settings.ef_search * widen))
        return _params("SearchParametersHNSW", efSearch=ef, sel=sel)
    if isinstance(inner, faiss.IndexIVF):
        nprobe = inner.nlist if exhaustive else math.ceil(settings.nprobe * widen)
        return _params("SearchParametersIVF", nprobe=min(inner.nlist, nprobe), sel=sel)
    return _params("SearchParameters", sel=sel)


def _params(name: str, **values: Any) -> Any:
    """FAISS's own keyword constructor (it keeps `sel` alive); its stubs do not know it."""
    return getattr(faiss, name)(**values)


def drift(index: Any, live: int, dead: int) -> str | None:
    """Why the index should be rebuilt from its live vectors, or None while it is fine."""
    if dead > MAX_DEAD * (live + dead):
        return f"{dead} of {live + dead} vectors are deleted"
    inner: Any = faiss.downcast_index(index.index)
    if not isinstance(inner, faiss.IndexIVF):
        return None
    planned = sized_for(inner.nlist)
    if live > GROWTH * planned:
        return f"{live} vectors in {inner.nlist} cells sized for {planned}"
    # Only a grown index is checked: a fresh k-means on skewed data must not loop rebuilds.
    lists: Any = inner.invlists
    imbalance = float(lists.imbalance_factor())
    if live > 1.5 * planned and imbalance > MAX_IMBALANCE:
        return f"IVF lists imbalanced ({imbalance:.1f} > {MAX_IMBALANCE})"
    return None
