#!/usr/bin/env python3
"""Writes store-cases.json: the store obligations of docs/embedding.md as data.

The same cases run against the reference backends (tests/store_conformance.rs:
SQLite and the guest's in-memory map) and against the example stores
(examples/node/conformance.mjs, examples/python/conformance.py), so an
embedder's own store can be checked with the same file.

Run: python3 examples/conformance/gen_store_cases.py (no dependencies).
"""
import json
from pathlib import Path


def put(id, entries=(), expected=None, exclusive=(), body=None, collection="c"):
    return {"put": {"collection": collection, "id": id,
                    "body": body if body is not None else f'{{"id":{id}}}',
                    "entries": [{"index": i, "key": k} for i, k in entries],
                    "expected_version": expected,
                    "exclusive": [{"index": i, "key": k} for i, k in exclusive]}}


def remove(id, expected, collection="c"):
    return {"remove": {"collection": collection, "id": id, "expected_version": expected}}


def commit(writes, expect="ok"):
    return {"call": "commit", "args": [writes], "expect": expect}


def get(id, expect, collection="c"):
    return {"call": "get", "args": [collection, id], "expect": expect}


def doc(id, version, body=None):
    return {"id": id, "version": version,
            "body": body if body is not None else f'{{"id":{id}}}'}


def find(index, key, expect, collection="c"):
    return {"call": "find", "args": [collection, index, key], "expect": expect}


def scan(expect, collection="c", **fields):
    range_ = {"index": fields.pop("index", "x")}
    range_.update(fields)
    return {"call": "scan", "args": [collection, range_],
            "expect": [{"key": k, "id": i} for k, i in expect]}


def count(index, start, end, expect, collection="c"):
    return {"call": "count", "args": [collection, index, start, end], "expect": expect}


def ids(collection, after, limit, expect):
    return {"call": "ids", "args": [collection, after, limit], "expect": expect}


STALE = {"err": "stale"}


def taken(index, key):
    return {"err": "taken", "entry": {"index": index, "key": key}}


