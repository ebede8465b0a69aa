// An in-memory `contacts:core/store` for jco: documents, the index entries the
// component computes, ranged scans and all-or-nothing commits, kept in sorted
// arrays. It obeys every obligation of docs/embedding.md; the conformance
// suite (../conformance/store-cases.json, run by conformance.mjs) checks it.
//
// Values arrive as jco lifts them: ids and versions are BigInt, an absent
// option is `undefined`, records have camelCase fields, variants are
// `{ tag, val }`. A `list<u64>` goes back as a `BigUint64Array`: jco before
// 1.2x copies such a list from the array's buffer and reads a plain Array as
// empty; later versions take either.

/**
 * Compares two strings by their UTF-8 bytes, as the store contract requires.
 *
 * JavaScript's `<` compares UTF-16 code units, which puts U+E000..U+FFFF after
 * the surrogates of U+10000 and above; UTF-8 (and code point) order puts them
 * before. Shifting each unit fixes that without encoding the strings.
 */
export function compareBytewise(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return fold(x) - fold(y);
  }
  return a.length - b.length;
}

function fold(unit) {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

function compareEntry(key, id, entry) {
  const c = compareBytewise(key, entry[0]);
  if (c !== 0) return c;
  return id < entry[1] ? -1 : id > entry[1] ? 1 : 0;
}

/** The first position whose entry is not below `(key, id)`. */
function lowerBound(entries, key, id) {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEntry(key, id, entries[mid]) > 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** What `commit` throws to return `commit-error` (see docs/embedding.md). */
export function commitError(tag, val) {
  return { payload: { tag, val } };
}

export class MemoryStore {
  constructor({ clock } = {}) {
    /** collection -> id -> { id, version, body } */
    this.docs = new Map();
    /** `collection\0index` -> sorted [key, id] */
    this.indexes = new Map();
    /** collection -> id -> [index, key][]: what a document contributed. */
    this.entriesOf = new Map();
    this.nextIds = new Map();
    /**
     * `collection\0index\0key` -> the ids `find` answered, until a commit
     * adds or drops an entry under that key. A caller-id lookup is a `find`
     * per ring, mostly for the same few numbers: this spares the binary
     * search. Misses are not kept (any number can ring once).
     */
    this.found = new Map();
    this.events = [];
    this.clock = clock ?? (() => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'));
  }

  // ---- reads ----

  get(collection, id) {
    const doc = this.docs.get(collection)?.get(id);
    return doc ? { ...doc } : undefined;
  }

  getMany(collection, ids) {
    const out = [];
    for (const id of ids) {
      const doc = this.get(collection, id);
      if (doc) out.push(doc);
    }
    return out;
  }

  find(collection, index, key) {
    const name = `${collection}\0${index}\0${key}`;
    const known = this.found.get(name);
    if (known) return known;
    const entries = this.#index(collection, index);
    const out = [];
    for (let i = lowerBound(entries, key, 0n); i < entries.length && entries[i][0] === key; i++) {
      out.push(entries[i][1]);
    }
    const ids = BigUint64Array.from(out);
    if (ids.length > 0) {
      if (this.found.size >= MAX_FOUND) this.found.clear();
      this.found.set(name, ids);
    }
    return ids;
  }

  scan(collection, range) {
    const entries = this.#index(collection, range.index);
    const [lo, hi] = bounds(entries, range.start, range.end);
    const contains = range.contains ?? [];
    const hits = [];
    let skip = range.offset;
    const step = range.reverse ? -1 : 1;
    for (let i = range.reverse ? hi - 1 : lo; i >= lo && i < hi; i += step) {
      if (hits.length >= range.limit) break;
      const [key, id] = entries[i];
      if (contains.length > 0 && !contains.some((s) => key.includes(s))) continue;
      if (skip > 0) {
        skip--;
        continue;
      }
      hits.push({ key, id });
    }
    return hits;
  }

  count(collection, index, start, end) {
    const [lo, hi] = bounds(this.#index(collection, index), start, end);
    return BigInt(hi - lo);
  }

  allocateId(collection) {
    const next = (this.nextIds.get(collection) ?? 0n) + 1n;
    this.nextIds.set(collection, next);
    return next;
  }

  ids(collection, after, limit) {
    const all = [...(this.docs.get(collection)?.keys() ?? [])]
      .filter((id) => after == null || id > after)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return BigUint64Array.from(all.slice(0, limit));
  }

  now() {
    return this.clock();
  }

  // ---- the one write ----

  commit(writes, events) {
    // Check every expectation first: all or nothing.
    for (const { tag, val } of writes) {
      const current = this.docs.get(val.collection)?.get(val.id)?.version;
      if (current !== (val.expectedVersion ?? undefined)) {
        throw commitError('stale', `${val.collection}/${val.id} changed`);
      }
      if (tag === 'put') {
        for (const e of val.exclusive) {
          const holders = this.find(val.collection, e.index, e.key);
          if (holders.some((id) => id !== val.id)) throw commitError('taken', e);
        }
      }
    }
    for (const { tag, val } of writes) {
      this.#dropEntries(val.collection, val.id);
      const docs = this.#docs(val.collection);
      if (tag === 'remove') {
        docs.delete(val.id);
        continue;
      }
      const version = (docs.get(val.id)?.version ?? 0n) + 1n;
      docs.set(val.id, { id: val.id, version, body: val.body });
      const mine = [];
      for (const e of val.entries) {
        const entries = this.#index(val.collection, e.index);
        const at = lowerBound(entries, e.key, val.id);
        const there = entries[at];
        if (!there || there[0] !== e.key || there[1] !== val.id) {
          entries.splice(at, 0, [e.key, val.id]);
          this.found.delete(`${val.collection}\0${e.index}\0${e.key}`);
          mine.push([e.index, e.key]);
        }
      }
      this.#entriesOf(val.collection).set(val.id, mine);
    }
    this.events.push(...events);
  }

  // ---- internals ----

  #docs(collection) {
    let docs = this.docs.get(collection);
    if (!docs) this.docs.set(collection, (docs = new Map()));
    return docs;
  }

  #entriesOf(collection) {
    let of = this.entriesOf.get(collection);
    if (!of) this.entriesOf.set(collection, (of = new Map()));
    return of;
  }

  #index(collection, index) {
    const name = `${collection}\0${index}`;
    let entries = this.indexes.get(name);
    if (!entries) this.indexes.set(name, (entries = []));
    return entries;
  }

  #dropEntries(collection, id) {
    const of = this.#entriesOf(collection);
    for (const [index, key] of of.get(id) ?? []) {
      const entries = this.#index(collection, index);
      const at = lowerBound(entries, key, id);
      if (entries[at] && entries[at][0] === key && entries[at][1] === id) entries.splice(at, 1);
      this.found.delete(`${collection}\0${index}\0${key}`);
    }
    of.delete(id);
  }
}

/** At most this many `find` answers are kept; then they are all forgotten. */
const MAX_FOUND = 10000;

function bounds(entries, start, end) {
  const lo = start == null ? 0 : lowerBound(entries, start, 0n);
  const hi = end == null ? entries.length : lowerBound(entries, end, 0n);
  return [lo, Math.max(lo, hi)];
}
