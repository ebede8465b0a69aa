#!/usr/bin/env python3
"""Generate the reference vectors of guest/src/email/ from python email-validator.

A dev tool, not a product dependency. The oracle is python `email-validator`
(spec §3: "the reference verdicts are those of python email-validator with
strict=True"), called as validate_email(trimmed, check_deliverability=False,
strict=True) on the input trimmed as Rust's `str::trim` does (the spec trims
first):

    pip install email-validator idna
    python3 guest/tests/vectors/gen_email.py [--suite PATH/TO/tests/test_syntax.py]

writes
  email.json        hand-picked cases, grouped by what they exercise (CASES);
  email_props.json  seeded random inputs built from classes of characters and
                    shapes (CLASSES), for the property test, each row named by
                    its class;
  email_idna.json   labels (contextual rules, disallowed code points, Bidi)
                    with python idna's own verdict and A-label (idna.alabel),
                    for the IDNA 2008 module alone;
  email_suite.json  with --suite: the valid and invalid lists of
                    email-validator's own test suite (tests/test_syntax.py of
                    its source distribution, `pip download --no-binary :all:
                    --no-deps email-validator`), their inputs only.

Each row holds:
  input       the raw input given to `normalize`
  valid       OUR expected verdict
  normalized  OUR expected output when valid: the local part in NFC (case
              kept) and the oracle's domain (UTS 46 mapped, A-labels decoded)
  oracle      the oracle's verdict on the trimmed input
  oracle_untrimmed  where trimming changed the input: the oracle's verdict on
              the input as given
  note        why a row is there (email.json), its class (email_props.json) or
              its list (email_suite.json); where `valid` differs from `oracle`
              or `oracle_untrimmed`, "DEVIATION:" and the reason (see
              deviation() and TRIM_DEVIATION)
"""

import argparse
import json
import random
import sys
import unicodedata
from pathlib import Path

import email_validator
import idna
from email_validator import EmailNotValidError, validate_email

HERE = Path(__file__).parent
ORACLE = (f"email-validator {email_validator.__version__} (idna {idna.__version__}, "
          f"Python unicodedata {unicodedata.unidata_version}): "
          "validate_email(trimmed, check_deliverability=False, strict=True)")

# Rust's `str::trim` strips the Unicode White_Space property; Python's
# `str.strip` strips a slightly different set, so spell it out.
RUST_WHITESPACE = set(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def rust_trim(s: str) -> str:
    start, end = 0, len(s)
    while start < end and s[start] in RUST_WHITESPACE:
        start += 1
    while end > start and s[end - 1] in RUST_WHITESPACE:
        end -= 1
    return s[start:end]


def oracle(s: str):
    try:
        return validate_email(s, check_deliverability=False, strict=True)
    except EmailNotValidError:
        return None


def deviation(trimmed: str):
    """Why our verdict differs from the oracle's on purpose, or None.

    Spec §3 limits the local part to 64 octets; email-validator (strict)
    counts 64 characters, so a local part of up to 64 characters but more than
    64 octets (as typed or in NFC) is valid for it and not for us."""
    local = trimmed.split("@", 1)[0]
    nfc = unicodedata.normalize("NFC", local)
    if max(len(local.encode()), len(nfc.encode())) > 64:
        return ("spec §3 limits the local part to 64 octets; email-validator counts "
                f"characters ({len(local)} here, {len(local.encode())} octets)")
    return None


TRIM_DEVIATION = ("spec §3 trims first; email-validator, given the untrimmed input, rejects "
                  "the surrounding whitespace (on the trimmed input it agrees)")


def row(raw: str, note: str) -> dict:
    trimmed = rust_trim(raw)
    result = oracle(trimmed)
    ours = result is not None
    why = []
    if ours and (octets := deviation(trimmed)):
        ours = False
        why.append(octets)
    untrimmed = None
    if trimmed != raw:
        untrimmed = "valid" if oracle(raw) is not None else "invalid"
        if (untrimmed == "valid") != ours:
            why.append(TRIM_DEVIATION)
    if why:
        note = f"{note}; DEVIATION: {'; DEVIATION: '.join(why)}"
    normalized = None
    if ours:
        local = trimmed.split("@", 1)[0]
        normalized = f"{unicodedata.normalize('NFC', local)}@{result.domain}"
    out = {
        "input": raw,
        "valid": ours,
        "normalized": normalized,
        "oracle": "valid" if result is not None else "invalid",
    }
    if untrimmed is not None:
        out["oracle_untrimmed"] = untrimmed
    out["note"] = note
    return out


def write(name: str, rows: list, extra: dict) -> None:
    header = {"generator": "guest/tests/vectors/gen_email.py", "oracle": ORACLE, **extra}
    text = json.dumps(header, ensure_ascii=False, indent=2)[:-2]
    lines = ",\n".join("    " + json.dumps(r, ensure_ascii=False) for r in rows)
    (HERE / name).write_text(f'{text},\n  "rows": [\n{lines}\n  ]\n}}\n', encoding="utf-8")
    deviations = sum("DEVIATION" in r["note"] for r in rows)
    print(f"{len(rows)} rows ({deviations} deviations) -> {name}")



LONG63 = "a" * 63
LONG64 = "a" * 64
# local 64 + "@" + domain 189 = 254 octets; one more letter makes 255.
DOMAIN189 = "a" * 63 + "." + "b" * 63 + "." + "c" * 57 + ".com"
DOMAIN190 = "a" * 63 + "." + "b" * 63 + "." + "c" * 58 + ".com"
# 253 octets is the longest domain; 254 is too long.
DOMAIN253 = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 57, "com"])
DOMAIN254 = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 58, "com"])
# IDN limits apply to the ASCII (xn--) form: 52 CJK characters (156 octets of
# UTF-8) make a 63-octet A-label, 53 make 64.
CJK = "中文" * 40
CJK52, CJK53 = CJK[:52], CJK[:53]
# 3 labels "übbb…": as typed the address fits in 254 octets (236 and 239), as
# Punycode it takes 254 and 257.
UMLAUT53 = ".".join(["ü" + "b" * 53] * 3) + ".com"
UMLAUT54 = ".".join(["ü" + "b" * 54] * 3) + ".com"

