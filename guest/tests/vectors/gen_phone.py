#!/usr/bin/env python3
"""Dev tool: regenerates phone.tsv and phone_variants.tsv, the test vectors of guest/src/phone
(contract §3 "Phone").

The oracle is Google libphonenumber through its python port `phonenumbers`
(`pip install phonenumbers==9.0.33`, see below). This script is not a product dependency: the generated vectors
are committed and the Rust unit tests read them with include_str!.

    python3 guest/tests/vectors/gen_phone.py    # rewrites both files next to this script

Where the contract is stricter than libphonenumber, the contract wins and the row's comment
says so ("spec: ..."):
  * letters are refused (error Letters) unless the whole input is a vanity number; every input
    holding a letter must be annotated here, LETTERS, OK (python's verdict stands) or VANITY
    (python's verdict stands if it spells a possible number, else Letters);
  * a leading ASCII space is a URL-decoded '+';
  * every Unicode space counts as a space (libphonenumber refuses e.g. U+202F);
  * an empty input is Empty, and extension digits are folded to ASCII.
Each row records libphonenumber's verdicts on the parsed number: its international form
(`+` country code and national number, whatever its validity), `is_possible_number_with_reason`,
`is_valid_number`, and `e164`, which the contract (§3) gives only to a valid number; an input
that does not parse names the Rust PhoneError variant in `error` instead. `class` names how the
row was built (a section of hand-written cases, or a construction of valid, possible-but-invalid
and unparseable numbers per region), so that a failure reads by its class.

Pin the metadata: use the python `phonenumbers` release whose metadata the `phonenumber` crate
ships (the crate's version says it after the '+': 0.3.10+9.0.33 -> `pip install phonenumbers==9.0.33`).
The same run writes phone_variants.tsv (see gen_variants), the vectors of the property test.
"""

import os
import random
import unicodedata

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType
from phonenumbers.phonenumberutil import ValidationResult

REGIONS = ["FR", "GB", "US", "DE", "AU", "IN", "BR", "JP"]

LETTERS = "letters"  # contract: refused with PhoneError::Letters
OK = "ok"  # letters python handles as the contract wants (tel:, extension label)
VANITY = "vanity"  # letters that must spell a possible number, else refused as Letters

PARSE_ERRORS = {
    NumberParseException.INVALID_COUNTRY_CODE: "InvalidCountryCode",
    NumberParseException.NOT_A_NUMBER: "NotANumber",
    NumberParseException.TOO_SHORT_AFTER_IDD: "TooShort",
    NumberParseException.TOO_SHORT_NSN: "TooShort",
    NumberParseException.TOO_LONG: "TooLong",
}
LENGTH_ERRORS = {
    ValidationResult.INVALID_COUNTRY_CODE: "InvalidCountryCode",
    ValidationResult.TOO_SHORT: "TooShort",
    ValidationResult.TOO_LONG: "TooLong",
    ValidationResult.INVALID_LENGTH: "InvalidLength",
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "InvalidLength",
}

# (input, default region, letters annotation or None, comment, class)
CASES = []
SECTION = [""]


def section(name):
    """Names the class of the cases that follow."""
    SECTION[0] = name


def case(number, region, letters=None, comment="", cls=None):
    CASES.append((number, region, letters, comment, cls or SECTION[0]))


