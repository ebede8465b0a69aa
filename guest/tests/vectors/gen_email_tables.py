#!/usr/bin/env python3
"""Generate guest/src/email/tables.rs, the Unicode data of the email rules.

A dev tool, not a product dependency. The email verdicts follow python
`email-validator` (spec §3), which reads two sources of Unicode data; the tables
are taken from the same two, so that the component agrees with it code point by
code point:

- Python's `unicodedata` (its Unicode version is printed in the file): general
  categories (unsafe characters), bidirectional classes (the Bidi rule),
  canonical combining classes and decompositions (NFC, the virama of CONTEXTJ),
  compatibility decompositions that hold a full stop;
- the `idna` package (IDNA 2008, RFC 5891-5893, and UTS 46): the derived
  property classes PVALID / CONTEXTJ / CONTEXTO of RFC 5892 (whatever is in
  none of them is DISALLOWED or UNASSIGNED), the scripts and joining types its
  contextual rules read, and the UTS 46 mapping table.

    pip install email-validator idna
    python3 guest/tests/vectors/gen_email_tables.py     # rewrites tables.rs
"""

import unicodedata
from pathlib import Path

import idna
from idna import idnadata
from idna.uts46data import uts46data

OUT = Path(__file__).resolve().parents[2] / "src" / "email" / "tables.rs"
MAX = 0x110000


def runs(value_of):
    """[(start, value)] where the value changes, from U+0000."""
    out = []
    prev = object()
    for cp in range(MAX):
        v = value_of(cp)
        if v != prev:
            out.append((cp, v))
            prev = v
    return out


def intranges(packed):
    """The idna package's packed ranges (start << 32 | end) as [(start, end)]."""
    return [(r >> 32, (r & 0xFFFFFFFF) - 1) for r in packed]


# --- general category, coarsened to what email-validator distinguishes ---
GC = {"Zs": "Space", "Zl": "LineBreak", "Zp": "LineBreak", "Cc": "Control",
      "Cf": "Format", "Cn": "Unassigned", "Co": "PrivateUse", "Cs": "Surrogate"}


def gc(cp):
    cat = unicodedata.category(chr(cp))
    if cat[0] in "LNPS":
        return "Visible"
    if cat[0] == "M":
        return "Mark"
    return GC[cat]


# --- bidirectional class; '' (unassigned) is Unknown ---
BIDI_NAMES = {"L": "L", "R": "R", "AL": "AL", "AN": "AN", "EN": "EN", "ES": "ES", "CS": "CS",
              "ET": "ET", "ON": "ON", "BN": "BN", "NSM": "NSM", "": "Unknown"}


def bidi(cp):
    return BIDI_NAMES.get(unicodedata.bidirectional(chr(cp)), "Other")


def canonical_decomposition(cp):
    d = unicodedata.decomposition(chr(cp))
    if not d or d.startswith("<"):
        return None
    return [int(x, 16) for x in d.split()]


def rust_table(name, doc, ty, rows, per_line=6):
    lines = [f"/// {doc}", "#[rustfmt::skip]", f"pub(super) static {name}: [{ty}; {len(rows)}] = ["]
    for i in range(0, len(rows), per_line):
        lines.append("    " + " ".join(f"{r}," for r in rows[i:i + per_line]))
    lines.append("];")
    return "\n".join(lines)