# (input, note). Grouped by what they exercise.
CASES = [
    # plain
    ("jane@example.com", "plain"),
    ("john.smith@example.org", "plain"),
    ("jane@example.net", "example.* must stay valid (RFC 2606, used by tests)"),
    ("x@x.com", "shortest realistic"),
    ("a@b.co", "two-letter TLD"),
    ("a@b.c", "one-letter TLD: syntactically fine"),
    ("user123@mail.example.co.uk", "subdomains"),
    ("first_last@example.com", "underscore in local part"),
    ("o'brien@example.ie", "apostrophe in local part"),
    ("1234567890@example.com", "digits only local part"),
    ("a@123.com", "digit-only label that is not the TLD"),
    ("a@123.456.com", "digit-only labels that are not the TLD"),
    ("a@x.c0m", "TLD with a digit, ending with a letter"),
    ("a@x.1a", "TLD starting with a digit, ending with a letter"),
    ("a@test.com", "'test' is special only as a TLD"),
    ("a%40b@example.com", "percent is atext"),
    ("!#$%&'*+-/=?^_`{|}~@example.com", "every ASCII atext special"),
    ("-@example.com", "hyphen-only local part"),
    ("_@example.com", "underscore-only local part"),
    # plus-tags
    ("user+tag@example.com", "plus-tag"),
    ("user+tag+more@example.com", "plus-tags"),
    ("user+@example.com", "empty plus-tag"),
    ("+@example.com", "plus-only local part"),
    ("Jane.Doe+Work@Example.COM", "plus-tag, local case kept, domain lowercased"),
    # dots
    ("a.b.c.d@example.com", "single dots"),
    (".jane@example.com", "leading dot"),
    ("jane.@example.com", "trailing dot"),
    ("ja..ne@example.com", "consecutive dots"),
    (".@example.com", "dot only"),
    ("a@example.com.", "trailing dot on the domain"),
    ("a@.example.com", "leading dot on the domain"),
    ("a@example..com", "consecutive dots in the domain"),
    ("a@.", "dot-only domain"),
    # case
    ("Jane.Doe@EXAMPLE.COM", "uppercase domain is lowercased"),
    ("JANE@Example.Org", "local part case kept"),
    ("Postmaster@Example.com", "role mailbox: oracle lowercases it, we keep it"),
    # surrounding and inner whitespace
    (" jane@example.com ", "trimmed"),
    ("\tjane@example.com\r\n", "trimmed"),
    ("\u00a0jane@example.com\u3000", "Unicode spaces are trimmed too"),
    ("jane doe@example.com", "space inside the local part"),
    ("jane@exa mple.com", "space inside the domain"),
    ("jane @example.com", "space before @"),
    ("jane@ example.com", "space after @"),
    ("jane\t@example.com", "tab inside"),
    ("ja\nne@example.com", "newline inside"),
    ("ja\u00a0ne@example.com", "no-break space inside"),
    # empty and @ count
    ("", "empty"),
    ("   ", "blank"),
    ("@", "nothing around @"),
    ("jane@", "missing domain"),
    ("@example.com", "missing local part"),
    ("janeexample.com", "missing @"),
    ("jane@@example.com", "doubled @"),
    ("jane@doe@example.com", "two @"),
    ("jane\uff20example.com", "full-width at sign is not an at sign"),
    ("jane\ufe6bexample.com", "small commercial at is not an at sign"),
    ("mailto:jane@example.com", "URI, not an address"),
    # quoted local parts
    ('"jane"@example.com', "quoted local part, even a needless one"),
    ('"jane doe"@example.com', "quoted local part with a space"),
    ('"jane@doe"@example.com', "quoted local part with an @"),
    ('""@example.com', "empty quoted local part"),
    ('jane."doe"@example.com', "partly quoted local part"),
    ('ja"ne@example.com', "stray quote"),
    # comments
    ("jane(comment)@example.com", "comment"),
    ("(comment)jane@example.com", "comment"),
    ("jane@(comment)example.com", "comment in the domain"),
    ("jane@example.com(comment)", "comment after the domain"),
    # display names and angle brackets
    ("Jane <j@x.com>", "display name (spec example)"),
    ("Jane Doe <jane@example.com>", "display name"),
    ('"Jane Doe" <jane@example.com>', "quoted display name"),
    ("<jane@example.com>", "angle brackets without a name"),
    ("Jane<jane@example.com>", "display name without a space"),
    ("jane@example.com <jane@example.com>", "address then angle-addr"),
    ("jane@example.com>", "stray >"),
    # domain literals
    ("a@[1.2.3.4]", "IPv4 domain literal"),
    ("a@[127.0.0.1]", "IPv4 domain literal"),
    ("a@[IPv6:2001:db8::1]", "IPv6 domain literal"),
    ("a@[IPv6:::1]", "IPv6 domain literal"),
    ("a@[example.com]", "bracketed name"),
    ("a@[1.2.3.4", "unclosed bracket"),
    ("a@1.2.3.4", "bare IPv4: numeric TLD"),
    # single-label domains
    ("a@localhost", "single label (spec example)"),
    ("a@com", "single label"),
    ("a@example", "single label"),
    # TLD rules
    ("a@example.123", "numeric TLD"),
    ("a@example.co1", "TLD ending with a digit"),
    ("a@example.c-m", "hyphen inside the TLD"),
    # special-use and reserved names (the oracle rejects them; the spec does not override it)
    ("a@example.test", "special-use TLD .test"),
    ("a@mail.local", "special-use TLD .local"),
    ("a@x.invalid", "special-use TLD .invalid"),
    ("a@foo.localhost", "special-use TLD .localhost"),
    ("a@hidden.onion", "special-use TLD .onion"),
    ("a@1.0.0.127.in-addr.arpa", "special-use TLD .arpa"),
    ("a@example.TEST", "special-use TLD, any case"),
    # hyphens
    ("a@ex-ample.com", "inner hyphen"),
    ("a@x-y-z.com", "inner hyphens"),
    ("a@exa--mple.com", "double hyphen not at positions 3-4"),
    ("a@-example.com", "leading hyphen"),
    ("a@example-.com", "trailing hyphen"),
    ("a@example.-com", "leading hyphen in the TLD"),
    ("a@example.com-", "trailing hyphen in the TLD"),
    ("a@ab--c.com", "hyphens at positions 3-4 are reserved for xn--"),
    ("a@àb--c.com", "positions 3-4 count characters, not bytes: reserved"),
    ("a@à--vb.com", "positions 3-4 count characters: a two-byte letter then hyphens at 2-3"),
    ("usr@xn----vb-ynab.cʛum", "an A-label whose U-label has two-byte letters before its hyphens (found by fuzzing)"),
    ("a@-.com", "hyphen-only label"),
    # other characters in the domain
    ("a@ex_ample.com", "underscore in the domain"),
    ("a@exam!ple.com", "atext special in the domain"),
    ("a@exa%mple.com", "percent in the domain"),
    ("a@example.com/path", "slash in the domain"),
    # other characters in the local part
    ("a,b@example.com", "comma"),
    ("a;b@example.com", "semicolon"),
    ("a:b@example.com", "colon"),
    ("a\\b@example.com", "backslash"),
    ("a[b]@example.com", "brackets"),
    # label lengths
    (f"a@{LONG63}.com", "63-octet label"),
    (f"a@{LONG64}.com", "64-octet label"),
    (f"a@{CJK52}.cn", "IDN label of 156 octets typed, 63 as Punycode"),
    (f"a@{CJK53}.cn", "IDN label of 159 octets typed, 64 as Punycode"),
    # local part lengths
    (f"{LONG64}@example.com", "64-octet local part"),
    (f"{LONG64}b@example.com", "65-octet local part"),
    ("é" * 32 + "@example.com", "local part of 64 octets in 32 characters"),
    # domain and total lengths
    (f"a@{DOMAIN253}", "253-octet domain"),
    (f"a@{DOMAIN254}", "254-octet domain"),
    (f"{LONG64}@{DOMAIN189}", "254-octet address"),
    (f"{LONG64}@{DOMAIN190}", "255-octet address"),
    ("a" * 1000 + "@example.com", "far too long"),
    (f"{LONG64}@{UMLAUT53}", "IDN address of 254 octets as Punycode"),
    (f"{LONG64}@{UMLAUT54}", "IDN address of 257 octets as Punycode (239 typed)"),
    ("a@" + ".".join([CJK[:30]] * 3) + ".cn", "IDN address of 277 octets typed (130 as Punycode)"),
    # UTF-8 local parts
    ("jöran@example.com", "UTF-8 local part"),
    ("ñoño@example.es", "UTF-8 local part"),
    ("Ünal@Example.COM", "UTF-8 local part keeps its case"),
    ("иван@example.ru", "Cyrillic local part"),
    ("δοκιμή@παράδειγμα.δοκιμή", "Greek address"),
    ("用户@例子.广告", "Chinese address"),
    ("チェック@example.jp", "Japanese local part"),
    ("😀@example.com", "emoji is a symbol, allowed in the local part"),
    ("jo\u0301ran@example.com", "decomposed accent in the local part (kept as typed)"),
    ("\u0301jane@example.com", "local part starting with a combining mark"),
    ("ja\u200bne@example.com", "zero-width space"),
    ("ja\u00adne@example.com", "soft hyphen"),
    ("ja\u202ene@example.com", "right-to-left override"),
    ("\ufeffjane@example.com", "byte order mark is not whitespace"),
    ("ja\ue000ne@example.com", "private-use character"),
    ("ja\u0085ne@example.com", "next line control"),
    ("ja\x07ne@example.com", "ASCII control"),
    ("ja\x00ne@example.com", "NUL"),
    ("ja\u0378ne@example.com", "unassigned code point"),
    # IDN domains
    ("user@münchen.de", "IDN domain"),
    ("Jane@MÜNCHEN.DE", "IDN domain lowercased"),
    ("user@straße.de", "ß is kept (UTS 46 nontransitional)"),
    ("user@пример.рф", "Cyrillic IDN"),
    ("user@例え.テスト", "Japanese IDN; テスト is not the special-use 'test'"),
    ("user@ข้อมูล.ไทย", "Thai IDN with a tone mark (a non-alphabetic combining mark)"),
    ("user@संस्कृत.भारत", "Devanagari IDN with a virama"),
    ("user@col·legi.cat", "Catalan middle dot between two l"),
    ("user@ab·c.cat", "middle dot outside l·l"),
    ("user@ジョン・スミス.jp", "katakana middle dot in a Japanese label"),
    ("user@a・b.jp", "katakana middle dot without Japanese around it"),
    ("user@mu\u0308nchen.de", "decomposed IDN (kept as typed)"),
    ("user@\u0301b.com", "label starting with a combining mark"),
    ("user@ΑΣ.gr", "Greek capitals, sigma lowercased per character"),
    ("user@ｅｘａｍｐｌｅ.com", "full-width letters fold to ASCII"),
    ("user@example\u3002com", "ideographic full stop is a dot"),
    ("user@example\uff0ecom", "full-width full stop is a dot"),
    ("user@exa\ufe0fmple.com", "variation selector: UTS 46 ignores it, dropped"),
    ("user@\ufe0fexample.com", "variation selector right after @ would combine with it"),
    ("user@ex\u0640ample.com", "Arabic tatweel is disallowed by IDNA 2008"),
    ("user@\u3131.com", "Hangul compatibility jamo map to disallowed old jamo"),
    ("user@α\u0375β.gr", "Greek keraia before a Greek letter"),
    ("user@a\u0375b.gr", "Greek keraia before a Latin letter"),
    ("user@אב\u05f3.com", "Hebrew geresh after a Hebrew letter"),
    ("user@①.com", "circled digit: the oracle maps it to 1, we keep it"),
    ("user@𝐀𝐁.com", "mathematical capitals, mapped to ab by UTS 46"),
    ("user@☃.com", "symbol in the domain"),
    ("user@💩.com", "emoji in the domain"),
    ("user@exa\u200bmple.com", "zero-width space in the domain"),
    ("user@exa\u00admple.com", "soft hyphen in the domain"),
    ("user@ü-.com", "IDN label with a trailing hyphen"),
    ("user@üb--c.com", "IDN label with hyphens at positions 3-4"),
    # Punycode (A-labels): accepted as typed (lowercased), but checked
    ("user@xn--mnchen-3ya.de", "valid A-label"),
    ("user@XN--MNCHEN-3YA.DE", "valid A-label, uppercase"),
    ("user@xn--p1ai.xn--p1ai", "valid A-labels"),
    ("user@xn--zz.com", "A-label that is not valid Punycode"),
    ("user@xn--ls8h.com", "A-label of an emoji"),
    ("user@xn--a-.com", "A-label ending with a hyphen"),
    ("user@xn--.com", "empty A-label"),
    ("user@example.xn--zckzah", "IDN TLD in Punycode"),
    # right-to-left domains (RFC 5893 Bidi rule)
    ("user@אב.com", "Hebrew label"),
    ("user@مثال.إختبار", "Arabic domain"),
    ("user@1.אב.com", "Bidi domain with a label starting with a digit"),
    ("user@aא.com", "mixed-direction label"),
    ("user@xn--4dbc.1.com", "Bidi domain in Punycode with a digit label"),
    # IDNA 2008 and UTS 46: code points a domain may not hold
    ("user@⒈.com", "U+2488 DIGIT ONE FULL STOP would hide a dot: disallowed"),
    ("user@a⒈com", "U+2488 inside a label"),
    ("user@a\u2024b.com", "one dot leader decomposes to a dot"),
    ("user@™.com", "trade mark sign maps to tm"),
    ("user@ⅷ.com", "roman numeral maps to viii"),
    ("user@½.com", "vulgar fraction maps to 1⁄2, and ⁄ is disallowed"),
    ("user@㍿.jp", "square corporation maps to 株式会社"),
    ("user@\u1fef.com", "Greek varia maps to a backtick"),
    ("user@ǅ.com", "titlecase digraph maps to dž"),
    ("user@ẞ.de", "capital sharp s maps to ß"),
    ("user@İ.com", "dotted capital I maps to i and a combining dot"),
    ("user@ς.gr", "final sigma is kept (deviation character, nontransitional)"),
    ("user@\u0378.com", "unassigned code point in the domain"),
    ("user@\U0001F1E6\U0001F1EA.com", "regional indicators are disallowed"),
    ("user@a\u00a0b.com", "no-break space in the domain"),
    ("user@example\uff61com", "halfwidth ideographic full stop is a dot"),
    ("user@\u3002example.com", "ideographic full stop first: an empty label"),
    ("user@exam\u0301ple.com", "combining mark inside an ASCII label"),
    ("user@e\u0301xample.com", "decomposed é composes under NFC"),
    ("user@क्\u200cष.in", "ZWNJ typed in a domain: a format character"),
    ("user@xn--11b2ezcs70k.in", "A-label with ZWNJ after a virama: CONTEXTJ holds, but ZWNJ is unsafe"),
    ("user@xn--ngbaaa2524a.com", "A-label with ZWNJ between Arabic letters"),
    ("user@xn--ab-j1t.com", "A-label with ZWNJ between Latin letters: CONTEXTJ fails"),
    ("user@xn--11b2ezcw70k.in", "A-label with ZWJ after a virama"),
    ("user@ب٣٤.com", "Arabic-Indic digits"),
    ("user@ب٣۴.com", "Arabic-Indic and extended Arabic-Indic digits mixed"),
    ("user@٣.com", "a label starting with an Arabic-Indic digit"),
    ("user@ب1.com", "right-to-left label ending with a European digit"),
    ("user@ب١1.com", "right-to-left label mixing digit kinds"),
    ("user@אב.1.com", "Bidi domain with a digit label last but one"),
    ("user@a.אב.com", "left-to-right label in a Bidi domain"),
    ("user@אa.com", "left-to-right letter in a right-to-left label"),
    ("user@אב-.com", "right-to-left label ending with a hyphen"),
    ("user@xn--mnchen-3ya.xn--p1ai", "A-labels decode to their Unicode form"),
    ("user@xn--Mnchen-3ya.de", "A-label with an uppercase basic letter"),
    ("user@xn--mnchen-3yA.de", "A-label with an uppercase Punycode digit"),
    ("user@xn--mnchen-3ya-.de", "A-label ending with a hyphen"),
    ("user@xn--nxasmq6b.com", "A-label of Greek capitals: not PVALID"),
    ("user@xn--mller-kva.xn--mller-kva.de", "two A-labels"),
    # a character outside atext in a dot-atom local part, next to a dot
    ("a.\u037e@example.com", "Greek question mark after a dot: NFC makes it a semicolon"),
    ("a\u037e.b@example.com", "Greek question mark before a dot"),
    ("a.;b@example.com", "semicolon after a dot"),
    ("a,.b@example.com", "comma before a dot"),
    ("a.\u0301b@example.com", "combining mark right after a dot"),
    ("\u0301.a@example.com", "combining mark first"),
    ("a.\u00a0b@example.com", "no-break space after a dot"),
    ("a.\u2028b@example.com", "line separator after a dot"),
    ("a.\u200bb@example.com", "zero-width space after a dot"),
    ("a.\ue000b@example.com", "private-use character after a dot"),
    ("a.\u0378b@example.com", "unassigned code point after a dot"),
    ("a.\u1fefb@example.com", "Greek varia after a dot: NFC makes it a backtick, atext"),
    ("a.\u212ab@example.com", "Kelvin sign after a dot: NFC makes it K"),
    ("a.\u3000b@example.com", "ideographic space after a dot"),
    ("jane.\ufe52doe@example.com", "small full stop is not a dot, but a safe character"),
    ("jane\uff0e.doe@example.com", "full-width full stop next to a dot"),
    ("a.\\b@example.com", "backslash after a dot"),
    ("a.[b@example.com", "bracket after a dot"),
    ("a.\x7fb@example.com", "DEL after a dot"),
    ("a.\u0085b@example.com", "C1 control after a dot"),
    ("a.\U000e0001b@example.com", "language tag after a dot"),
    ("a.\ufeffb@example.com", "byte order mark after a dot"),
    ("a.\u180eb@example.com", "Mongolian vowel separator after a dot"),
    # lengths counted in octets, on the ASCII form of the domain
    ("\u0958" * 10 + "@" + "a" * 63 + "." + "b" * 63 + "." + "c" * 63 + ".com",
     "local part that NFC lengthens (30 octets typed, 60 in NFC), address 254 octets in NFC"),
    ("\u0958" * 21 + "@example.com", "local part of 63 octets that NFC makes 126"),
    ("a" * 64 + "@" + ".".join(["ü" + "b" * 52] * 3) + ".com",
     "IDN address of 251 octets as Punycode, 236 as typed"),
    ("a" * 64 + "@" + "中" * 20 + ".com", "IDN address: 65 octets of domain typed, 27 as Punycode"),
    ("a@" + ".".join(["中文" * 13] * 4) + ".cn", "four 63-octet A-labels: domain of 255 octets as Punycode"),
    ("a@" + ".".join(["中文" * 13] * 3 + ["中" * 20]) + ".cn", "IDN domain of 227 octets as Punycode"),
    ("a@" + "İ" * 50 + ".com", "dotted capitals: 100 octets typed, 150 mapped"),
    ("a" * 60 + "@" + "İ" * 60 + "." + "b" * 62 + ".com", "dotted capitals: 247 octets typed, 307 mapped"),
    ("a@" + "ｅ" * 62 + ".com", "full-width letters: 186 octets typed, 62 mapped"),
    ("a@" + "ｅ" * 84 + ".com", "full-width letters: 252 octets typed, 84 mapped, 259 with the local part"),
    ("ü" * 32 + "@example.com", "local part of 64 octets in 32 characters"),
    ("ü" * 32 + "a@example.com", "local part of 65 octets in 33 characters"),
    ("中" * 21 + "@example.com", "local part of 63 octets in 21 characters"),
    ("中" * 22 + "@example.com", "local part of 66 octets in 22 characters"),
    ("\U0001F600" * 16 + "@example.com", "local part of 64 octets in 16 emoji"),
    ("\U0001F600" * 17 + "@example.com", "local part of 68 octets in 17 emoji"),
    ("e\u0301" * 32 + "@example.com", "local part of 96 octets, 64 characters, 32 in NFC"),
    ("é" * 33 + "@example.com", "local part of 66 octets in 33 characters"),
]