section("foreign-code")
# --- The number carries its own country code, under a *different* default region: the crate
# strips the default region's trunk prefix from it.
case("+33 1 23 45 67 89", "US", comment="crate: +3323456789")
case("+33 6 12 34 56 78", "US")
case("+49 151 23456789", "US", comment="crate: a different valid number")
case("+49 30 123456", "FR")
case("+49 151 23456789", "FR")
case("+49 (0)30 123456", "US")
case("+49 (0)151 23456789", "GB")
case("+44 20 7946 0958", "US")
case("+44 (0)20 7946 0958", "US")
case("+44 (0)20 7946 0958", "FR")
case("+44 (0) 7400 123456", "DE")
case("+33 (0)6 12 34 56 78", "GB")
case("+61 2 9876 5432", "US")
case("+61 (0)412 345 678", "FR")
case("+91 98765 43210", "GB")
case("+55 11 91234-5678", "US")
case("+81 3-1234-5678", "US")
case("+81 90-1234-5678", "FR")
case("+1 650 253 0000", "FR")
case("+1 (202) 456-1111", "DE")
case("+39 06 1234 5678", "FR", comment="Italian leading zero kept")
case("+39 312 345 6789", "GB")
case("+54 9 11 1234-5678", "US", comment="AR national prefix transform")
case("+7 701 123 45 67", "FR", comment="+7 shared: KZ")
case("+1 604 555 0199", "FR", comment="+1 shared: CA")
case("+44 1534 456789", "FR", comment="+44 shared: JE")
case("+262 692 12 34 56", "FR", comment="+262 shared: RE")
case("+800 1234 5678", "FR", comment="non-geographic")
case("+33612345678", "ZZ", comment="unknown default region, explicit code")
case("0612345678", "ZZ", comment="unknown default region, no code")

section("idd")
# --- International prefix: 00 and the default region's own IDD.
case("0033 6 12 34 56 78", "FR")
case("0033612345678", "DE")
case("0049 30 123456", "DE")
case("0049 151 23456789", "FR")
case("0044 20 7946 0958", "FR")
case("00 33 1 23 45 67 89", "GB")
case("0033 (0)6 12 34 56 78", "FR")
case("0061 2 9876 5432", "IN")
case("00 91 98765 43210", "FR")
case("011 33 6 12 34 56 78", "US")
case("011 49 30 123456", "US")
case("011 44 20 7946 0958", "US")
case("01133612345678", "US")
case("011 33 6 12 34 56 78", "FR", comment="011 is no IDD from FR")
case("010 33 6 12 34 56 78", "JP")
case("0011 33 6 12 34 56 78", "AU")
case("0021 33 6 12 34 56 78", "BR")
case("+011 44 20 7946 0958", "US", comment="'+' then IDD: retried without '+'")
case("0033", "FR")

section("own-code-without-plus")
# --- The default region's code written without '+'.
case("33612345678", "FR")
case("33 1 23 45 67 89", "FR")
case("4930123456", "DE")
case("16502530000", "US")
case("442079460958", "GB")
case("33612345678", "US")

section("decoded-plus")
# --- Leading space = URL-decoded '+'.
case(" 33612345678", "FR")
case(" 33612345678", "US")
case(" 1 650 253 0000", "FR")
case(" 44 20 7946 0958", "DE")
case(" 0612345678", "FR")

section("national")
# --- National forms with trunk prefix.
case("06 12 34 56 78", "FR")
case("01 23 45 67 89", "FR")
case("06.12.34.56.78", "FR")
case("06-12-34-56-78", "FR")
case("(06) 12 34 56 78", "FR")
case("020 7946 0958", "GB")
case("07400 123456", "GB")
case("030 123456", "DE")
case("030/123456", "DE")
case("0 30 123456", "DE")
case("(02) 9876 5432", "AU")
case("0412 345 678", "AU")
case("011 2345 6789", "IN")
case("098765 43210", "IN")
case("9876543210", "IN")
case("(11) 2345-6789", "BR")
case("012 11 91234 5678", "BR", comment="carrier code 12 dropped")
case("0 21 11 91234-5678", "BR", comment="carrier code 21 dropped")
case("03-1234-5678", "JP")
case("090-1234-5678", "JP")
case("650-253-0000", "US")
case("(650) 253-0000", "US")
case("0612345678", "US")
case("612345678", "FR")

section("extension")
# --- Extensions.
case("+33 1 23 45 67 89 ext. 123", "US", OK, "extension label")
case("01 23 45 67 89 ext 12", "FR", OK, "extension label")
case("+1 650 253 0000 x 1234", "US", OK, "extension label")
case("650-253-0000 x1234", "US", OK, "extension label")
case("(650) 253-0000 #123", "US")
case("+44 20 7946 0958;ext=42", "FR", OK, "rfc3966 extension")
case("0612345678#12", "FR")
case("0612345678#", "FR")
case("+1 650 253 0000 ext. １２３", "US", OK, "extension label")
case("+1 650 253 0000 extension 99", "US", OK, "extension label")
case("(530) 583-6985 x302/x2303", "US", OK, "extension label, second number dropped")
case("650 253 0000 - 503#", "US")
case("+33 1 23 45 67 89 poste 12", "FR", LETTERS, "not a libphonenumber label")

