"""The near-duplicate index in Redis: shared by every worker, compact, two round trips a story.

Layout (``prefix`` defaults to ``kibaru:dedup:``):

* ``{prefix}b:{shard}`` — hash: 8-byte band key → the ids of the stories in that bucket
  (length-prefixed, at most ``MAX_BUCKET_IDS``: the first and the newest; a bigger bucket is a
  cluster of identical bands, and any member of it leads to the cluster). Band keys are spread
  over ``2**band_shard_bits`` hashes so that each stays a small listpack (compact encoding).
* ``{prefix}e:{shard}`` — hash: id → packed :class:`~workers.stages.dedup.entry.Entry`
  (about 340 bytes: 16-bit MinHash values, size, figures, date, cluster, storage order).
* ``{prefix}c:{shard}`` — hash: cluster id → its original (id + publication minute).
* ``{prefix}seq`` — storage order counter; ``{prefix}lock`` — the writers' lock.

One story costs two round trips: one Lua call to look up (all bands, the candidates' entries
and their clusters' originals, and a sequence number) and one Lua call to insert. The lookup
script takes the writers' lock (``{prefix}lock``, with expiry) and the insert script releases
it, so the lock is held across lookup → decision → insert without round trips of its own, and
two copies processed by two workers at the same instant end in one cluster. (The scripts
touch keys they compute, so this layout is for a single Redis server, not Redis Cluster.)
"""

from __future__ import annotations

import struct
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

import redis

from workers.stages.dedup.decide import Assignment, Original, Rules, assign_cluster
from workers.stages.dedup.entry import (
    NO_MINUTE,
    Entry,
    Features,
    decode_id,
    encode_id,
    pack_entry,
    unpack_entry,
)

DEFAULT_PREFIX = "kibaru:dedup:"
MAX_BUCKET_IDS = 5  # 5 × 11 bytes stays under Redis' 64-byte listpack value limit
MAX_CANDIDATES = 500
# A writer holds the lock from its lookup script to its insert script: milliseconds. One that
# dies (or loses Redis) in between blocks the others this long at most, so keep it short.
LOCK_TIMEOUT_S = 5.0
LOCK_WAIT_S = 120.0  # how long a writer waits for the lock before giving up
LOCK_RETRY_S = 0.0005
_CLUSTER_MINUTE = struct.Struct("<i")

_QUERY = """
local p = ARGV[1]
local own_id = ARGV[2]
local emask = tonumber(ARGV[3])
local maxc = tonumber(ARGV[4])
local token = ARGV[5]
local ttl = ARGV[6]
local bmod = tonumber(ARGV[7])
local bands = ARGV[8]
local function shard(id)
  local n = #id
  return (string.byte(id, n) + 256 * string.byte(id, n - 1)) % (emask + 1)
end
local function cluster_of(blob)
  local len = string.byte(blob, 18) % 128
  return string.sub(blob, 18, 18 + len)
end
local clusters, corder = {}, {}
local function want(cid)
  if not clusters[cid] then clusters[cid] = true; corder[#corder + 1] = cid end
end
local own = redis.call('HGET', p .. 'e:' .. shard(own_id), own_id)
local seq = 0
local found = {}
if own then
  want(cluster_of(own))
else
  if not redis.call('SET', p .. 'lock', token, 'NX', 'PX', ttl) then
    -- Held under this story's own token: an earlier attempt at this story lost its
    -- connection before it could release (Redis restarted, network cut). Take it over.
    if redis.call('GET', p .. 'lock') ~= token then
      return false
    end
    redis.call('PEXPIRE', p .. 'lock', ttl)
  end
  own = ''
  seq = redis.call('INCR', p .. 'seq')
  local seen, ids = {}, {}
  for pos = 1, #bands, 8 do
    local shard = (string.byte(bands, pos) + 256 * string.byte(bands, pos + 1)) % bmod
    local v = redis.call('HGET', p .. 'b:' .. shard, string.sub(bands, pos, pos + 7))
    if v then
      local pos = 1
      while pos <= #v do
        local len = string.byte(v, pos) % 128
        local id = string.sub(v, pos, pos + len)
        pos = pos + len + 1
        if not seen[id] and id ~= own_id and #ids < maxc then
          seen[id] = true
          ids[#ids + 1] = id
        end
      end
    end
  end
  for _, id in ipairs(ids) do
    local blob = redis.call('HGET', p .. 'e:' .. shard(id), id)
    if blob then
      found[#found + 1] = id
      found[#found + 1] = blob
      want(cluster_of(blob))
    end
  end
end
local origins = {}
for _, cid in ipairs(corder) do
  local rec = redis.call('HGET', p .. 'c:' .. shard(cid), cid)
  if rec then
    origins[#origins + 1] = cid
    origins[#origins + 1] = rec
  end
end
return {own, seq, found, origins}
"""

