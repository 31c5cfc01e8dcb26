"""The near-duplicate index in Redis: shared by every worker, compact, two round trips a story.

Layout 2 (``prefix`` defaults to ``kibaru:dedup:``):

* ``{prefix}b:{n}`` — hashes: band field → the ids of the stories in that bucket
  (length-prefixed, at most ``MAX_BUCKET_IDS``: the first and the newest; a bigger bucket is a
  cluster of identical bands, and any member of it leads to the cluster). The field is the
  first ``BAND_FIELD_BYTES`` bytes of the 64-bit band key (a chance collision only adds a
  candidate, which is then judged on its signature).
* ``{prefix}e:{shard}`` — hash: id → packed :class:`~workers.stages.dedup.entry.Entry`
  (about 340 bytes: 16-bit MinHash values, size, figures, date, cluster, storage order), over
  ``2**entry_shard_bits`` hashes. Entries are longer than a listpack value may be, so these
  hashes are hash tables at every size and their cost per entry does not change with size.
* ``{prefix}c:{n}`` — hashes: cluster id → its original (id + publication minute).
* ``{prefix}layout`` — hash: the layout version, and how many band and cluster hashes there
  are now; ``{prefix}seq`` — storage order counter; ``{prefix}lock`` — the writers' lock.

Why the band and cluster hashes grow: Redis keeps a hash of at most
``hash-max-listpack-entries`` fields (512 by default) as one compact listpack, and converts a
bigger one to a hash table that costs about three times as much per field. A fixed number of
hashes passes that limit at some size of the index (16,384 band hashes did near 233,000
stories). Here the number of hashes follows the number of fields, by linear hashing: the
``b`` and ``c`` families each start at ``2**MIN_LEVEL`` hashes, and whenever the family holds
more than ``target`` fields per hash on average, the insert script splits one hash in two
(the next one in order: its fields whose hash has the next bit set move to a new hash). A
field's hash is its first 4 bytes (band) or the last 4 bytes of the id (cluster); with
``level`` and ``split`` from the layout record, its hash number is ``h mod 2**level``, or
``h mod 2**(level+1)`` when that is below ``split``. ``target`` is a quarter of the server's
``hash-max-listpack-entries`` (read when the index is created, 128 assumed when the server does
not say), so that even a hash not yet split in this round (twice the average) stays a listpack.
Memory per story therefore stays flat however large the index grows; a split moves one hash
of about 2 × ``target`` fields inside one script, every ``target`` / 36 stories.

An index of layout 1 (a fixed 16,384 band hashes, no layout record) is refused with an error
that says to run ``kibaru dedup rebuild``, which rebuilds it in this layout from the stored
signatures.

One story costs two round trips: one Lua call to look up (all bands, the candidates' entries
and their clusters' originals, and a sequence number) and one Lua call to insert. The lookup
script takes the writers' lock (``{prefix}lock``, with expiry) and the insert script releases
it, so the lock is held across lookup → decision → insert without round trips of its own, and
two copies processed by two workers at the same instant end in one cluster. A story whose
lookup finds no candidate (most stories) costs one: whatever the rules, it starts a cluster of
its own, so the lookup script indexes it as the insert script would and releases the lock.
(The scripts touch keys they compute, so this layout is for a single Redis server, not Redis
Cluster.)
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import Any

import redis

from workers.stages.dedup.database_index import REBUILD_BATCH, DatabaseIndex
from workers.stages.dedup.decide import Assignment, Original, Rules, assign_cluster
from workers.stages.dedup.entry import (
    HEADER,
    NO_MINUTE,
    Entry,
    Features,
    band_keys,
    decode_id,
    encode_id,
    pack_entry,
    to_minute,
    unpack_entry,
)
from workers.stages.dedup.fingerprint import from_signature_bytes
from workers.stages.dedup.index import Placement, Story

DEFAULT_PREFIX = "kibaru:dedup:"
LAYOUT_VERSION = 2
MIN_LEVEL = 8  # each growing family starts with 2**8 hashes
BAND_FIELD_BYTES = 6
MAX_BUCKET_IDS = 5  # 5 × 11 bytes stays under Redis' 64-byte listpack value limit
MAX_CANDIDATES = 500
ASSUMED_LISTPACK_ENTRIES = 128  # when the server does not tell (CONFIG disabled)
# A writer holds the lock from its lookup script to its insert script: milliseconds. One that
# dies (or loses Redis) in between blocks the others this long at most, so keep it short.
LOCK_TIMEOUT_S = 5.0
LOCK_WAIT_S = 120.0  # how long a writer waits for the lock before giving up
LOCK_RETRY_S = 0.0005
_CLUSTER_MINUTE = struct.Struct("<i")
# Where pack_entry puts the storage sequence (little-endian uint64 after version, minute, size):
# the lookup script writes it into an entry it indexes itself.
_SEQ_OFFSET = 9
assert HEADER.format == "<BiIQ" and HEADER.size == _SEQ_OFFSET + 8
_LAYOUT_ERROR = "KIBARULAYOUT"

# Shared by the scripts: ARGV[1] is the prefix; the layout record and the hash numbers.
_PRELUDE = f"""
local p = ARGV[1]
local function load_layout(target)
  local k = p .. 'layout'
  local v = redis.call('HMGET', k, 'version', 'target', 'b:level', 'b:split', 'b:count',
                       'c:level', 'c:split', 'c:count')
  if not v[1] then
    if redis.call('EXISTS', p .. 'seq') == 1 then
      return nil, 'an index of layout 1 (before the band hashes grew with the index)'
    end
    redis.call('HSET', k, 'version', '{LAYOUT_VERSION}', 'target', target,
               'b:level', {MIN_LEVEL}, 'b:split', 0, 'b:count', 0,
               'c:level', {MIN_LEVEL}, 'c:split', 0, 'c:count', 0)
    v = {{'{LAYOUT_VERSION}', target, {MIN_LEVEL}, 0, 0, {MIN_LEVEL}, 0, 0}}
  elseif v[1] ~= '{LAYOUT_VERSION}' then
    return nil, 'an index of layout ' .. v[1]
  end
  return {{
    target = tonumber(v[2]),
    b = {{name = 'b:', level = tonumber(v[3]), split = tonumber(v[4]), count = tonumber(v[5])}},
    c = {{name = 'c:', level = tonumber(v[6]), split = tonumber(v[7]), count = tonumber(v[8])}},
  }}