section("auto-dial")
# --- Auto-dial suffixes.
case("+33 1 23 45 67 89,,123", "FR")
case("+1 650 253 0000,,1234", "DE")
case("0612345678;12", "FR")
case("+1 650 253 0000,1234", "US")
case("+44 20 7946 0958,,", "GB")

section("unicode-digits")
# --- Full-width and other Unicode digits.
case("＋３３ ６ １２ ３４ ５６ ７８", "US")
case("０６１２３４５６７８", "FR")
case("０３－１２３４－５６７８", "JP")
case("+４９ ３０ １２３４５６", "FR")
case("٠٦١٢٣٤٥٦٧٨", "FR")

section("unicode-spaces")
# --- Unicode spaces.
case("+33\u00a06\u00a012\u00a034\u00a056\u00a078", "US")
case("06\u00a012\u00a034\u00a056\u00a078", "FR")
case("06\u202f12\u202f34\u202f56\u202f78", "FR")
case("+44\u200920\u20097946\u20090958", "FR")
case("\u00a00612345678", "FR")
case("06 12 34 56 78\u00a0", "FR")
case("06\t12\t34\t56\t78", "FR")

section("tel-uri")
# --- tel: URIs.
case("tel:+33-6-12-34-56-78", "US", OK, "tel: scheme")
case("tel:+33612345678", "FR", OK, "tel: scheme")
case("tel:06-12-34-56-78;phone-context=+33", "US", OK, "tel: scheme")
case("tel:+1-650-253-0000;ext=1234", "FR", OK, "tel: scheme")
case("tel:0612345678", "FR", OK, "tel: scheme")
case("tel:612345678;phone-context=example.com", "FR", OK, "tel: scheme")
case("tel:+33612345678;isub=1234", "FR", OK, "tel: scheme")
case("Tel: 06 12 34 56 78", "FR", OK, "tel: label")
case("tel:0612345678;phone-context=", "FR", OK, "empty phone-context")

section("letters")
# --- Letters: refused unless a vanity number.
case("06 12 34 56 7A", "FR", LETTERS, "stray letter")
case("+1 650 253 00 ab", "US", LETTERS, "stray letters")
case("+33 6 12 34 56 78 (home)", "FR", LETTERS, "comment in the number")
case("06 12 34 56 78 bureau", "FR", LETTERS, "letters are no vanity number")
case("Phone: 06 12 34 56 78", "FR", LETTERS, "label before the number")
case("0xx21 2345 6789", "BR", LETTERS, "x as carrier placeholder")
case("06 12 34 56 78x", "FR", LETTERS, "stray letter")
case("O6 12 34 56 78", "FR", LETTERS, "letter O for zero")
case("1-800-FLOWERS", "US", VANITY, "vanity")
case("1 800 GOT JUNK", "US", VANITY, "vanity")
case("+1-800-FLOWERS", "FR", VANITY, "vanity")
case("0800 FLOWERS", "GB", VANITY, "vanity")
case("1-800-FLOWERS", "FR", LETTERS, "vanity spelling no possible FR number")
case("anonymous", "FR", LETTERS, "no digits: not a number")
case("someone@example.com", "FR", LETTERS, "no digits: not a number")

section("short-long-garbage")
# --- Short, long, garbage, empty.
case("", "FR")
case(" ", "FR")
case("\u00a0", "FR")
case("12", "FR")
case("123", "FR")
case("1234567", "FR")
case("+33 6", "FR")
case("+33 6 12 34 56 78 90", "FR")
case("0612345678901234567890", "FR")
case("12345678901234567890", "US")
case("+999 123456", "FR")
case("+", "FR")
case("++33612345678", "FR")
case("00", "FR")
case("---", "FR")
case("()", "FR")
case("+1", "US")
case("253-0000", "US", comment="local-only number: no E.164 form")
case("1" * 300, "FR")


