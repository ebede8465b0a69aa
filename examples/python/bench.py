"""Times a phone lookup through wasmtime-py: N contacts created through the
component in this example's in-memory store, then LOOKUPS lookups in the forms
a phone system sends (+33..., 0033..., 06..., the last 9 digits), through each
of the two lookup exports. Prints one JSON line. `cargo bench -p contacts-host --bench embedders` runs it beside the
Rust host and the Node example; see docs/benchmarks.md.

    python bench.py <component.wasm> [contacts] [lookups]
"""

import json
import sys
import time

from directory import MemoryDirectory
from host import Contacts
from store import MemoryStore


def main(path, n=1000, lookups=4000):
    contacts = Contacts.load(path, MemoryStore(), MemoryDirectory(),
                             {"default_region": "FR", "custom_fields": []})
    cx = {"caller": {"agent_id": 1, "first_name": "Bench", "last_name": "Agent", "scopes": []},
          "dialect": "helperiq"}
    national = lambda i: str(600000000 + i)  # noqa: E731
    for i in range(n):
        contacts.call("create", cx, None, {
            "first_name": f"Ann{i}", "last_name": f"Lee{i}", "email": f"ann{i}@example{i % 97}.fr",
            "mobile_phone": f"0{national(i)}"})
    queries = []
    k = 0
    while len(queries) < lookups:
        i = (k * 7919) % n
        queries += [f"+33{national(i)}", f"0033{national(i)}", f"0{national(i)}", national(i)]
        k += 1
    # Both lookups, `lookup-phone` (the contact's record and views) and
    # `identify-caller` (its id and display fields), alternated query by query.
    exports = ["lookup-phone", "identify-caller"]
    for q in queries[:400]:  # warm-up
        for name in exports:
            contacts.call(name, cx, q)
    times = {name: [] for name in exports}
    for q in queries:
        for name in exports:
            t0 = time.perf_counter_ns()
            found = contacts.call(name, cx, q)
            times[name].append((time.perf_counter_ns() - t0) / 1000)
            if found is None:
                raise SystemExit(f"{name}: no match for {q}")

    def figures(t):
        t.sort()
        at = lambda p: t[min(len(t) - 1, int(p * len(t)))]  # noqa: E731
        return {"lookups": len(t), "mean": sum(t) / len(t), "p50": at(0.5), "p99": at(0.99)}

    print(json.dumps({name: figures(t) for name, t in times.items()}))


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:4]))