def write_idna(name: str, rows: list) -> None:
    header = {"generator": "guest/tests/vectors/gen_email.py",
              "oracle": f"idna {idna.__version__}: idna.alabel(label), the ASCII form or null "
                        "when IDNA 2008 refuses the label"}
    text = json.dumps(header, ensure_ascii=False, indent=2)[:-2]
    lines = ",\n".join("    " + json.dumps(r, ensure_ascii=False) for r in rows)
    (HERE / name).write_text(f'{text},\n  "rows": [\n{lines}\n  ]\n}}\n', encoding="utf-8")
    print(f"{len(rows)} labels ({sum(r['ascii'] is not None for r in rows)} valid) -> {name}")


def curated_rows() -> list:
    seen = set()
    rows = []
    for raw, note in CASES:
        if raw in seen:
            sys.exit(f"duplicate case {raw!r}")
        seen.add(raw)
        rows.append(row(raw, note))
    return rows


# --- email-validator's own test suite -------------------------------------

def suite_rows(test_syntax: Path) -> list:
    """The inputs of the parametrized tests of email-validator's
    tests/test_syntax.py, read by running the module with a stand-in for
    pytest that records each test's parameters (nothing of the tests runs)."""
    import types

    params = {}

    def parametrize(names, values, **_):
        def record(fn):
            params[fn.__name__] = (names, values)
            return fn
        return record

    fake = types.ModuleType("pytest")
    fake.mark = types.SimpleNamespace(parametrize=parametrize)
    fake.raises = None
    sys.modules["pytest"] = fake
    namespace = {"__name__": "test_syntax"}
    exec(compile(test_syntax.read_text(encoding="utf-8"), str(test_syntax), "exec"), namespace)

    rows = []
    seen = set()

    def add(raw, test, expected):
        if raw in seen:
            return
        seen.add(raw)
        try:
            raw.encode("utf-8")
        except UnicodeEncodeError:
            print(f"skipped {raw!r} of {test}: not UTF-8 (a lone surrogate)")
            return
        rows.append(row(raw, f"{test}: {expected} in the suite"))

    for test, (names, values) in params.items():
        for value in values:
            value = value if isinstance(value, (tuple, list)) else (value,)
            raw = value[0]
            if test == "test_email_valid":
                add(raw, test, "valid with allow_quoted_local and allow_display_name")
            elif test == "test_email_valid_intl_local_part":
                add(raw, test, "valid with allow_display_name")
            elif test == "test_pyisemail_tests":
                add(raw, test, "valid" if value[1] == "ISEMAIL_VALID" else f"invalid ({value[1]})")
            elif test == "test_email_unsafe_character":
                add(raw + "@test", test, "invalid")
                add("test@" + raw, test, "invalid")
            elif test == "test_email_valid_only_if_quoted_local_part":
                add(raw, test, "invalid without allow_quoted_local")
            elif test == "test_email_invalid_character_smtputf8_off":
                add(raw, test, "invalid with allow_smtputf8=False")
            else:
                add(raw, test, "invalid")
    return rows