TYPES = {
    "fixed": PhoneNumberType.FIXED_LINE,
    "mobile": PhoneNumberType.MOBILE,
    "toll-free": PhoneNumberType.TOLL_FREE,
    "premium": PhoneNumberType.PREMIUM_RATE,
    "shared-cost": PhoneNumberType.SHARED_COST,
    "voip": PhoneNumberType.VOIP,
    "personal": PhoneNumberType.PERSONAL_NUMBER,
    "pager": PhoneNumberType.PAGER,
    "uan": PhoneNumberType.UAN,
    "voicemail": PhoneNumberType.VOICEMAIL,
}

# (class, home region, calling code, national significant number): every number the
# constructions below write, which gen_variants writes again in random formats.
BASES = []


def meta(region):
    return phonenumbers.PhoneMetadata.metadata_for_region(region)


def parses(text, region):
    try:
        return phonenumbers.parse(text, region)
    except NumberParseException:
        return None


def invalid_but_possible(cc, nsn):
    n = parses(f"+{cc}{nsn}", "ZZ")
    return (
        n is not None
        and phonenumbers.national_significant_number(n) == nsn
        and phonenumbers.is_possible_number(n)
        and not phonenumbers.is_valid_number(n)
    )


def national_form(region, nsn):
    """The digits as dialled at home: with the trunk prefix where the region's is 0."""
    return ("0" if meta(region).national_prefix == "0" else "") + nsn


def write_both(cls, region, cc, nsn, other):
    """A constructed number, international under another region and national at home."""
    BASES.append((cls, region, cc, nsn))
    case(f"+{cc} {nsn}", other, cls=cls)
    case(national_form(region, nsn), region, cls=cls)


def validity_cases():
    """Per region: valid numbers of every type, then each way a number can be wrong."""
    for i, region in enumerate(REGIONS):
        other = REGIONS[(i + 3) % len(REGIONS)]
        cc = meta(region).country_code
        examples = {}
        for name, kind in TYPES.items():
            n = phonenumbers.example_number_for_type(region, kind)
            if n is None:
                continue
            examples[name] = phonenumbers.national_significant_number(n)
            BASES.append(("valid", region, cc, examples[name]))
            fmt = lambda f: phonenumbers.format_number(n, f)  # noqa: E731
            case(fmt(PhoneNumberFormat.NATIONAL), region, cls="valid")
            case(fmt(PhoneNumberFormat.INTERNATIONAL), region, cls="valid")
            case(fmt(PhoneNumberFormat.E164), other, cls="valid")
            case(fmt(PhoneNumberFormat.INTERNATIONAL), other, cls="valid")
            case(fmt(PhoneNumberFormat.RFC3966), other, OK, "tel: scheme", cls="valid")

        lengths = sorted(meta(region).general_desc.possible_length)
        for name in ("fixed", "mobile"):
            nsn = examples[name]
            # Length: one digit short and one long (libphonenumber may still find some valid
            # where lengths vary, as in Germany: the row then says so).
            write_both("one-short", region, cc, nsn[:-1], other)
            write_both("one-long", region, cc, nsn + nsn[-1], other)
            # Prefix: the right length, leading digits no number of the region starts with
            # (the first digit changed, else the second: Brazil's area codes use every first
            # digit, but no area code is 20).
            candidates = (
                nsn[:at] + d + nsn[at + 1:] for at in (0, 1) for d in "0123456789" if d != nsn[at]
            )
            prefix = next((c for c in candidates if invalid_but_possible(cc, c)), None)
            if prefix:
                write_both("bad-prefix", region, cc, prefix, other)
            # Type: a length the region uses, but not for this prefix (a German mobile cut
            # to 9 digits), the two nearest the number's own length.
            found = 0
            for length in sorted(lengths, key=lambda n: (abs(n - len(nsn)), n)):
                candidate = (nsn + "0" * length)[:length]
                if length != len(nsn) and invalid_but_possible(cc, candidate):
                    write_both("wrong-type", region, cc, candidate, other)
                    found += 1
                    if found == 2:
                        break

        # Unparseable: nothing after the code or the international prefix, too many digits,
        # no code and no region.
        section("unparseable")
        case(f"+{cc} {examples['fixed'][:1]}", region)
        case(f"{IDD.get(region, '00')} {examples['fixed'][:1]}", region)
        case(f"+{cc} {examples['mobile'] * 2}", other)
        case(national_form(region, examples["mobile"]), "ZZ")

    section("spec-invalid")
    for number, region in [
        ("+44 7400 12345", "FR"),
        ("+44 7400 12345", "GB"),
        ("07400 12345", "GB"),
        ("+1 150 253 0000", "FR"),
        ("(150) 253-0000", "US"),
        ("1 150 253 0000", "US"),
        ("+1 650 153 0000", "DE"),
        ("+49 151 234567", "FR"),
        ("0151 234567", "DE"),
        ("+33 6 12 34 56 7", "US"),
        ("06 12 34 56 789", "FR"),
        ("+33 9 12 34 56 78 9", "GB"),
    ]:
        case(number, region)


