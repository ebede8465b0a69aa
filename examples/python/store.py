"""An in-memory `contacts:core/store` for wasmtime-py.

Documents, the index entries the component computes, ranged scans and
all-or-nothing commits, in sorted lists. It obeys every obligation of
docs/embedding.md; the conformance suite (../conformance/store-cases.json, run
by conformance.py) checks it.

Values arrive as wasmtime-py lifts them: ids are int, an absent option is
None, records are `Record` objects whose attributes carry the WIT names
(`getattr(put, "expected-version")`), variants with overlapping cases are
`Variant(tag, payload)`. Python compares `str` by code point, which is the
UTF-8 byte order the contract asks for, so plain tuples sort keys right.
"""

from bisect import bisect_left, insort
from datetime import datetime, timezone

from wasmtime.component import Record, Variant


def record(**fields):
    """A WIT record for wasmtime-py: snake_case names become kebab-case."""
    r = Record()
    for name, value in fields.items():
        setattr(r, name.replace("_", "-"), value)
    return r


def field(rec, name):
    """A field of a WIT record, by its snake_case name."""
    return getattr(rec, name.replace("_", "-"))


def utc_now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class MemoryStore:
    def __init__(self, clock=utc_now):
        self.docs = {}  # collection -> {id: (version, body)}
        self.indexes = {}  # (collection, index) -> sorted [(key, id)]
        self.entries_of = {}  # (collection, id) -> [(index, key)]
        self.next_ids = {}
        self.events = []
        self.clock = clock

    # ---- reads ----

    def get(self, collection, id):
        found = self.docs.get(collection, {}).get(id)
        if found is None:
            return None
        version, body = found
        return record(id=id, version=version, body=body)

    def get_many(self, collection, ids):
        docs = (self.get(collection, id) for id in ids)
        return [d for d in docs if d is not None]

    def find(self, collection, index, key):
        entries = self.indexes.get((collection, index), [])
        out = []
        i = bisect_left(entries, (key, 0))
        while i < len(entries) and entries[i][0] == key:
            out.append(entries[i][1])
            i += 1
        return out

    def scan(self, collection, range_):
        entries = self.indexes.get((collection, field(range_, "index")), [])
        lo, hi = _bounds(entries, field(range_, "start"), field(range_, "end"))
        walk = range(hi - 1, lo - 1, -1) if field(range_, "reverse") else range(lo, hi)
        contains = field(range_, "contains")
        skip, limit = field(range_, "offset"), field(range_, "limit")
        hits = []
        for i in walk:
            if len(hits) >= limit:
                break
            key, id = entries[i]
            if contains and not any(probe in key for probe in contains):
                continue
            if skip > 0:
                skip -= 1
                continue
            hits.append(record(key=key, id=id))
        return hits

    def count(self, collection, index, start, end):
        lo, hi = _bounds(self.indexes.get((collection, index), []), start, end)
        return hi - lo

    def allocate_id(self, collection):
        self.next_ids[collection] = self.next_ids.get(collection, 0) + 1
        return self.next_ids[collection]

    def ids(self, collection, after, limit):
        ids = sorted(id for id in self.docs.get(collection, {}) if after is None or id > after)
        return ids[:limit]

    def now(self):
        return self.clock()

    # ---- the one write ----

    def commit(self, writes, events):
        """None commits; a `Variant` is the `commit-error` (nothing written)."""
        for write in writes:
            w = write.payload
            collection, id = field(w, "collection"), field(w, "id")
            current = self.docs.get(collection, {}).get(id)
            if (current[0] if current else None) != field(w, "expected_version"):
                return Variant("stale", f"{collection}/{id} changed")
            if write.tag == "put":
                for entry in field(w, "exclusive"):
                    holders = self.find(collection, field(entry, "index"), field(entry, "key"))
                    if any(other != id for other in holders):
                        return Variant("taken", entry)
        for write in writes:
            w = write.payload
            collection, id = field(w, "collection"), field(w, "id")
            self._drop_entries(collection, id)
            docs = self.docs.setdefault(collection, {})
            if write.tag == "remove":
                docs.pop(id, None)
                continue
            version = docs[id][0] + 1 if id in docs else 1
            docs[id] = (version, field(w, "body"))
            mine = sorted({(field(e, "index"), field(e, "key")) for e in field(w, "entries")})
            for index, key in mine:
                insort(self.indexes.setdefault((collection, index), []), (key, id))
            self.entries_of[(collection, id)] = mine
        self.events.extend(events)
        return None

    def _drop_entries(self, collection, id):
        for index, key in self.entries_of.pop((collection, id), []):
            entries = self.indexes[(collection, index)]
            entries.pop(bisect_left(entries, (key, id)))


def _bounds(entries, start, end):
    lo = 0 if start is None else bisect_left(entries, (start, 0))
    hi = len(entries) if end is None else bisect_left(entries, (end, 0))
    return lo, max(lo, hi)