_INSERT = """
local p = ARGV[1]
local id = ARGV[2]
local maxids = tonumber(ARGV[7])
local token = ARGV[9]
local bmod = tonumber(ARGV[10])
local bands = ARGV[11]
redis.call('HSET', p .. 'e:' .. ARGV[3], id, ARGV[4])
if ARGV[5] ~= '' then
  redis.call('HSET', p .. 'c:' .. ARGV[5], ARGV[6], ARGV[8])
end
for pos = 1, #bands, 8 do
  local key = p .. 'b:' .. (string.byte(bands, pos) + 256 * string.byte(bands, pos + 1)) % bmod
  local field = string.sub(bands, pos, pos + 7)
  -- A new bucket (the usual case) costs one lookup in the hash, not two.
  if redis.call('HSETNX', key, field, id) == 0 then
    local v = redis.call('HGET', key, field)
    local ids, pos, present = {}, 1, false
    while pos <= #v do
      local len = string.byte(v, pos) % 128
      local x = string.sub(v, pos, pos + len)
      pos = pos + len + 1
      if x == id then present = true end
      ids[#ids + 1] = x
    end
    if not present then
      if #ids >= maxids then table.remove(ids, 2) end
      ids[#ids + 1] = id
      redis.call('HSET', key, field, table.concat(ids))
    end
  end
end
if token ~= '' and redis.call('GET', p .. 'lock') == token then
  redis.call('DEL', p .. 'lock')
end
return 1
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


@dataclass(frozen=True)
class Placement:
    """Where a story went: its cluster, its original (None: itself), and whether it displaced
    an earlier-stored original (the caller then repoints the cluster's stored copies)."""

    cluster_id: str
    duplicate_of: str | None
    becomes_original: bool


def _pack_original(original: Original) -> bytes:
    minute = NO_MINUTE if original.minute is None else original.minute
    return encode_id(original.id) + _CLUSTER_MINUTE.pack(minute)


def _unpack_original(data: bytes) -> Original:
    original_id, offset = decode_id(data)
    (minute,) = _CLUSTER_MINUTE.unpack_from(data, offset)
    return Original(original_id, None if minute == NO_MINUTE else minute)


class RedisIndex:
    """The dedup index in Redis; see the module docstring."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str = DEFAULT_PREFIX,
        band_shard_bits: int = 14,
        entry_shard_bits: int = 12,
    ) -> None:
        self.client = client
        self.prefix = prefix
        if not 0 <= band_shard_bits <= 16:
            raise ValueError(f"band_shard_bits must be within 0..16, not {band_shard_bits}")
        self.band_mask = (1 << band_shard_bits) - 1
        self.entry_mask = (1 << entry_shard_bits) - 1
        self._query = client.register_script(_QUERY)
        self._insert = client.register_script(_INSERT)
        self._release = client.register_script(_RELEASE)

    @classmethod
    def from_url(cls, url: str, **options: Any) -> RedisIndex:
        return cls(redis.Redis.from_url(url), **options)

    # -- layout helpers ------------------------------------------------------------------
    def _shard(self, encoded: bytes) -> int:
        return (encoded[-1] + 256 * encoded[-2]) & self.entry_mask

    def _band_args(self, bands: Sequence[int]) -> list[Any]:
        """The bands as two script arguments: the shard count and the 8-byte keys, packed.

        The scripts read a key's shard from its first two bytes (its low 16 bits, little
        endian), which is ``band & band_mask`` as long as the mask has at most 16 bits.
        """
        return [self.band_mask + 1, struct.pack(f"<{len(bands)}q", *bands)]

    def _insert_args(
        self, entry: Entry, bands: Sequence[int], original: Original | None, token: bytes = b""
    ) -> list[Any]:
        encoded = encode_id(entry.id)
        cluster = encode_id(entry.cluster_id)
        return [
            self.prefix, encoded, self._shard(encoded), pack_entry(entry),
            "" if original is None else self._shard(cluster), cluster, MAX_BUCKET_IDS,
            b"" if original is None else _pack_original(original), token,
            *self._band_args(bands),
        ]  # fmt: skip

    # -- the one operation workers use -----------------------------------------------------
    def place(
        self, article_id: str, features: Features, bands: Sequence[int], rules: Rules
    ) -> Placement:
        """Find the story's cluster and index it, atomically with respect to other workers.

        Two round trips: the lookup script takes the writers' lock (``{prefix}lock``, with
        expiry) and the insert script releases it. While another writer holds it, the lookup
        is retried. A story already indexed (a
        re-delivered task) gets its earlier placement back, without taking the lock.
        """
        encoded = encode_id(article_id)
        # The token names the story, so that a retry of this very story (its earlier attempt
        # cut off by a Redis restart before it released the lock) does not wait for the expiry.
        token = b"story:" + article_id.encode("utf-8")
        args = [
            self.prefix, encoded, self.entry_mask, MAX_CANDIDATES, token,
            int(LOCK_TIMEOUT_S * 1000), *self._band_args(bands),
        ]  # fmt: skip
        deadline = time.monotonic() + LOCK_WAIT_S
        while (reply := self._query(args=args)) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"could not take the dedup lock {self.prefix}lock in {LOCK_WAIT_S:.0f} s: "
                    "is a worker stuck? It expires by itself; check Redis and the workers' logs"
                )
            time.sleep(LOCK_RETRY_S)
        own, seq, found, origins = reply
        originals = {
            decode_id(origins[i])[0]: _unpack_original(origins[i + 1])
            for i in range(0, len(origins), 2)
        }
        if own:
            mine = unpack_entry(article_id, own)
            original = originals.get(mine.cluster_id, Original(mine.cluster_id, None))
            duplicate_of = None if original.id == article_id else original.id
            return Placement(mine.cluster_id, duplicate_of, False)
        try:
            candidates = [
                unpack_entry(decode_id(found[i])[0], found[i + 1]) for i in range(0, len(found), 2)
            ]
            assignment = assign_cluster(article_id, features, candidates, originals, rules)
            entry = Entry(article_id, features, int(seq), assignment.cluster_id)
            record = _new_original(article_id, assignment)
            # Expired while we worked: the write is done all the same, nothing to undo.
            self._insert(args=self._insert_args(entry, bands, record, token))
        except BaseException:
            with suppress(redis.exceptions.RedisError):
                self._release(keys=[self.prefix + "lock"], args=[token])
            raise
        return Placement(
            assignment.cluster_id, assignment.duplicate_of, assignment.becomes_original
        )

    # -- maintenance ---------------------------------------------------------------------
    def clear(self) -> int:
        """Delete every key of this index; return how many."""
        deleted = 0
        batch: list[bytes] = []
        for key in self.client.scan_iter(match=self.prefix + "*", count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                deleted += int(self.client.unlink(*batch))
                batch = []
        if batch:
            deleted += int(self.client.unlink(*batch))
        return deleted

    def load(self, items: Sequence[tuple[Entry, Sequence[int], Original | None]]) -> None:
        """Insert many entries in one pipelined round trip (used by the rebuild)."""
        pipe = self.client.pipeline(transaction=False)
        for entry, bands, original in items:
            self._insert(args=self._insert_args(entry, bands, original), client=pipe)
        pipe.execute()

    def load_originals(self, originals: Sequence[tuple[str, Original]]) -> None:
        """Write many cluster records (cluster id, original) in one pipelined round trip."""
        pipe = self.client.pipeline(transaction=False)
        for cluster_id, original in originals:
            encoded = encode_id(cluster_id)
            pipe.hset(f"{self.prefix}c:{self._shard(encoded)}", encoded, _pack_original(original))
        pipe.execute()

    def set_seq(self, value: int) -> None:
        self.client.set(self.prefix + "seq", value)

    def close(self) -> None:
        self.client.close()


def _new_original(article_id: str, assignment: Assignment) -> Original | None:
    """The cluster record to write: for a new cluster, or when the story displaced the original."""
    if assignment.cluster_id == article_id or assignment.becomes_original:
        return assignment.original
    return None