def is_space(c):
    return c in "\t\n\x0b\x0c\r\x85\u2028\u2029" or unicodedata.category(c) == "Zs"


def fold(digits):
    return "".join(str(unicodedata.decimal(c)) for c in digits)


POSSIBILITY = {
    ValidationResult.IS_POSSIBLE: "Possible",
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "LocalOnly",
    ValidationResult.TOO_SHORT: "TooShort",
    ValidationResult.TOO_LONG: "TooLong",
    ValidationResult.INVALID_LENGTH: "InvalidLength",
}
NO_FIELDS = ("",) * 7


def oracle(number, region):
    """(row fields, error) for one input, by libphonenumber alone."""
    try:
        n = phonenumbers.parse(number, region)
    except NumberParseException as e:
        return None, PARSE_ERRORS[e.error_type]
    valid = phonenumbers.is_valid_number(n)
    international = phonenumbers.format_number(n, PhoneNumberFormat.E164)
    return (
        international if valid else "",
        international,
        # Normalized.region is None for non-geographic numbers ("001" in libphonenumber).
        (phonenumbers.region_code_for_number(n) or "").replace("001", ""),
        phonenumbers.national_significant_number(n),
        n.extension or "",
        POSSIBILITY[phonenumbers.is_possible_number_with_reason(n)],
        "true" if valid else "false",
    ), ""


def expected(number, region, letters, comment):
    notes = [comment] if comment else []
    if any(c.isalpha() for c in number) and letters is None:
        raise SystemExit(f"annotate the letters of {number!r}")
    if not number.strip():
        notes.append(f"spec: empty input (python: {oracle(number, region)[1]})")
        return None, "Empty", notes
    text = number
    rest = text.lstrip(" ")
    if rest != text and rest[:1].isdecimal():
        text = "+" + rest
        notes.append("spec: leading space is a decoded '+'")
    spaced = "".join(" " if is_space(c) else c for c in text)
    if oracle(spaced, region) != oracle(text, region):
        notes.append("spec: unicode space accepted")
    fields, error = oracle(spaced, region)
    if letters == LETTERS:
        if not any(c.isdecimal() for c in number):
            error = "NotANumber"
        else:
            notes.append(f"spec: letters refused (python: {fields[1] if fields else error})")
            fields, error = None, "Letters"
    elif letters == VANITY and (not fields or fields[5] != "Possible"):
        notes.append(f"spec: letters spelling no possible number (python: {fields[1] if fields else error})")
        fields, error = None, "Letters"
    if fields and fields[4] != fold(fields[4]):
        fields = fields[:4] + (fold(fields[4]),) + fields[5:]
        notes.append("spec: extension digits folded to ASCII")
    return fields, error, notes


def escape(s):
    """Backslash escapes for TSV: \\\\, \\t, \\n, \\r and \\u{..} for invisible or edge spaces."""
    out = []
    for i, c in enumerate(s):
        edge = i == 0 or i == len(s) - 1
        if c == "\\":
            out.append("\\\\")
        elif c == "\t":
            out.append("\\t")
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif (c == " " and edge) or (c != " " and (is_space(c) or unicodedata.category(c)[0] in "CZ")):
            out.append("\\u{%x}" % ord(c))
        else:
            out.append(c)
    return "".join(out)


