#!/usr/bin/env python3
"""Writes the starting inputs of each fuzz corpus (fuzz/corpus/<target>/seed-*)
from the committed test vectors and the spec's examples. The fuzzer then
grows each corpus, and `cargo fuzz cmin` keeps it small; run this only to
start a corpus afresh. A development tool: nothing in the product reads it."""

import hashlib
import json
import pathlib

root = pathlib.Path(__file__).resolve().parent
vectors = root.parent / "guest" / "tests" / "vectors"
REGIONS = ["FR", "GB", "US", "DE", "AU", "IN", "BR", "JP", "IT", "001", "XX", ""]


def unescape(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            c = s[i + 1]
            if c == "u" and s[i + 2 : i + 3] == "{":
                end = s.index("}", i)
                out.append(chr(int(s[i + 3 : end], 16)))
                i = end + 1
                continue
            out.append({"t": "\t", "n": "\n", "r": "\r"}.get(c, c))
            i += 2
            continue
        out.append(s[i])
        i += 1
    return "".join(out)


def write(target, data):
    folder = root / "corpus" / target
    folder.mkdir(parents=True, exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
    (folder / name).write_bytes(data)


rows = (vectors / "phone.tsv").read_text(encoding="utf-8").splitlines()
header = next(i for i, r in enumerate(rows) if r.startswith("input\t"))
for line in rows[header + 1 :: 7]:
    number, region = line.split("\t")[:2]
    index = REGIONS.index(region) if region in REGIONS else 0
    write("phone", bytes([index]) + unescape(number).encode())

for row in json.loads((vectors / "email.json").read_text(encoding="utf-8"))["rows"][::4]:
    write("email", row["input"].encode())

for params in [
    ["last_name:lee;city:paris", "", "and"],
    ["acme", "email:like;phones.number:="],
    ["ann", "", "", "first_name|desc", "15", "2", "5", "first_name;email"],
    ["id:=3"],
    ["+33 6 12 34 56 78", "phones.number:="],
]:
    write("query", b"\xff".join(p.encode() for p in params))

for text in [
    '[{"model":"users","field":"email","operator":"contains","value":"ann"}]',
    '{"logic":"or","rules":[{"field":"first_name","operator":"equals","value":"A"},'
    '{"logic":"and","rules":[{"field":"created_at","operator":"between","value":["2024-01-01","2025-01-01"]}]}]}',
    '[{"field":"enabled","operator":"set"},{"field":"last_name","operator":"in","value":["a","b"]}]',
]:
    write("filters", text.encode())


def form(parts, boundary="XyZ"):
    body = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{n}"{fn}\r\n\r\n{v}\r\n'
        for n, v, fn in parts
    )
    return f"multipart/form-data; boundary={boundary}\n{body}--{boundary}--\r\n".encode()


write("multipart", form([("first_name", "Ann", ""), ("email", "null", ""), ("files", "", "")]))
write("multipart", form([("phone_number", "612345678", ""), ("phone_number_country_code", "FR", "")], "----WebKitFormBoundary7MA4YWxk"))
write("multipart", form([("files", "\x89PNG", '; filename="a.png"'), ("last_name", "undefined", "")]))
