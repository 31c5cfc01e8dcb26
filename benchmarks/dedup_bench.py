"""Dedup: pairwise precision/recall on the labelled set, and cost and memory at scale.

    flock /tmp/kibaru-bench.lock .venv/bin/python benchmarks/dedup_bench.py \
        [--sizes 10000,100000,500000] [--baseline-docs 10000] [--database-docs 10000] \
        [--redis-port PORT] [--redis-db 0]

   Without ``--redis-port`` it starts a redis-server of its own on a free port (stopped at
   exit). The Redis database it uses is flushed before and after: never name one that holds
   an operator's data.

1. Quality. The labelled syndication set (``tests/fixtures/syndication/syndication.jsonl``)
   goes through kibaru's dedup (Redis index and database index) and through a plain
   datasketch ``MinHashLSH(threshold=0.5, num_perm=128)`` over the same word 3-shingles of
   the same normalised text, whose clusters are the connected components of "found as an LSH
   candidate". Pairwise precision, recall and F1 (``workers.stages.dedup.evaluate``), for the
   file order and two shuffles.
2. Scale. Synthetic news-like documents (~300 words, French function words around a Zipf
   vocabulary, figures, datelines; one in ten a republished copy of a recent story with the
   usual edits), generated deterministically, are assigned one by one with
   ``Deduplicator.assign`` on the Redis index (lookup + decision + insert, fingerprinting
   included) in a dedicated Redis database, flushed before and after. At each size the table
   shows the cost per document over the last ``--window`` documents (the cost *at* that size),
   the share of it spent in Redis (``RedisIndex.place``), and the Redis memory per document:
   ``INFO memory`` ``used_memory`` delta / documents, and the sum of ``MEMORY USAGE`` of the
   index's keys / documents. Pairwise precision/recall on the synthetic set are printed too.
   The documents indexed so far differ from size to size, and so do their pairs; to compare
   decisions on the same pairs, the last ``--slice`` documents before each size (with the
   ``SLICE_LEAD`` before them, which hold every original their copies can name) are assigned
   again in a fresh index of their own: the table says whether they get the same clusters
   there as in the index of that size, and the recall of their pairs in each.
   In the same run, at ``--baseline-docs``, datasketch ``MinHashLSH`` with its Redis storage
   (query + insert per document) and, at ``--database-docs``, kibaru's database index on
   SQLite, for comparison.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import redis
from datasketch import MinHash, MinHashLSH

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storage.db import open_store  # noqa: E402
from storage.record import ArticleRecord, article_id_for  # noqa: E402
from tests.dedup.conftest import as_record, process  # noqa: E402
from tests.services import suite_redis_url  # noqa: E402
from workers.stages.dedup.decide import Rules  # noqa: E402
from workers.stages.dedup.entry import band_keys  # noqa: E402
from workers.stages.dedup.evaluate import PairScores, pairwise_scores  # noqa: E402
from workers.stages.dedup.fingerprint import (  # noqa: E402
    analyse,
    shingles,
    to_signature_bytes,
)
from workers.stages.dedup.normalise import tokens  # noqa: E402
from workers.stages.dedup.redis_index import RedisIndex  # noqa: E402
from workers.stages.dedup.service import Deduplicator  # noqa: E402

SYNDICATION = ROOT / "tests" / "fixtures" / "syndication" / "syndication.jsonl"
PREFIX = "kibaru:dedup:"
BASELINE_PERM = 128
# Copies name one of the last 2,000 originals (Generator.documents), about 2,200 documents back:
# a slice re-indexed with this many documents before it finds every original it names.
SLICE_LEAD = 3000
BASELINE_THRESHOLD = 0.5


# -- scores ---------------------------------------------------------------------------------
def f1(scores: PairScores) -> float:
    p, r = scores.precision, scores.recall
    return 2 * p * r / (p + r) if p + r else 0.0


def store_decision(dedup: Deduplicator, store: Any, rec: ArticleRecord) -> str:
    """What the pipeline does with a record (assign, store the row, commit); the cluster."""
    return str(process(dedup, store, rec).cluster_id)


def kibaru_clusters(
    docs: Sequence[dict[str, Any]], tmp: Path, name: str, redis_url: str | None
) -> dict[str, str]:
    store = open_store(f"sqlite:///{tmp}/{name}.db")
    index = RedisIndex.from_url(redis_url, prefix=f"bench:{name}:") if redis_url else None
    dedup = Deduplicator(store, Rules.for_days(30), index)
    try:
        return {doc["id"]: store_decision(dedup, store, as_record(doc)) for doc in docs}
    finally:
        if index is not None:
            index.clear()
        dedup.close()
        store.dispose()


def baseline_minhash(text: str) -> MinHash:
    sketch = MinHash(num_perm=BASELINE_PERM)
    sketch.update_batch(shingles(tokens(text)))
    return sketch


class Components:
    """Union-find: the clusters of the baseline are the connected components."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def baseline_clusters(docs: Sequence[dict[str, Any]]) -> dict[str, str]:
    lsh = MinHashLSH(threshold=BASELINE_THRESHOLD, num_perm=BASELINE_PERM)
    components = Components()
    for doc in docs:
        sketch = baseline_minhash(doc["text"])
        components.find(doc["id"])
        for other in lsh.query(sketch):
            components.union(other, doc["id"])
        lsh.insert(doc["id"], sketch)
    return {doc["id"]: components.find(doc["id"]) for doc in docs}


