// Runs the store conformance cases (../conformance/store-cases.json) against a
// store with jco's calling conventions, by default this example's MemoryStore.
// An embedder points it at their own module, whose default export is a class
// built without arguments:
//
//   node conformance.mjs                 # this example's store
//   node conformance.mjs ./my-store.mjs  # any other
//
// It prints one line per case and `N passed, N failed`; it exits 1 on a failure.

import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { MemoryStore } from './store.mjs';

const CASES = new URL('../conformance/store-cases.json', import.meta.url);
const RANGE_DEFAULTS = { start: null, end: null, reverse: false, offset: 0, limit: 100, contains: [] };

const camel = (name) => name.replace(/_(.)/g, (_, c) => c.toUpperCase());
const snake = (name) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const id = (n) => (n == null ? undefined : BigInt(n));
const entry = (e) => ({ index: e.index, key: e.key });

function write(w) {
  const [[tag, body]] = Object.entries(w);
  const val = { collection: body.collection, id: id(body.id), expectedVersion: id(body.expected_version) };
  if (tag === 'put') {
    Object.assign(val, {
      body: body.body,
      entries: (body.entries ?? []).map(entry),
      exclusive: (body.exclusive ?? []).map(entry),
    });
  }
  return { tag, val };
}

/** Calls one store function as jco's glue would, answering plain data. */
function call(store, name, args) {
  switch (name) {
    case 'commit':
      try {
        store.commit(args[0].map(write), []);
        return 'ok';
      } catch (e) {
        // A returned commit-error is thrown as `{ payload }` (or as the bare
        // variant); an `Error` would be a trap.
        if (e instanceof Error) throw e;
        const err = e.payload ?? e;
        return err.tag === 'taken' ? { err: 'taken', entry: plain(err.val) } : { err: err.tag };
      }
    case 'scan': {
      const r = { ...RANGE_DEFAULTS, ...args[1] };
      const range = { ...r, start: r.start ?? undefined, end: r.end ?? undefined };
      return plain(store.scan(args[0], range));
    }
    case 'get':
    case 'get_many':
    case 'ids':
      return plain(store[camel(name)](args[0], name === 'get_many' ? args[1].map(id) : id(args[1]), args[2]));
    default:
      return plain(store[camel(name)](...args.map((a) => (a === null ? undefined : a))));
  }
}

function plain(value) {
  if (value === undefined || value === null) return null;
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return [...value].map(plain);
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [snake(k), plain(v)]));
  }
  return value;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

export function run(makeStore) {
  const { cases } = JSON.parse(readFileSync(CASES, 'utf8'));
  let passed = 0;
  let failed = 0;
  for (const c of cases) {
    const store = makeStore();
    const given = new Map();
    let problem = null;
    for (const [i, step] of c.steps.entries()) {
      let got;
      try {
        got = call(store, step.call, step.args);
      } catch (e) {
        problem = `step ${i + 1} (${step.call}) threw ${e}`;
        break;
      }
      const want = step.expect;
      let ok;
      if (want === 'fresh') {
        const seen = given.get(step.args[0]) ?? new Set();
        given.set(step.args[0], seen);
        ok = Number.isInteger(got) && got > 0 && !seen.has(got);
        seen.add(got);
      } else if (want?.err === 'stale') {
        ok = got?.err === 'stale';
      } else {
        ok = same(got, want);
      }
      if (!ok) {
        problem = `step ${i + 1} (${step.call} ${JSON.stringify(step.args)}): expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`;
        break;
      }
    }
    if (problem) {
      failed++;
      console.log(`FAIL ${c.name}: ${problem}`);
    } else {
      passed++;
      console.log(`ok   ${c.name}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const Store = process.argv[2]
    ? (await import(pathToFileURL(resolve(process.argv[2])).href)).default
    : MemoryStore;
  process.exitCode = run(() => new Store()) ? 0 : 1;
}