def main():
    parts = []
    hx = lambda cp: f"0x{cp:X}"  # noqa: E731

    gc_runs = runs(gc)
    parts.append(rust_table(
        "CATEGORY", "General category runs `(first code point, class)`, coarsened (see [`Gc`]).",
        "(u32, Gc)", [f"({hx(a)}, Gc::{v})" for a, v in gc_runs], 4))

    bidi_runs = runs(bidi)
    parts.append(rust_table(
        "BIDI", "Bidirectional class runs `(first code point, class)` (see [`Bidi`]).",
        "(u32, Bidi)", [f"({hx(a)}, Bidi::{v})" for a, v in bidi_runs], 4))

    ccc_runs = runs(lambda cp: unicodedata.combining(chr(cp)))
    parts.append(rust_table(
        "COMBINING_CLASS", "Canonical combining class runs `(first code point, class)`.",
        "(u32, u8)", [f"({hx(a)}, {v})" for a, v in ccc_runs], 6))

    decomps = []
    composes = []
    for cp in range(MAX):
        if 0xAC00 <= cp <= 0xD7A3:
            continue  # Hangul syllables decompose algorithmically
        d = canonical_decomposition(cp)
        if d is None:
            continue
        first, second = d[0], d[1] if len(d) == 2 else 0
        decomps.append(f"({hx(cp)}, {hx(first)}, {hx(second)})")
        # A primary composite: NFC recomposes it from its two parts.
        if second and unicodedata.normalize("NFC", chr(cp)) == chr(cp) \
                and unicodedata.combining(chr(first)) == 0:
            composes.append((first, second, cp))
    parts.append(rust_table(
        "DECOMPOSITION",
        "Canonical decompositions, one level `(code point, first, second or 0)` (Hangul aside).",
        "(u32, u32, u32)", decomps, 4))
    composes.sort()
    parts.append(rust_table(
        "COMPOSITION", "Primary composites `(first, second, composite)`, sorted by pair.",
        "(u32, u32, u32)", [f"({hx(a)}, {hx(b)}, {hx(c)})" for a, b, c in composes], 4))

    dots = [cp for cp in range(0x80, MAX)
            if "002E" in unicodedata.decomposition(chr(cp)).split(" ")]
    parts.append(rust_table(
        "DECOMPOSES_TO_DOT", "Code points whose decomposition holds a full stop (`⒈`).",
        "u32", [hx(cp) for cp in dots], 10))

    idna_rows = []
    for cls in ("PVALID", "CONTEXTJ", "CONTEXTO"):
        for a, b in intranges(idnadata.codepoint_classes[cls]):
            idna_rows.append((a, b, cls.capitalize().replace("Context", "Context")))
    idna_rows.sort()
    names = {"Pvalid": "Pvalid", "Contextj": "ContextJ", "Contexto": "ContextO"}
    parts.append(rust_table(
        "IDNA_CLASS",
        "RFC 5892 derived property ranges `(first, last, class)`; the rest is DISALLOWED.",
        "(u32, u32, Idna)", [f"({hx(a)}, {hx(b)}, Idna::{names[c]})" for a, b, c in idna_rows], 3))

    script_rows = []
    for script in ("Greek", "Han", "Hebrew", "Hiragana", "Katakana"):
        for a, b in intranges(idnadata.scripts[script]):
            script_rows.append((a, b, script))
    script_rows.sort()
    parts.append(rust_table(
        "SCRIPT", "Script ranges `(first, last, script)` that RFC 5892 appendix A reads.",
        "(u32, u32, Script)", [f"({hx(a)}, {hx(b)}, Script::{s})" for a, b, s in script_rows], 3))

    jt = idnadata.joining_types
    jt = jt() if callable(jt) else jt
    jt_runs = runs(lambda cp: chr(jt[cp]) if cp in jt else "U")
    parts.append(rust_table(
        "JOINING_TYPE", "Joining type runs `(first code point, type)` (RFC 5892 A.1).",
        "(u32, Joining)", [f"({hx(a)}, Joining::{v})" for a, v in jt_runs], 4))

    # UTS 46: rows of (first code point, status, mapping). The mapping text is
    # one pool; a row points at it with (offset << 9 | length << 3 | status).
    status_code = {"V": 0, "D": 1, "I": 2, "M": 3, "X": 4}
    pool = []
    pool_index = {}
    offset = 0
    rows = []
    for row in uts46data:
        cp, status = row[0], row[1]
        mapping = row[2] if len(row) == 3 else ""
        if status == "M":
            if mapping not in pool_index:
                pool_index[mapping] = offset
                pool.append(mapping)
                offset += len(mapping.encode("utf-8"))
            off, length = pool_index[mapping], len(mapping.encode("utf-8"))
        else:
            off, length = 0, 0
        assert length < 64
        code = off << 9 | length << 3 | status_code[status]
        if rows and rows[-1][1] == code and status != "M":
            continue  # same status as the row before: one run
        rows.append((cp, code))
    pool_text = "".join(pool)
    parts.append(rust_table(
        "UTS46", "UTS 46 rows `(first code point, offset << 9 | length << 3 | status)`; "
        "mappings are `UTS46_MAPPINGS[offset..offset + length]`.",
        "(u32, u32)", [f"({hx(a)}, {hx(b)})" for a, b in rows], 6))
    escaped = "".join(c if 0x20 < ord(c) < 0x7F and c not in '"\\' else f"\\u{{{ord(c):x}}}"
                      for c in pool_text)
    # Lines of about 90 characters, never splitting an escape.
    lines = []
    line = ""
    i = 0
    while i < len(escaped):
        if escaped[i] == "\\":
            j = escaped.index("}", i) + 1
            tok = escaped[i:j]
        else:
            j = i + 1
            tok = escaped[i]
        if len(line) + len(tok) > 90:
            lines.append(line)
            line = ""
        line += tok
        i = j
    lines.append(line)
    body = "\\\n    ".join(lines)
    parts.append("/// The mapped-to text of every UTS 46 mapping, concatenated.\n"
                 f"pub(super) static UTS46_MAPPINGS: &str = \"\\\n    {body}\";")

    header = f"""//! Unicode data of the email rules, generated: do not edit.
//!
//! Made by `guest/tests/vectors/gen_email_tables.py` from the data python
//! `email-validator` itself reads: Python's `unicodedata` (Unicode
//! {unicodedata.unidata_version}) and the `idna` package {idna.__version__} (IDNA 2008 derived
//! properties and UTS 46 data, Unicode {idnadata.__version__}). Each table is sorted by code
//! point and searched by [`super::unicode`].

use super::unicode::{{Bidi, Gc, Idna, Joining, Script}};
"""
    OUT.write_text(header + "\n" + "\n\n".join(parts) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(gc_runs)} category runs, {len(bidi_runs)} bidi runs, "
          f"{len(ccc_runs)} ccc runs, {len(decomps)} decompositions, {len(composes)} compositions, "
          f"{len(idna_rows)} idna ranges, {len(jt_runs)} joining runs, {len(rows)} uts46 rows, "
          f"{len(pool_text.encode())} mapping bytes")


if __name__ == "__main__":
    main()
