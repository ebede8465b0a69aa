"""Runs the store conformance cases (../conformance/store-cases.json) against
a store with the wasmtime-py calling conventions, by default this example's
MemoryStore. An embedder points it at their own:

    python conformance.py                      # this example's store
    python conformance.py mypkg.stores:MyStore # any class built without arguments

It prints one line per case and `N passed, N failed`; it exits 1 on a failure.
"""

import importlib
import json
import sys
from pathlib import Path

from wasmtime.component import Record, Variant

from store import MemoryStore, field, record

CASES = Path(__file__).resolve().parent.parent / "conformance" / "store-cases.json"
RANGE_DEFAULTS = {"start": None, "end": None, "reverse": False, "offset": 0, "limit": 100,
                  "contains": []}


def entry(e):
    return record(index=e["index"], key=e["key"])


def write(w):
    (tag, body), = w.items()
    fields = dict(body)
    if tag == "put":
        fields["entries"] = [entry(e) for e in fields.get("entries", [])]
        fields["exclusive"] = [entry(e) for e in fields.get("exclusive", [])]
        fields.setdefault("expected_version", None)
    return Variant(tag, record(**fields))


def call(store, name, args):
    """Calls one store function as the component would, answering plain data."""
    if name == "commit":
        answer = store.commit([write(w) for w in args[0]], [])
        if answer is None:
            return "ok"
        out = {"err": answer.tag}
        if answer.tag == "taken":
            out["entry"] = plain(answer.payload)
        return out
    if name == "scan":
        args = [args[0], record(**{**RANGE_DEFAULTS, **args[1]})]
    return plain(getattr(store, name)(*args))


def plain(value):
    if isinstance(value, Record):
        return {k.replace("-", "_"): plain(v) for k, v in vars(value).items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def run(make_store):
    cases = json.loads(CASES.read_text(encoding="utf-8"))["cases"]
    passed = failed = 0
    for case in cases:
        store = make_store()
        given = {}
        problem = None
        for n, step in enumerate(case["steps"], 1):
            try:
                got = call(store, step["call"], step["args"])
            except Exception as e:  # a store that raises fails the case, not the run
                problem = f"step {n} ({step['call']}) raised {e!r}"
                break
            want = step["expect"]
            if want == "fresh":
                seen = given.setdefault(step["args"][0], set())
                ok = isinstance(got, int) and got > 0 and got not in seen
                seen.add(got)
            elif isinstance(want, dict) and isinstance(got, dict) and want.get("err") == "stale":
                ok = got.get("err") == "stale"
            else:
                ok = got == want
            if not ok:
                problem = f"step {n} ({step['call']} {json.dumps(step['args'], ensure_ascii=False)}): " \
                          f"expected {json.dumps(want, ensure_ascii=False)}, got {json.dumps(got, ensure_ascii=False)}"
                break
        if problem:
            failed += 1
            print(f"FAIL {case['name']}: {problem}")
        else:
            passed += 1
            print(f"ok   {case['name']}")
    print(f"{passed} passed, {failed} failed")
    return failed == 0


def load(spec):
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


if __name__ == "__main__":
    make = load(sys.argv[1]) if len(sys.argv) > 1 else MemoryStore
    sys.exit(0 if run(make) else 1)