end
local function layout_error(err)
  return redis.error_reply('{_LAYOUT_ERROR} ' .. err)
end
local function band_hash(s, pos)
  local b1, b2, b3, b4 = string.byte(s, pos, pos + 3)
  return b1 + 256 * b2 + 65536 * b3 + 16777216 * b4
end
local function field_hash(f) return band_hash(f, 1) end
local function id_hash(id)
  local h = 0
  for i = math.max(1, #id - 3), #id do h = h * 256 + string.byte(id, i) end
  return h
end
local function addr(fam, h)
  local half = 2 ^ fam.level
  local a = h % half
  if a < fam.split then a = h % (2 * half) end
  return p .. fam.name .. string.format('%d', a)
end
local function grow(fam, target, hash)
  while fam.count > target * (2 ^ fam.level + fam.split) do
    local half = 2 ^ fam.level
    local src = p .. fam.name .. string.format('%d', fam.split)
    local dst = p .. fam.name .. string.format('%d', fam.split + half)
    local all = redis.call('HGETALL', src)
    local moved, names = {{}}, {{}}
    for i = 1, #all, 2 do
      if hash(all[i]) % (2 * half) ~= fam.split then
        moved[#moved + 1] = all[i]
        moved[#moved + 1] = all[i + 1]
        names[#names + 1] = all[i]
      end
    end
    if #names > 0 then
      redis.call('HSET', dst, unpack(moved))
      redis.call('HDEL', src, unpack(names))
    end
    fam.split = fam.split + 1
    if fam.split == half then
      fam.level = fam.level + 1
      fam.split = 0
    end
  end
end
local function save_layout(st)
  redis.call('HSET', p .. 'layout', 'b:level', st.b.level, 'b:split', st.b.split,
             'b:count', st.b.count, 'c:level', st.c.level, 'c:split', st.c.split,
             'c:count', st.c.count)
end
-- Add ``id`` to the bucket ``field`` of ``key`` whose ids are ``v`` (unless it is there):
-- the first id and the newest ``maxids - 1`` are kept.
local function add_to_bucket(key, field, v, id, maxids)
  local ids, pos, present = {{}}, 1, false
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
-- Index one story's entry and its cluster record (when it has one to write).
local function insert_entry(st, id, shard, blob, has_record, cid, record)
  redis.call('HSET', p .. 'e:' .. shard, id, blob)
  if has_record then
    st.c.count = st.c.count + redis.call('HSET', addr(st.c, id_hash(cid)), cid, record)
  end
end
-- After an insert: split the hashes that passed their target, save the layout record.
local function finish_insert(st)
  grow(st.b, st.target, field_hash)
  grow(st.c, st.target, id_hash)
  save_layout(st)
end
-- Index one story: its entry, its cluster record (when it has one to write), its bands.
local function insert(st, id, shard, blob, has_record, cid, record, maxids, bands)
  insert_entry(st, id, shard, blob, has_record, cid, record)
  for pos = 1, #bands, {BAND_FIELD_BYTES} do
    local key = addr(st.b, band_hash(bands, pos))
    local field = string.sub(bands, pos, pos + {BAND_FIELD_BYTES - 1})
    -- A new bucket (the usual case) costs one lookup in the hash, not two.
    if redis.call('HSETNX', key, field, id) == 1 then
      st.b.count = st.b.count + 1
    else
      add_to_bucket(key, field, redis.call('HGET', key, field), id, maxids)
    end
  end
  finish_insert(st)
end
"""

_QUERY = (
    _PRELUDE
    + f"""
local own_id = ARGV[2]
local emask = tonumber(ARGV[3])
local maxc = tonumber(ARGV[4])
local token = ARGV[5]
local ttl = ARGV[6]
local st, err = load_layout(ARGV[7])
if not st then return layout_error(err) end
local bands = ARGV[8]
local function le64(n)
  local t = {{}}
  for i = 1, 8 do
    t[i] = n % 256
    n = math.floor(n / 256)
  end
  return string.char(unpack(t))
end
local function shard(id)
  local n = #id
  return (string.byte(id, n) + 256 * string.byte(id, n - 1)) % (emask + 1)
end
local function cluster_of(blob)
  local len = string.byte(blob, 18) % 128
  return string.sub(blob, 18, 18 + len)
end
local clusters, corder = {{}}, {{}}
local function want(cid)
  if not clusters[cid] then clusters[cid] = true; corder[#corder + 1] = cid end
end
local own = redis.call('HGET', p .. 'e:' .. shard(own_id), own_id)
local seq = 0
local inserted = 0
local found = {{}}
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
  -- Each band is looked up by creating its bucket for this story when there is none (the
  -- usual case: then there is nothing to read, and nothing left to write if the story has no
  -- candidate). Buckets created here are removed again below unless the story is indexed by
  -- this script, so that the index is as the lookup found it when the caller decides.
  local seen, ids = {{}}, {{}}
  local created, present = {{}}, {{}}
  for pos = 1, #bands, {BAND_FIELD_BYTES} do
    local key = addr(st.b, band_hash(bands, pos))
    local field = string.sub(bands, pos, pos + {BAND_FIELD_BYTES - 1})
    if redis.call('HSETNX', key, field, own_id) == 1 then
      created[#created + 1] = key
      created[#created + 1] = field
    else
      local v = redis.call('HGET', key, field)
      present[#present + 1] = {{key, field, v}}
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
  if #found == 0 then
    -- No candidate: the story starts its own cluster whatever the rules (assign_cluster of
    -- no candidates), so it is indexed here as the insert script would index it, with its
    -- storage order put into the entry, and the lock released: one round trip, not two.
    local blob = string.sub(ARGV[9], 1, {_SEQ_OFFSET}) .. le64(seq)
                 .. string.sub(ARGV[9], {_SEQ_OFFSET + 9})
    insert_entry(st, own_id, shard(own_id), blob, true, own_id, ARGV[10])
    st.b.count = st.b.count + #created / 2
    local maxids = tonumber(ARGV[11])
    for _, kfv in ipairs(present) do
      add_to_bucket(kfv[1], kfv[2], kfv[3], own_id, maxids)
    end
    finish_insert(st)
    redis.call('DEL', p .. 'lock')
    inserted = 1
  else
    for i = 1, #created, 2 do
      redis.call('HDEL', created[i], created[i + 1])
    end
  end
end
local origins = {{}}
for _, cid in ipairs(corder) do
  local rec = redis.call('HGET', addr(st.c, id_hash(cid)), cid)
  if rec then
    origins[#origins + 1] = cid
    origins[#origins + 1] = rec
  end
end
return {{own, seq, found, origins, inserted}}
"""
)

_INSERT = (
    _PRELUDE
    + """
local id = ARGV[2]
local maxids = tonumber(ARGV[7])
local token = ARGV[9]
local bands = ARGV[11]
local function release()
  if token ~= '' and redis.call('GET', p .. 'lock') == token then
    redis.call('DEL', p .. 'lock')
  end
end
local st, err = load_layout(ARGV[10])
if not st then
  release()
  return layout_error(err)
end
insert(st, id, ARGV[3], ARGV[4], ARGV[5] ~= '', ARGV[6], ARGV[8], maxids, bands)
release()
return 1
"""
)

# Write one cluster record (the rebuild): ARGV 2 = encoded cluster id, 3 = record, 4 = target.
_SET_ORIGINAL = (
    _PRELUDE
    + """
local st, err = load_layout(ARGV[4])
if not st then return layout_error(err) end
st.c.count = st.c.count + redis.call('HSET', addr(st.c, id_hash(ARGV[2])), ARGV[2], ARGV[3])
grow(st.c, st.target, id_hash)
save_layout(st)
return 1
"""
)

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class IndexLayoutError(RuntimeError):
    """The Redis index was written in another layout: ``kibaru dedup rebuild`` converts it.

    An operator's error, not a page's: the pipeline lets it through, a task retries (a rebuild
    may be under way), the crawl and the commands stop with its one-line message."""


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
        entry_shard_bits: int = 12,
        target: int | None = None,
    ) -> None:
        """``target``: fields per band or cluster hash, used only when the index is created
        (None: a quarter of the server's ``hash-max-listpack-entries``)."""
        self.client = client
        self.prefix = prefix
        if target is not None and target < 1:
            raise ValueError(f"target must be at least 1 field per hash, not {target}")
        self._target = target
        self.entry_mask = (1 << entry_shard_bits) - 1
        self._query = client.register_script(_QUERY)
        self._insert = client.register_script(_INSERT)
        self._set_original = client.register_script(_SET_ORIGINAL)
        self._release = client.register_script(_RELEASE)

    @classmethod
    def from_url(cls, url: str, **options: Any) -> RedisIndex:
        return cls(redis.Redis.from_url(url), **options)

    # -- layout helpers ------------------------------------------------------------------
    def _shard(self, encoded: bytes) -> int:
        return (encoded[-1] + 256 * encoded[-2]) & self.entry_mask

    @property
    def target(self) -> int:
        """Fields per hash for a new index: a quarter of what the server keeps as a listpack."""
        if self._target is None:
            limit = ASSUMED_LISTPACK_ENTRIES
            with suppress(redis.exceptions.ResponseError, StopIteration, TypeError, ValueError):
                reply: dict[Any, Any] = self.client.config_get("hash-max-listpack-entries")
                limit = int(next(iter(reply.values())))
            self._target = max(1, limit // 4)
        return self._target

    @staticmethod
    def _bands(bands: Sequence[int]) -> bytes:
        """The band fields, packed: the first ``BAND_FIELD_BYTES`` of each little-endian key."""
        packed = struct.pack(f"<{len(bands)}q", *bands)
        return b"".join([packed[i : i + BAND_FIELD_BYTES] for i in range(0, len(packed), 8)])

    def _insert_args(
        self, entry: Entry, bands: Sequence[int] | bytes, original: Original | None,
        token: bytes = b"",
    ) -> list[Any]:
        """The insert script's arguments; ``bands``: the keys, or already :meth:`_bands`."""
        encoded = encode_id(entry.id)
        return [
            self.prefix, encoded, self._shard(encoded), pack_entry(entry),
            "" if original is None else "1", encode_id(entry.cluster_id), MAX_BUCKET_IDS,
            b"" if original is None else _pack_original(original), token, self.target,
            bands if isinstance(bands, bytes) else self._bands(bands),
        ]

    def _run(self, call: Callable[[], Any]) -> Any:
        """Run scripts; a layout they refuse becomes :class:`IndexLayoutError`."""
        try:
            return call()
        except redis.exceptions.ResponseError as exc:
            if _LAYOUT_ERROR not in str(exc):
                raise
            found = str(exc).split(_LAYOUT_ERROR, 1)[1].strip()
            raise IndexLayoutError(self._layout_message(found)) from exc

    def check_layout(self) -> None:
        """Raise :class:`IndexLayoutError` (one line: what to run) when the index in Redis is
        of another layout; an empty index passes (the first story creates it in this one).

        Called when a process opens its deduplicator, so that an index left by an earlier
        version stops the process with an operator's error before any page is taken, rather
        than failing page after page."""
        pipe = self.client.pipeline()
        pipe.hget(self.prefix + "layout", "version")
        pipe.exists(self.prefix + "seq")
        version, seq = pipe.execute()
        if version is None and not seq:
            return
        if version is None:
            found = "an index of layout 1 (before the band hashes grew with the index)"
        elif int(version) != LAYOUT_VERSION:
            found = f"an index of layout {int(version)}"
        else:
            return
        raise IndexLayoutError(self._layout_message(found))

    def _layout_message(self, found: str) -> str:
        return (
            f"the dedup index in Redis under {self.prefix!r} is {found}; this version reads "
            f"layout {LAYOUT_VERSION}: stop the workers and run `kibaru dedup rebuild`"
        )

    # -- the one operation workers use -----------------------------------------------------
    def place(
        self, article_id: str, features: Features, bands: Sequence[int], rules: Rules
    ) -> Placement:
        """Find the story's cluster and index it, atomically with respect to other workers.

        Two round trips: the lookup script takes the writers' lock (``{prefix}lock``, with
        expiry) and the insert script releases it; one when the lookup finds no candidate (the
        lookup script then indexes the story itself). While another writer holds the lock, the
        lookup is retried. A story already indexed (a
        re-delivered task) gets its earlier placement back, without taking the lock.
        Raises :class:`IndexLayoutError` for an index of another layout.
        """
        encoded = encode_id(article_id)
        # The token names the story, so that a retry of this very story (its earlier attempt
        # cut off by a Redis restart before it released the lock) does not wait for the expiry.
        token = b"story:" + article_id.encode("utf-8")
        fields = self._bands(bands)
        # What the lookup script indexes when it finds no candidate: the story as the first of
        # its own cluster (storage sequence 0, set by the script) and its cluster record.
        alone = Entry(article_id, features, 0, article_id)
        args: list[Any] = [
            self.prefix, encoded, self.entry_mask, MAX_CANDIDATES, token,
            int(LOCK_TIMEOUT_S * 1000), self.target, fields, pack_entry(alone),
            _pack_original(Original(article_id, features.minute)), MAX_BUCKET_IDS,
        ]
        deadline = time.monotonic() + LOCK_WAIT_S
        while (reply := self._run(lambda: self._query(args=args))) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"could not take the dedup lock {self.prefix}lock in {LOCK_WAIT_S:.0f} s: "
                    "is a worker stuck? It expires by itself; check Redis and the workers' logs"
                )
            time.sleep(LOCK_RETRY_S)
        own, seq, found, origins, inserted = reply
        if inserted:  # no candidate: indexed as a cluster of its own, the lock released
            return Placement(article_id, None, False)
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
            insert = self._insert_args(entry, fields, record, token)
            self._run(lambda: self._insert(args=insert))
        except BaseException:
            with suppress(redis.exceptions.RedisError):
                self._release(keys=[self.prefix + "lock"], args=[token])
            raise
        return Placement(
            assignment.cluster_id, assignment.duplicate_of, assignment.becomes_original
        )

    # -- maintenance ---------------------------------------------------------------------
    def clear(self) -> int:
        """Delete every key of this index, whatever its layout; return how many."""
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
        self._run(pipe.execute)

    def load_originals(self, originals: Sequence[tuple[str, Original]]) -> None:
        """Write many cluster records (cluster id, original) in one pipelined round trip."""
        pipe = self.client.pipeline(transaction=False)
        for cluster_id, original in originals:
            args = [self.prefix, encode_id(cluster_id), _pack_original(original), self.target]
            self._set_original(args=args, client=pipe)  # type: ignore[arg-type]
        self._run(pipe.execute)

    def layout(self) -> dict[str, int]:
        """The layout record (version, target, level/split/count of ``b`` and ``c``); empty
        when the index holds nothing yet or is of layout 1."""
        raw: dict[bytes, bytes] = self.client.hgetall(self.prefix + "layout")  # type: ignore[assignment]
        return {key.decode(): int(value) for key, value in raw.items()}

    def set_seq(self, value: int) -> None:
        self.client.set(self.prefix + "seq", value)

    def close(self) -> None:
        self.client.close()


class RedisBackend:
    """The Redis index as a :class:`~workers.stages.dedup.index.DedupIndex`: the index in
    Redis, the stored rows (repointed after the store, read by the rebuild) in the database."""

    name = "redis"

    def __init__(self, index: RedisIndex, rows: DatabaseIndex) -> None:
        self.index = index
        self.rows = rows

    def place(self, story: Story, rules: Rules) -> Placement:
        return self.index.place(story.article_id, story.features, story.bands, rules)

    def after_store(self, article_id: str, cluster_id: str, duplicate_of: str | None) -> None:
        """Repoint the cluster's stored copies when the story is an original that displaced
        the first-stored one (the Redis cluster record already points at it)."""
        if duplicate_of is None and cluster_id != article_id:
            self.rows.repoint_cluster(cluster_id, article_id)

    def rebuild(self) -> int:
        """Empty the index (whatever its layout) and refill it from the stored signatures, in
        storage order, with each cluster's original as the rows say."""
        self.index.clear()
        minutes: dict[str, int | None] = {}
        originals: dict[str, str] = {}
        count = 0
        for batch in self.rows.stored_stories(REBUILD_BATCH):
            items: list[tuple[Entry, Sequence[int], Original | None]] = []
            for story in batch:
                assert story.signature is not None
                fp = from_signature_bytes(story.signature)
                count += 1
                cluster_id = story.cluster_id or story.article_id
                minutes[story.article_id] = to_minute(story.published_at)
                if story.duplicate_of is None:
                    originals.setdefault(cluster_id, story.article_id)
                elif cluster_id not in originals:
                    originals[cluster_id] = story.duplicate_of
                entry = Entry(
                    story.article_id, Features.of(fp, story.published_at), count, cluster_id
                )
                items.append((entry, band_keys(fp), None))
            self.index.load(items)
        records = [(cid, Original(oid, minutes.get(oid))) for cid, oid in originals.items()]
        for start in range(0, len(records), REBUILD_BATCH):
            self.index.load_originals(records[start : start + REBUILD_BATCH])
        self.index.set_seq(count)
        return count

    def close(self) -> None:
        self.rows.dispose()
        self.index.close()


def _new_original(article_id: str, assignment: Assignment) -> Original | None:
    """The cluster record to write: for a new cluster, or when the story displaced the original."""
    if assignment.cluster_id == article_id or assignment.becomes_original:
        return assignment.original
    return None