# The international prefix each region dials (its first alternative), for "idd" variants.
IDD = {"US": "011", "AU": "0011", "JP": "010", "BR": "0021"}
FULL_WIDTH = {c: chr(0xFF10 + int(c)) for c in "0123456789"}
EXTENSIONS = [" ext. 123", " x 45", " x12", " #7", ";ext=42", ",,1234", " extension 9"]
VARIANTS_PER_BASE = 6


def grouped(digits, sep, rng):
    """The digits in groups of 2 to 4, joined by `sep`."""
    groups, at = [], 0
    while at < len(digits):
        size = rng.choice((2, 3, 4))
        groups.append(digits[at:at + size])
        at += size
    return sep.join(groups)


def variant(rng, base):
    """One random writing of a base number: (input, region, letters annotation, tags)."""
    cls, home, cc, nsn = base
    tags = []
    sep_name, sep = rng.choice([("spaces", " "), ("dots", "."), ("dashes", "-"), ("bare", "")])
    body = grouped(nsn, sep, rng)
    form = rng.choice(["e164", "intl", "intl", "national", "national", "trunk-marker", "idd",
                       "decoded-plus", "tel"])
    region = rng.choice(REGIONS)
    letters = None
    if form == "e164":
        text = f"+{cc}{nsn}"
    elif form == "intl":
        text = f"+{cc}{sep or ' '}{body}"
        tags.append(sep_name)
    elif form == "national":
        region = home
        prefix = national_form(home, "")
        if prefix and rng.random() < 0.4:
            head, rest = nsn[:2], nsn[2:]
            text = f"({prefix}{head}) {grouped(rest, sep, rng)}"
            tags.append("parens")
        else:
            text = prefix + body
            tags.append(sep_name)
    elif form == "trunk-marker":
        text = f"+{cc} (0){sep or ' '}{body}"
        tags.append(sep_name)
    elif form == "idd":
        text = f"{IDD.get(region, '00')} {cc} {body}"
        tags.append(sep_name)
    elif form == "decoded-plus":
        text = f" {cc} {body}"
        tags.append(sep_name)
    else:
        text = f"tel:+{cc}-{grouped(nsn, '-', rng)}"
        letters = OK
    tags.insert(0, form)
    if form != "tel" and rng.random() < 0.25:
        text = text.replace(" ", "\u00a0") if not text.startswith(" ") else " " + text[1:].replace(" ", "\u00a0")
        tags.append("nbsp")
    if rng.random() < 0.2:
        text = "".join(FULL_WIDTH.get(c, c) for c in text)
        tags.append("full-width")
    if rng.random() < 0.3:
        extension = ";ext=42" if form == "tel" else rng.choice(EXTENSIONS)
        text += extension
        letters = OK if any(c.isalpha() for c in text) else letters
        tags.append("extension")
    return text, region, letters, "+".join(tags)


def gen_variants():
    """Random writings of every constructed number (seeded: the file is stable)."""
    rng = random.Random(20261207)
    cases = []
    for base in BASES:
        for _ in range(VARIANTS_PER_BASE):
            text, region, letters, tags = variant(rng, base)
            cases.append((text, region, letters, tags, base[0]))
    return cases


HEADER = "input\tregion\te164\tinternational\tnumber_region\tnational\textension\tpossible\tvalid\terror\tclass\tcomment\n"


def write_rows(name, cases):
    rows, seen = [], set()
    for number, region, letters, comment, cls in cases:
        if (number, region) in seen:
            continue
        seen.add((number, region))
        fields, error, notes = expected(number, region, letters, comment)
        fields = fields or NO_FIELDS
        rows.append([escape(number), region, *fields, error, cls, escape("; ".join(notes))])

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    with open(path, "w", encoding="utf-8") as out:
        out.write(f"# Generated by gen_phone.py from python phonenumbers {phonenumbers.__version__}; do not edit.\n")
        out.write("# Escapes: \\\\ \\t \\n \\r \\u{hex}. `international` empty = no parse; `error` names the PhoneError variant.\n")
        out.write(HEADER)
        for row in rows:
            out.write("\t".join(row) + "\n")
    print(f"{len(rows)} rows -> {path}")


def main():
    validity_cases()
    write_rows("phone.tsv", CASES)
    write_rows("phone_variants.tsv", gen_variants())


if __name__ == "__main__":
    main()