# --- seeded random inputs, by class, for the property test -----------------

ATEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~"
NOT_ATEXT = " \"(),:;<>@[\\]\x7f\t"
UNICODE_LOCAL = [
    "é", "ñ", "ü", "ß", "ø", "λ", "Ω", "ж", "Я", "ש", "ع", "中", "文", "ツ", "한", "ไ", "क",
    "\U0001F600", "€", "©", "¿", "\u0301", "\u0308", "\u093c", "\u037e", "\u1fef", "\u212a",
    "\u0958", "\u0340", "\u00a0", "\u2028", "\u200b", "\u200d", "\u00ad", "\ue000", "\u0378",
    "\ufdd0", "\u0085", "\U000e0001", "\ufe52", "\uff0e", "\u3000", "\u2044", "\ufb2c", "İ",
]
LATIN = "abcdefghijklmnopqrstuvwxyz0123456789"
SCRIPT_LABELS = [
    "münchen", "straße", "español", "ελληνικά", "пример", "рф", "עברית", "אב", "مثال", "إختبار",
    "संस्कृत", "भारत", "中文", "例え", "テスト", "한국", "ไทย", "ข้อมูล", "ქართული", "հայ",
    "col·legi", "α͵β", "אב׳", "ジョン・スミス", "ب٣٤",
]
IDN_CHARS = [
    "ü", "é", "ß", "ς", "σ", "Σ", "ж", "Ж", "中", "ア", "あ", "ㄱ", "ㅏ", "한", "ไ", "\u0e49", "क",
    "\u094d", "ש", "ب", "٣", "۴", "1", "-", "·", "͵", "׳", "・", "\u200c", "\u200d", "⒈", "①",
    "™", "½", "ǅ", "ẞ", "İ", "ｅ", "Ａ", "。", "｡", "．", "\ufe0f", "\u034f", "\u0301", "\u0640",
    "\U0001F4A9", "☃", "\u00a0", "\u0378", "\u1fef", "\u2024", "\u00ad", "\u3131", "\U0001D400",
    "_", "\u0660", "\u06f0", "\u05d0", "\u0627", "\u0661",
]
RTL_LABELS = ["אב", "עברית", "مثال", "ب١", "ب1", "1", "a", "a1", "١", "אa", "ب-ب", "ש\u05b0"]
TLDS = ["com", "de", "org", "рф", "中国", "xn--p1ai", "co.uk", "test", "local", "1", "c0", "ΣΑ",
        "みんな", "xn--zckzah", "ישראל", "عرب"]