def quality(redis_url: str) -> None:
    docs = [json.loads(line) for line in SYNDICATION.read_text(encoding="utf-8").splitlines()]
    labels = {d["id"]: d["label"] for d in docs}
    orders: list[tuple[str, list[dict[str, Any]]]] = [("file order", list(docs))]
    for seed in (1, 2):
        shuffled = list(docs)
        random.Random(seed).shuffle(shuffled)
        orders.append((f"shuffle {seed}", shuffled))
    stories = len({d["label"] for d in docs})
    print(f"## Quality: labelled syndication set ({len(docs)} documents, {stories} labels)\n")
    print("| method | order | precision | recall | F1 | true pairs | false pairs | missed |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for order, ordered in orders:
            slug = order.replace(" ", "")
            methods: list[tuple[str, Callable[[], dict[str, str]]]] = [
                ("kibaru (Redis index)",
                 lambda o=ordered, s=slug: kibaru_clusters(o, Path(tmp), f"r{s}", redis_url)),
                ("kibaru (database index)",
                 lambda o=ordered, s=slug: kibaru_clusters(o, Path(tmp), f"d{s}", None)),
                ("datasketch MinHashLSH 0.5", lambda o=ordered: baseline_clusters(o)),
            ]
            for method, run in methods:
                s = pairwise_scores(labels, run())
                print(
                    f"| {method} | {order} | {s.precision:.3f} | {s.recall:.3f} | {f1(s):.3f} "
                    f"| {s.true_pairs} | {s.false_pairs} | {s.missed_pairs} |"
                )
    print()


# -- synthetic documents --------------------------------------------------------------------
FUNCTION_WORDS = [
    "le", "la", "les", "de", "des", "du", "un", "une", "et", "à", "en", "au", "aux", "pour",
    "par", "sur", "dans", "avec", "que", "qui", "a", "été", "est", "sont", "ont", "cette", "ce",
    "ces", "son", "sa", "ses", "leur", "leurs", "plus", "selon", "lors", "entre", "après",
    "avant", "depuis", "contre", "sous", "vers", "ainsi", "également", "notamment",
]
CITIES = [
    "Dakar", "Bamako", "Ouagadougou", "Niamey", "Abidjan", "Conakry", "Lomé", "Cotonou",
    "Nouakchott", "Banjul", "Bissau", "Praia", "Accra", "Lagos", "Abuja", "Kano", "Thiès",
    "Kayes", "Bobo-Dioulasso", "Zinder", "Bouaké", "Kankan",
]
AGENCIES = ["APS", "AMAP", "AIB", "ANP", "AIP", "AGP", "NAN", "GNA", "ATOP", "ABP"]
MONTHS = [
    "janv", "fév", "mars", "avril", "mai", "juin", "juil", "août", "sept", "oct", "nov", "déc",
]
SYLLABLES = [
    "ba", "be", "bi", "bo", "bou", "da", "de", "di", "do", "dou", "ka", "ke", "ki", "ko", "kou",
    "la", "le", "li", "lo", "lou", "ma", "me", "mi", "mo", "mou", "na", "ne", "ni", "no", "nou",
    "ra", "re", "ri", "ro", "rou", "sa", "se", "si", "so", "sou", "ta", "te", "ti", "to", "tou",
    "za", "ze", "zi", "zo", "gui", "ga", "go", "tion", "ment", "eur", "ais", "ant", "ité",
    "ique", "al",
]
FIXES = [
    ("a annoncé", "a fait savoir"), ("également", "aussi"), ("selon", "d’après"),
    ("notamment", "en particulier"), ("après", "à la suite de"), ("depuis", "dès"),
    ("contre", "face à"), ("ainsi", "de ce fait"),
]
T0 = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass
class SyntheticDoc:
    id: str  # the article id of ``url``
    url: str
    label: int
    text: str
    published_at: str


class Generator:
    """Deterministic news-like texts (~300 words) and republished copies of recent ones."""

    def __init__(self, seed: int = 6, vocabulary: int = 40_000, copy_rate: float = 0.1) -> None:
        self.rng = random.Random(seed)
        words: dict[str, None] = {}
        while len(words) < vocabulary:
            n = self.rng.choice((2, 2, 3, 3, 3, 4))
            words.setdefault("".join(self.rng.choice(SYLLABLES) for _ in range(n)), None)
        self.vocabulary = list(words)
        # Zipf-like weights: a few content words are everywhere, most are rare.
        self.cum_weights: list[float] = []
        total = 0.0
        for rank in range(1, vocabulary + 1):
            total += 1.0 / rank
            self.cum_weights.append(total)
        self.copy_rate = copy_rate
        self.originals: list[tuple[int, list[str], str, str, int]] = []

    def _sentence(self) -> str:
        rng = self.rng
        length = rng.randint(12, 28)
        content = rng.choices(self.vocabulary, cum_weights=self.cum_weights, k=length)
        words = [w if rng.random() < 0.6 else rng.choice(FUNCTION_WORDS) for w in content]
        if rng.random() < 0.35:
            words.insert(rng.randrange(len(words)), f"{rng.randint(2, 9999):,}".replace(",", " "))
        if rng.random() < 0.2:
            words.insert(rng.randrange(len(words)), rng.choice(CITIES))
        return words[0].capitalize() + " " + " ".join(words[1:]) + "."

    def _paragraphs(self) -> list[str]:
        paragraphs, count = [], 0
        while count < 300:
            sentences = [self._sentence() for _ in range(self.rng.randint(2, 4))]
            paragraph = " ".join(sentences)
            paragraphs.append(paragraph)
            count += len(paragraph.split())
        return paragraphs

    def _copy(self, paragraphs: list[str], dateline: str, agency: str) -> str:
        rng = self.rng
        body = list(paragraphs)
        edits = rng.sample(["no_dateline", "source_line", "cut_last", "fix_words", "excerpt"], 2)
        if "excerpt" in edits:
            body = body[:2]
            body[-1] += " … Lire la suite"
        elif "cut_last" in edits:
            body = body[:-1]
        if "fix_words" in edits:
            text = "\n".join(body)
            for old, new in rng.sample(FIXES, 3):
                text = text.replace(f" {old} ", f" {new} ", 1)
            body = text.split("\n")
        if "no_dateline" not in edits:
            body[0] = f"{dateline} {body[0]}"
        if "source_line" in edits:
            body.append(f"Source : {agency}")
        return "\n".join(body)

    def documents(self, count: int) -> Iterator[SyntheticDoc]:
        rng = self.rng
        for n in range(count):
            published = T0 + timedelta(minutes=3 * n + rng.randint(0, 2))
            if self.originals and rng.random() < self.copy_rate:
                recent = self.originals[-2000:]
                label, paragraphs, dateline, agency, _ = rng.choice(recent)
                text = self._copy(paragraphs, dateline, agency)
            else:
                label = n
                paragraphs = self._paragraphs()
                agency = rng.choice(AGENCIES)
                day = published.day
                month = MONTHS[published.month - 1]
                dateline = f"{rng.choice(CITIES)}, {day} {month} ({agency}) -"
                text = "\n".join([f"{dateline} {paragraphs[0]}", *paragraphs[1:]])
                self.originals.append((label, paragraphs, dateline, agency, n))
            url = f"https://outlet{n % 97}.example/{n}"
            yield SyntheticDoc(article_id_for(url), url, label, text, published.isoformat())


def synthetic_record(doc: SyntheticDoc) -> ArticleRecord:
    return ArticleRecord(
        url=doc.url, canonical_url=doc.url, source="synthetic", title="", text=doc.text,
        published_at=datetime.fromisoformat(doc.published_at), fetched_at=None,
    )


# -- scale ----------------------------------------------------------------------------------
def used_memory(client: redis.Redis) -> int:
    return int(client.info("memory")["used_memory"])


def keys_memory(client: redis.Redis, match: str) -> tuple[dict[str, int], dict[str, list[int]]]:
    """Per key family (b:, e:, c:, …): the sum of MEMORY USAGE (all nested values sampled),
    and [keys, of which hash tables] (the rest are compact listpacks)."""
    totals: dict[str, int] = {}
    encodings: dict[str, list[int]] = {}
    batch: list[bytes] = []

    def flush() -> None:
        pipe = client.pipeline(transaction=False)
        for key in batch:
            pipe.memory_usage(key, samples=0)
            pipe.object("encoding", key)
        replies = pipe.execute()
        for key, size, encoding in zip(batch, replies[0::2], replies[1::2], strict=True):
            family = key.decode()[len(match) - 1 :].split(":")[0]
            totals[family] = totals.get(family, 0) + int(size or 0)
            counts = encodings.setdefault(family, [0, 0])
            counts[0] += 1
            counts[1] += encoding == b"hashtable"
        batch.clear()

    for key in client.scan_iter(match=match, count=2000):
        batch.append(key)
        if len(batch) >= 2000:
            flush()
    if batch:
        flush()
    return totals, encodings


@dataclass
class Checkpoint:
    docs: int
    ms_per_doc: float
    redis_ms_per_doc: float
    mean_ms_per_doc: float
    used_bytes_per_doc: float
    keys_bytes_per_doc: float
    families: dict[str, int]
    encodings: dict[str, list[int]]
    scores: PairScores  # over the documents indexed so far
    slice_scores: PairScores | None = None  # the slice's pairs, in the index of this size
    fresh_scores: PairScores | None = None  # the same pairs, the slice in a fresh index
    same_clusters: bool | None = None  # the slice partitioned alike in both


def stage_cost(docs: Sequence[SyntheticDoc]) -> float:
    """ms per document of the pure functions of assign (no index): fingerprint, hash, bands."""
    start = time.perf_counter()
    for doc in docs:
        fp, _ = analyse(doc.text)
        band_keys(fp)
        to_signature_bytes(fp)
    return (time.perf_counter() - start) * 1000 / len(docs)


def kibaru_scale(
    client: redis.Redis, redis_url: str, sizes: Sequence[int], window: int, tmp: Path,
    slice_size: int = 0,
) -> tuple[list[Checkpoint], PairScores, float]:
    client.flushdb()
    base = used_memory(client)
    store = open_store(f"sqlite:///{tmp}/scale.db")
    index = RedisIndex.from_url(redis_url, prefix=PREFIX)
    dedup = Deduplicator(store, Rules.for_days(30), index)
    place = index.place
    in_redis = [0.0]

    def timed_place(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return place(*args, **kwargs)
        finally:
            in_redis[0] += time.perf_counter() - start

    index.place = timed_place  # type: ignore[method-assign]
    labels: dict[str, int] = {}
    clusters: dict[str, str] = {}
    checkpoints: list[Checkpoint] = []
    sample: list[SyntheticDoc] = []
    total = 0.0
    window_time = window_redis = 0.0
    targets = sorted(sizes)
    kept: dict[int, list[SyntheticDoc]] = {target: [] for target in targets}
    try:
        for n, doc in enumerate(Generator().documents(targets[-1]), start=1):
            if len(sample) < 2000:
                sample.append(doc)
            for target in targets:
                if slice_size and target - slice_size - SLICE_LEAD < n <= target:
                    kept[target].append(doc)
            rec = synthetic_record(doc)
            before_redis = in_redis[0]
            start = time.perf_counter()
            decision = dedup.assign(rec)
            elapsed = time.perf_counter() - start
            total += elapsed
            labels[doc.id] = doc.label
            clusters[doc.id] = decision.cluster_id
            next_target = next(t for t in targets if t >= n)
            if n > next_target - window:
                window_time += elapsed
                window_redis += in_redis[0] - before_redis
            if n == next_target:
                families, encodings = keys_memory(client, PREFIX + "*")
                checkpoints.append(
                    Checkpoint(
                        docs=n,
                        ms_per_doc=window_time * 1000 / min(window, n),
                        redis_ms_per_doc=window_redis * 1000 / min(window, n),
                        mean_ms_per_doc=total * 1000 / n,
                        used_bytes_per_doc=(used_memory(client) - base) / n,
                        keys_bytes_per_doc=sum(families.values()) / n,
                        families=families,
                        encodings=encodings,
                        scores=pairwise_scores(labels, clusters),
                    )
                )
                window_time = window_redis = 0.0
                print(f"  … {n:,} documents indexed", file=sys.stderr, flush=True)
    finally:
        dedup.close()
        store.dispose()
        client.flushdb()
    for checkpoint in checkpoints if slice_size else []:
        docs = kept[checkpoint.docs]
        scored = {doc.id for doc in docs[-slice_size:]}
        fresh = fresh_clusters(docs, redis_url, tmp, f"slice{checkpoint.docs}")
        checkpoint.slice_scores = pairwise_scores(
            {i: labels[i] for i in scored}, {i: clusters[i] for i in scored}
        )
        checkpoint.fresh_scores = pairwise_scores(
            {i: labels[i] for i in scored}, {i: fresh[i] for i in scored}
        )
        checkpoint.same_clusters = partition(clusters, scored) == partition(fresh, scored)
    return checkpoints, pairwise_scores(labels, clusters), stage_cost(sample)


def fresh_clusters(
    docs: Sequence[SyntheticDoc], redis_url: str, tmp: Path, name: str
) -> dict[str, str]:
    """The clusters ``docs`` get, assigned in order in an index of their own."""
    store = open_store(f"sqlite:///{tmp}/{name}.db")
    index = RedisIndex.from_url(redis_url, prefix=f"bench:{name}:")
    dedup = Deduplicator(store, Rules.for_days(30), index)
    try:
        return {doc.id: dedup.assign(synthetic_record(doc)).cluster_id for doc in docs}
    finally:
        index.clear()
        dedup.close()
        store.dispose()


def partition(clusters: dict[str, str], ids: set[str]) -> set[frozenset[str]]:
    """How ``ids`` are grouped by ``clusters`` (whatever the clusters are named)."""
    groups: dict[str, set[str]] = {}
    for doc_id in ids:
        groups.setdefault(clusters[doc_id], set()).add(doc_id)
    return {frozenset(group) for group in groups.values()}


def baseline_scale(client: redis.Redis, redis_db: int, count: int) -> tuple[float, float]:
    """datasketch MinHashLSH with its Redis storage: ms and used_memory bytes per document."""
    client.flushdb()
    base = used_memory(client)
    pool = client.connection_pool.connection_kwargs
    lsh = MinHashLSH(
        threshold=BASELINE_THRESHOLD,
        num_perm=BASELINE_PERM,
        storage_config={
            "type": "redis",
            "basename": b"bench",
            "redis": {"host": pool.get("host", "127.0.0.1"), "port": pool.get("port", 6379),
                      "db": redis_db},
        },
    )
    elapsed = 0.0
    try:
        for doc in Generator().documents(count):
            start = time.perf_counter()
            sketch = baseline_minhash(doc.text)
            lsh.query(sketch)
            lsh.insert(doc.id, sketch)
            elapsed += time.perf_counter() - start
        memory = (used_memory(client) - base) / count
    finally:
        client.flushdb()
    return elapsed * 1000 / count, memory


def database_scale(count: int, tmp: Path) -> float:
    """kibaru's database index on SQLite: ms per document of assign (which stores the row)."""
    store = open_store(f"sqlite:///{tmp}/database.db")
    dedup = Deduplicator(store, Rules.for_days(30), None)
    elapsed = 0.0
    try:
        for doc in Generator().documents(count):
            rec = synthetic_record(doc)
            start = time.perf_counter()
            dedup.assign(rec)
            elapsed += time.perf_counter() - start
    finally:
        dedup.close()
        store.dispose()
    return elapsed * 1000 / count


def scale(args: argparse.Namespace) -> None:
    redis_url = f"redis://{args.redis_host}:{args.redis_port}/{args.redis_db}"
    client = redis.Redis.from_url(redis_url)
    client.ping()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    print(f"## Scale: synthetic documents, Redis index in {redis_url} (flushed before/after)\n")
    with tempfile.TemporaryDirectory() as tmp:
        checkpoints, scores, stages_ms = kibaru_scale(
            client, redis_url, sizes, args.window, Path(tmp), args.slice
        )
        print(
            f"Cost per document over the last {args.window:,} documents at each size; "
            f"fingerprint + hash + bands alone (no index): {stages_ms:.2f} ms/doc.\n"
        )
        print(
            "| documents in index | assign ms/doc (at size) | of which Redis (place) ms/doc "
            "| assign ms/doc (mean of fill) | used_memory B/doc | MEMORY USAGE B/doc "
            "| by key family B/doc | band hashes (of which hash tables) | precision | recall |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        for c in checkpoints:
            families = ", ".join(
                f"{name}: {size / c.docs:.0f}" for name, size in sorted(c.families.items())
            )
            bands = c.encodings.get("b", [0, 0])
            print(
                f"| {c.docs:,} | {c.ms_per_doc:.2f} | {c.redis_ms_per_doc:.2f} "
                f"| {c.mean_ms_per_doc:.2f} | {c.used_bytes_per_doc:,.0f} "
                f"| {c.keys_bytes_per_doc:,.0f} | {families} "
                f"| {bands[0]:,} ({bands[1]:,}) | {c.scores.precision:.4f} "
                f"| {c.scores.recall:.4f} |"
            )
        print(
            f"\nSynthetic set at {checkpoints[-1].docs:,} documents: pairwise precision "
            f"{scores.precision:.4f}, recall {scores.recall:.4f} "
            f"({scores.true_pairs} true, {scores.false_pairs} false, "
            f"{scores.missed_pairs} missed pairs)\n"
        )
        if args.slice:
            print(
                f"The same pairs at every size: the last {args.slice:,} documents before each "
                f"size (after {SLICE_LEAD:,} more as lead-in), assigned again in a fresh index "
                "of their own.\n"
            )
            print(
                "| documents in index | pairs in the slice | recall in the index of this size "
                "| recall in a fresh index | precision (both) | same clusters |"
            )
            print("|---|---|---|---|---|---|")
            for c in checkpoints:
                assert c.slice_scores is not None and c.fresh_scores is not None
                print(
                    f"| {c.docs:,} | {c.slice_scores.true_pairs + c.slice_scores.missed_pairs:,} "
                    f"| {c.slice_scores.recall:.4f} | {c.fresh_scores.recall:.4f} "
                    f"| {c.slice_scores.precision:.4f} / {c.fresh_scores.precision:.4f} "
                    f"| {'yes' if c.same_clusters else 'no'} |"
                )
            print()
        if args.baseline_docs:
            ms, memory = baseline_scale(client, args.redis_db, args.baseline_docs)
            print(
                f"datasketch MinHashLSH(0.5, 128) with Redis storage, {args.baseline_docs:,} "
                f"documents: {ms:.2f} ms/doc (query + insert), {memory:,.0f} B/doc used_memory"
            )
        if args.database_docs:
            ms = database_scale(args.database_docs, Path(tmp))
            print(
                f"kibaru database index (SQLite, row stored in the locked transaction), "
                f"{args.database_docs:,} documents: {ms:.2f} ms/doc (mean of fill)"
            )
    client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,500000")
    parser.add_argument("--window", type=int, default=2000, help="docs timed at each size")
    parser.add_argument(
        "--slice", type=int, default=20000,
        help="documents before each size assigned again in a fresh index (0: none)",
    )
    parser.add_argument("--baseline-docs", type=int, default=10000)
    parser.add_argument("--database-docs", type=int, default=10000)
    parser.add_argument("--redis-host", default="127.0.0.1")
    parser.add_argument(
        "--redis-port", type=int, default=None, help="default: a redis-server of its own"
    )
    parser.add_argument("--redis-db", type=int, default=0)
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    if args.redis_port is None:
        own = suite_redis_url(args.redis_db)
        args.redis_host, args.redis_port = "127.0.0.1", int(own.rsplit(":", 1)[1].split("/")[0])
    redis_url = f"redis://{args.redis_host}:{args.redis_port}/{args.redis_db}"
    client = redis.Redis.from_url(redis_url)
    client.flushdb()  # the benchmark's own database: emptied before and after
    try:
        if not args.skip_quality:
            quality(redis_url)
        scale(args)
    finally:
        client.flushdb()
        client.close()


if __name__ == "__main__":
    main()