def cases():
    out = []
    out.append({"name": "expected-version: none for a new document, the current version afterwards",
                "steps": [
                    commit([put(1, [("x", "a")])]),
                    get(1, doc(1, 1)),
                    commit([put(1, [("x", "a")])], STALE),
                    commit([put(1, [("x", "b")], expected=1, body="v2")]),
                    get(1, doc(1, 2, "v2")),
                    commit([put(1, [("x", "c")], expected=1)], STALE),
                    find("x", "b", [1]),
                    commit([remove(1, 1)], STALE),
                    commit([remove(1, 2)]),
                    get(1, None),
                    find("x", "b", []),
                    commit([remove(1, 2)], STALE),
                    commit([put(1, [("x", "d")], expected=2)], STALE),
                    commit([put(1, [("x", "d")])]),
                    get(1, doc(1, 1)),
                ]})
    out.append({"name": "a commit is all or nothing: one stale write refuses every write",
                "steps": [
                    commit([put(1, [("x", "a")])]),
                    commit([put(2, [("x", "b")]), put(1, [("x", "z")], expected=7)], STALE),
                    get(2, None),
                    find("x", "b", []),
                    find("x", "a", [1]),
                    get(1, doc(1, 1)),
                ]})
    ann, org = ("email", "ann@example.com"), ("email", "ann@example.org")
    out.append({"name": "exclusive: taken by another document, not by the same one",
                "steps": [
                    commit([put(1, [ann], exclusive=[ann])]),
                    commit([put(2, [ann], exclusive=[ann])], taken(*ann)),
                    get(2, None),
                    find(*ann, [1]),
                    commit([put(1, [ann], expected=1, exclusive=[ann])]),
                    commit([put(3, [ann])]),
                    find(*ann, [1, 3]),
                    commit([put(4, [("email", "bob@example.com")], exclusive=[ann])], taken(*ann)),
                    commit([put(4, [org], exclusive=[org])]),
                    commit([remove(1, 2), remove(3, 1)]),
                    commit([put(2, [ann], exclusive=[ann])]),
                    find(*ann, [2]),
                ]})
    out.append({"name": "a put replaces the document's whole set of entries",
                "steps": [
                    commit([put(1, [("x", "a"), ("x", "b"), ("y", "a")])]),
                    commit([put(1, [("x", "b"), ("x", "c")], expected=1)]),
                    find("x", "a", []),
                    find("y", "a", []),
                    find("x", "c", [1]),
                    scan([("b", 1), ("c", 1)]),
                    count("x", None, None, 2),
                    count("y", None, None, 0),
                ]})
    out.append({"name": "find answers ids ascending; collections and indexes are apart",
                "steps": [
                    commit([put(3, [("x", "k")]), put(1, [("x", "k")]),
                            put(2, [("x", "k"), ("y", "k")])]),
                    commit([put(1, [("x", "k")], collection="other")]),
                    find("x", "k", [1, 2, 3]),
                    find("y", "k", [2]),
                    find("x", "k", [1], collection="other"),
                    find("x", "K", []),
                    find("x", "", []),
                ]})
    keys = [("apple", 1), ("apricot", 2), ("banana", 3), ("blueberry", 4),
            ("cherry", 5), ("cherry", 6), ("date", 7)]
    b_to_d = keys[2:6]
    out.append({"name": "ranged scans: [start, end), by (key, id), reverse, offset, limit; counts agree",
                "steps": [
                    commit([put(i, [("x", k)]) for k, i in reversed(keys)]),
                    scan(keys),
                    scan(b_to_d, start="b", end="d"),
                    scan(b_to_d[::-1], start="b", end="d", reverse=True),
                    scan(b_to_d[1:3], start="b", end="d", offset=1, limit=2),
                    scan(b_to_d[::-1][1:3], start="b", end="d", reverse=True, offset=1, limit=2),
                    scan(keys[:2], end="b"),
                    scan(keys[5:], start="cherry", offset=1),
                    scan([keys[1]], start="apricot", end="apricot\u0000"),
                    scan([], start="b", end="b"),
                    scan([], start="z"),
                    scan([], limit=0),
                    scan([], offset=7),
                    scan([keys[6]], reverse=True, limit=1),
                    count("x", None, None, 7),
                    count("x", "b", "d", 4),
                    count("x", "cherry", None, 3),
                    count("x", None, "banana", 2),
                    count("x", "e", None, 0),
                    count("x", "b", "b", 0),
                ]})
    probe = [("100%_sure", 4), ("Martin", 5), ("[paul]", 3), ("marie?curie", 2),
             ("martin*dupont", 1)]
    out.append({"name": "contains: byte-for-byte substrings, case-sensitive; offset and limit count hits",
                "steps": [
                    commit([put(i, [("x", k)]) for k, i in probe]),
                    scan([probe[4]], contains=["dupont"]),
                    scan([probe[4]], contains=["n*d"]),
                    scan([probe[3]], contains=["e?c"]),
                    scan([probe[2]], contains=["[paul]"]),
                    scan([probe[0]], contains=["%_"]),
                    scan([], contains=["0_s"]),
                    scan([probe[1]], contains=["Mar"]),
                    scan(probe[2:], contains=["mar", "paul"]),
                    scan([probe[3]], contains=["mar", "paul"], offset=1, limit=1),
                    scan([probe[3], probe[2]], contains=["mar", "paul"], reverse=True, offset=1),
                    scan([probe[4]], contains=["ar"], start="mars"),
                    scan([], contains=["MARTIN"]),
                    scan(probe, contains=[]),
                    count("x", None, None, 5),
                ]})
    # UTF-8 byte order: Z 5A < a 61 < z 7A < é C3A9 < U+E000 EE8080 < U+FFFD EFBFBD
    # < U+1F600 F09F9880. UTF-16 code units put the last two the other way round.
    order = [("Z", 1), ("a", 2), ("z", 3), ("\u00e9", 4), ("\ue000", 5), ("\ufffd", 6),
             ("\U0001F600", 7), ("\U0001F600\U0001F600", 8)]
    shuffled = [order[i] for i in (6, 2, 5, 0, 7, 3, 1, 4)]
    out.append({"name": "keys compare bytewise (UTF-8), not by UTF-16 code unit nor by locale",
                "steps": [
                    commit([put(i, [("x", k)]) for k, i in shuffled]),
                    scan(order),
                    scan(order[::-1], reverse=True),
                    scan(order[4:], start="\ue000"),
                    scan(order[3:6], start="\u00e9", end="\uffff"),
                    scan(order[6:], start="\U0001F000"),
                    scan(order[:6], end="\U00010000"),
                    scan(order[5:7], start="\ufffd", limit=2),
                    count("x", "\ue000", None, 4),
                    count("x", "\uffff", None, 2),
                    count("x", None, "\U0001F600", 6),
                    find("x", "\U0001F600", [7]),
                ]})
    # Where UTF-8 sequences change length: 7F | C2 80, DF BF | E0 A0 80, EF BF BF |
    # F0 90 80 80. A signed-char comparison or a locale would put 0x80 and up first.
    edges = [("~", 1), ("\x7f", 2), ("\x7f\x7f", 3), ("\u0080", 4), ("\u00ff", 5),
             ("\u07ff", 6), ("\u0800", 7), ("\uffff", 8), ("\U00010000", 9)]
    out.append({"name": "keys at UTF-8 length boundaries (0x7f/0x80, U+07FF/U+0800, U+FFFF/U+10000)",
                "steps": [
                    commit([put(i, [("x", k)]) for k, i in edges[::-1]]),
                    scan(edges),
                    scan(edges[::-1], reverse=True),
                    scan(edges[3:], start="\u0080"),
                    scan(edges[:3], end="\u0080"),
                    scan(edges[1:3], start="\x7f", end="\x80"),
                    scan(edges[8:], start="\uffff\x01"),
                    count("x", "\x7f", "\u0800", 5),
                    count("x", "\u0800", None, 3),
                    scan([edges[2]], contains=["\x7f\x7f"]),
                    find("x", "\x7f", [2]),
                ]})
    out.append({"name": "ids: a collection's ids above after, ascending, at most limit",
                "steps": [
                    commit([put(i, []) for i in (5, 2, 9, 1)]),
                    commit([put(3, [], collection="other")]),
                    ids("c", None, 10, [1, 2, 5, 9]),
                    ids("c", 2, 10, [5, 9]),
                    ids("c", None, 2, [1, 2]),
                    ids("c", 9, 10, []),
                    ids("c", None, 0, []),
                    ids("other", None, 10, [3]),
                    commit([remove(5, 1)]),
                    ids("c", 1, 10, [2, 9]),
                ]})
    out.append({"name": "get-many: the documents that exist, in the order asked",
                "steps": [
                    commit([put(1, []), put(2, [], body="two"), put(3, [])]),
                    {"call": "get_many", "args": ["c", [1, 4, 3]], "expect": [doc(1, 1), doc(3, 1)]},
                    {"call": "get_many", "args": ["c", [2]], "expect": [doc(2, 1, "two")]},
                    {"call": "get_many", "args": ["c", []], "expect": []},
                    {"call": "get_many", "args": ["other", [1]], "expect": []},
                ]})
    out.append({"name": "allocate-id: fresh ids per collection, never reused",
                "steps": [
                    {"call": "allocate_id", "args": ["c"], "expect": "fresh"},
                    {"call": "allocate_id", "args": ["c"], "expect": "fresh"},
                    {"call": "allocate_id", "args": ["other"], "expect": "fresh"},
                    {"call": "allocate_id", "args": ["c"], "expect": "fresh"},
                ]})
    return out


ABOUT = (
    "Store conformance cases: the obligations of docs/embedding.md as data. Each case runs on a "
    "fresh, empty store, step by step. A step calls one store function with `args` (WIT names in "
    "snake_case; records as objects; an absent option is null) and compares the answer with "
    "`expect`. A commit expects \"ok\", {\"err\": \"stale\"} or {\"err\": \"taken\", \"entry\": "
    "{index, key}} (a stale error's message is free). allocate_id expects \"fresh\": an id above 0 "
    "that this case has not been given for that collection. Omitted put fields: entries and "
    "exclusive [], expected_version null. Omitted range fields: start and end null, reverse false, "
    "offset 0, limit 100, contains []. Generated by gen_store_cases.py."
)

if __name__ == "__main__":
    path = Path(__file__).with_name("store-cases.json")
    data = {"about": ABOUT, "cases": cases()}
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{path}: {len(data['cases'])} cases")