WHITESPACE = [" ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u2003", "\u200b", "\ufeff", "\u0085",
              "\u2028", "\u180e", "\u202f"]


def alabel_of(rng, label: str) -> str:
    try:
        return "xn--" + label.encode("punycode").decode("ascii")
    except UnicodeError:
        return "xn--" + "".join(rng.choice(LATIN) for _ in range(5))


def gen_local_ascii(rng):
    parts = []
    for _ in range(rng.randint(1, 4)):
        atom = "".join(rng.choice(ATEXT if rng.random() < 0.9 else NOT_ATEXT)
                       for _ in range(rng.randint(0, 6)))
        parts.append(atom)
    return ".".join(parts) + "@example.com"


def gen_local_unicode(rng):
    out = []
    for _ in range(rng.randint(1, 8)):
        r = rng.random()
        if r < 0.35:
            out.append(rng.choice(UNICODE_LOCAL))
        elif r < 0.5:
            out.append(".")
        else:
            out.append(rng.choice(LATIN))
    return "".join(out) + "@" + rng.choice(["example.com", "例え.jp", "пример.рф"])


def gen_idna_label(rng):
    r = rng.random()
    if r < 0.3:
        return rng.choice(SCRIPT_LABELS)
    chars = [rng.choice(IDN_CHARS if rng.random() < 0.5 else LATIN) for _ in range(rng.randint(1, 6))]
    return "".join(chars)


def gen_domain_idna(rng):
    labels = [gen_idna_label(rng) for _ in range(rng.randint(1, 3))]
    return "user@" + ".".join(labels) + "." + rng.choice(TLDS)


def gen_domain_alabel(rng):
    labels = []
    for _ in range(rng.randint(1, 2)):
        r = rng.random()
        label = gen_idna_label(rng)
        if r < 0.6:
            labels.append(alabel_of(rng, label))
        elif r < 0.8:
            labels.append(alabel_of(rng, label).upper() if rng.random() < 0.5 else alabel_of(rng, label))
        else:
            labels.append("xn--" + "".join(rng.choice(LATIN + "-") for _ in range(rng.randint(0, 8))))
    return "user@" + ".".join(labels) + "." + rng.choice(TLDS)


def gen_bidi(rng):
    labels = [rng.choice(RTL_LABELS + SCRIPT_LABELS[:4]) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.3:
        labels = [alabel_of(rng, l) if not l.isascii() else l for l in labels]
    return "user@" + ".".join(labels) + "." + rng.choice(["com", "ישראל", "عرب", "il"])


def ascii_len(label: str) -> int:
    try:
        return len(idna.alabel(label))
    except idna.IDNAError:
        return len(label.encode())


def gen_lengths(rng):
    # Local parts and whole addresses near their limits (64 and 254 octets),
    # in ASCII and multi-octet forms, domains measured in their ASCII form.
    local_char = rng.choice(["a", "a", "é", "中", "\U0001F600", "e\u0301", "\u0958"])
    width = len(local_char.encode())
    local = local_char * max(1, rng.randint(56, 66) // width)
    label_char = rng.choice(["a", "a", "ü", "中", "ｅ", "İ", "ß"])
    target = 254 - len(local.encode()) - 1 + rng.randint(-6, 6)
    labels = []
    total = 3  # ".com"
    while total < target - 8:
        room = min(63, target - total - 1)
        if label_char == "a" or rng.random() < 0.3:
            label = "a" * rng.randint(max(1, room - 10), room)
        elif label_char == "中":
            label = label_char * rng.randint(1, 19)
        else:
            label = label_char + "b" * rng.randint(max(1, room - 20), max(1, room - 8))
        labels.append(label)
        total += ascii_len(label) + 1
    return local + "@" + ".".join(labels) + ".com"


def gen_whitespace(rng):
    base = rng.choice(["jane@example.com", "jöran@münchen.de", "a.b@例え.jp"])
    pos = rng.choice(["lead", "trail", "both", "inner"])
    ws = rng.choice(WHITESPACE)
    if pos == "lead":
        return ws + base
    if pos == "trail":
        return base + ws
    if pos == "both":
        return ws + base + rng.choice(WHITESPACE)
    i = rng.randint(1, len(base) - 1)
    return base[:i] + ws + base[i:]


def gen_case(rng):
    base = rng.choice(["Jane.Doe@Example.COM", "ÜNAL@MÜNCHEN.DE", "ΑΣ@ΠΑΡΆΔΕΙΓΜΑ.ΔΟΚΙΜΉ",
                       "İ@İSTANBUL.COM", "KELVIN@\u212aELVIN.COM", "x@ẞTRASSE.DE", "POSTMASTER@EXAMPLE.COM",
                       "ǅ@ǅ.com", "Ⅷ@Ⅷ.com"])
    return "".join(c.swapcase() if rng.random() < 0.3 else c for c in base)


def gen_structure(rng):
    pieces = ["jane", "@", "@", ".", '"', "<", ">", "(", ")", "[", "]", "example", "com", " ",
              "Jane Doe", "\\", "IPv6:", "1.2.3.4", "＠", "﹫", ":"]
    return "".join(rng.choice(pieces) for _ in range(rng.randint(2, 7)))


def random_code_point(rng):
    """Any code point but a surrogate, half of them below U+3000."""
    r = rng.random()
    if r < 0.5:
        c = rng.randint(0x80, 0x2FFF)
    elif r < 0.8:
        c = rng.randint(0x3000, 0x1FFFF)
    else:
        c = rng.randint(0x20000, 0x10FFFF)
    return chr(0x41 if 0xD800 <= c <= 0xDFFF else c)


def gen_code_points(rng):
    # Random code points of the whole range, in the local part, a domain
    # label or an A-label: every table is read somewhere.
    def label():
        return "".join(random_code_point(rng) if rng.random() < 0.5 else rng.choice("abxyz019-")
                       for _ in range(rng.randint(1, 5)))
    r = rng.random()
    if r < 0.4:
        return label() + "@example.com"
    if r < 0.8:
        return "a@" + label() + "." + rng.choice(["com", "de", label()])
    return "a@" + alabel_of(rng, label()) + ".com"


CLASSES = {
    "local-ascii": (gen_local_ascii, 300),
    "local-unicode": (gen_local_unicode, 400),
    "domain-idna": (gen_domain_idna, 500),
    "domain-alabel": (gen_domain_alabel, 300),
    "bidi": (gen_bidi, 250),
    "lengths": (gen_lengths, 300),
    "whitespace": (gen_whitespace, 120),
    "case": (gen_case, 150),
    "structure": (gen_structure, 200),
    "code-points": (gen_code_points, 600),
}
SEED = 10


def prop_rows() -> list:
    rng = random.Random(SEED)
    rows = []
    seen = set()
    for name, (gen, count) in CLASSES.items():
        made = 0
        while made < count:
            raw = gen(rng)
            if raw in seen:
                continue
            seen.add(raw)
            rows.append(row(raw, name))
            made += 1
    return rows


# --- IDNA 2008 labels, against python idna itself ---------------------------

CONTEXT_LABELS = [
    # CONTEXTJ (RFC 5892 A.1, A.2): joiners after a virama, ZWNJ between joining letters.
    "क्\u200cष", "क्\u200dष", "a\u200cb", "a\u200db", "بب\u200cبب", "ب\u200cا", "ا\u200cب",
    "ب\u064b\u200c\u064bب", "\u200cب", "ب\u200c", "ක්\u200dර", "\u200d",
    # CONTEXTO (A.3 to A.9).
    "l·l", "col·legi", "·l", "l·", "a·b", "α͵β", "a͵b", "͵", "א׳", "a׳", "׳", "אב״", "ジョン・スミス",
    "・", "a・b", "漢・字", "ひ・ら", "ب٣٤", "ب٣۴", "ب۳۴", "٣", "۴",
    # Disallowed, unassigned, hyphens, marks, NFC.
    "⒈", "ß", "ς", "Σ", "a\u0301", "\u0301a", "a-", "-a", "ab--c", "xn--a", "e\u0301", "é",
    "\u0640", "\u3131", "\u0378", "💩", "☃", "ǅ", "dž",
    # Bidi rule (RFC 5893 §2), one label at a time.
    "אב", "א1", "1א", "אa", "א-ב", "ب١", "ب1", "ب١1", "א\u05b0", "\u05b0א", "a1", "١",
]
IDNA_CHARS = sorted(set(IDN_CHARS + ["ב", "ا", "\u064b", "ک", "\u0dca", "ර", "ය", "\u0bcd",
                                     "α", "β", "ひ", "漢", "\u200c", "\u200d", "\u05b0", "\u05f3"]))


def idna_rows() -> list:
    rng = random.Random(SEED)
    labels = list(CONTEXT_LABELS)
    seen = set(labels)
    while len(labels) < 1500:
        label = "".join(rng.choice(IDNA_CHARS if rng.random() < 0.7 else LATIN)
                        for _ in range(rng.randint(1, 6)))
        if label not in seen and "." not in label:
            seen.add(label)
            labels.append(label)
    rows = []
    for label in labels:
        try:
            ascii_form = idna.alabel(label).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            ascii_form = None
        rows.append({"label": label, "ascii": ascii_form})
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--suite", type=Path, help="email-validator's tests/test_syntax.py")
    args = parser.parse_args()
    write("email.json", curated_rows(), {})
    write("email_props.json", prop_rows(), {"seed": SEED, "classes": {k: v[1] for k, v in CLASSES.items()}})
    write_idna("email_idna.json", idna_rows())
    if args.suite:
        write("email_suite.json", suite_rows(args.suite), {
            "origin": f"the parametrized inputs of tests/test_syntax.py in the email-validator "
                      f"{email_validator.__version__} source distribution (PyPI sdist), "
                      "by Joshua Tauberer and contributors",
            "licence": "The Unlicense (public domain dedication); only the inputs are taken, "
                       "not the code",
            "note": "each row's note names the test and what the suite expects under that "
                    "test's own options; `oracle` is the verdict under ours (strict, no quoted "
                    "local part, no domain literal, no display name, no test environment); "
                    "the suite's lone surrogate (U+D800) is left out: no Rust string holds it",
        })


if __name__ == "__main__":
    main()
