#!/usr/bin/env python3
"""Dev tool: regenerates phone.tsv, the test vectors of guest/src/phone (contract §3 "Phone").

The oracle is Google libphonenumber through its python port `phonenumbers`
(`pip install phonenumbers`). This script is not a product dependency: the generated vectors
are committed and the Rust unit tests read them with include_str!.

    python3 guest/tests/vectors/gen_phone.py    # rewrites phone.tsv next to this script

Where the contract is stricter than libphonenumber, the contract wins and the row's comment
says so ("spec: ..."):
  * letters are refused (error Letters) unless the whole input is a vanity number; every input
    holding a letter must be annotated here, either LETTERS or OK (python's verdict stands);
  * a leading ASCII space is a URL-decoded '+';
  * every Unicode space counts as a space (libphonenumber refuses e.g. U+202F);
  * an empty input is Empty, and extension digits are folded to ASCII.
e164 is given only when the number parses and is_possible_number_with_reason is IS_POSSIBLE
(a local-only number has no E.164 form); otherwise `error` names the Rust PhoneError variant.
"""

import os
import unicodedata

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType
from phonenumbers.phonenumberutil import ValidationResult

REGIONS = ["FR", "GB", "US", "DE", "AU", "IN", "BR", "JP"]

LETTERS = "letters"  # contract: refused with PhoneError::Letters
OK = "ok"  # letters python handles as the contract wants (vanity, tel:, extension label)

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

# (input, default region, letters annotation or None, comment)
CASES = []


def case(number, region, letters=None, comment=""):
    CASES.append((number, region, letters, comment))


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

# --- The default region's code written without '+'.
case("33612345678", "FR")
case("33 1 23 45 67 89", "FR")
case("4930123456", "DE")
case("16502530000", "US")
case("442079460958", "GB")
case("33612345678", "US")

# --- Leading space = URL-decoded '+'.
case(" 33612345678", "FR")
case(" 33612345678", "US")
case(" 1 650 253 0000", "FR")
case(" 44 20 7946 0958", "DE")
case(" 0612345678", "FR")

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

# --- Auto-dial suffixes.
case("+33 1 23 45 67 89,,123", "FR")
case("+1 650 253 0000,,1234", "DE")
case("0612345678;12", "FR")
case("+1 650 253 0000,1234", "US")
case("+44 20 7946 0958,,", "GB")

# --- Full-width and other Unicode digits.
case("＋３３ ６ １２ ３４ ５６ ７８", "US")
case("０６１２３４５６７８", "FR")
case("０３－１２３４－５６７８", "JP")
case("+４９ ３０ １２３４５６", "FR")
case("٠٦١٢٣٤٥٦٧٨", "FR")

# --- Unicode spaces.
case("+33\u00a06\u00a012\u00a034\u00a056\u00a078", "US")
case("06\u00a012\u00a034\u00a056\u00a078", "FR")
case("06\u202f12\u202f34\u202f56\u202f78", "FR")
case("+44\u200920\u20097946\u20090958", "FR")
case("\u00a00612345678", "FR")
case("06 12 34 56 78\u00a0", "FR")
case("06\t12\t34\t56\t78", "FR")

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

# --- Letters: refused unless a vanity number.
case("06 12 34 56 7A", "FR", LETTERS, "stray letter")
case("+1 650 253 00 ab", "US", LETTERS, "stray letters")
case("+33 6 12 34 56 78 (home)", "FR", LETTERS, "comment in the number")
case("06 12 34 56 78 bureau", "FR", LETTERS, "letters are no vanity number")
case("Phone: 06 12 34 56 78", "FR", LETTERS, "label before the number")
case("0xx21 2345 6789", "BR", LETTERS, "x as carrier placeholder")
case("06 12 34 56 78x", "FR", LETTERS, "stray letter")
case("O6 12 34 56 78", "FR", LETTERS, "letter O for zero")
case("1-800-FLOWERS", "US", OK, "vanity")
case("1 800 GOT JUNK", "US", OK, "vanity")
case("+1-800-FLOWERS", "FR", OK, "vanity")
case("0800 FLOWERS", "GB", OK, "vanity")
case("1-800-FLOWERS", "FR", LETTERS, "vanity spelling no possible FR number")
case("anonymous", "FR", LETTERS, "no digits: not a number")
case("someone@example.com", "FR", LETTERS, "no digits: not a number")

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


def example_cases():
    """Each region's example fixed and mobile numbers, written every usual way."""
    for i, region in enumerate(REGIONS):
        other = REGIONS[(i + 3) % len(REGIONS)]
        for kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE):
            n = phonenumbers.example_number_for_type(region, kind)
            fmt = lambda f: phonenumbers.format_number(n, f)  # noqa: E731
            case(fmt(PhoneNumberFormat.NATIONAL), region)
            case(fmt(PhoneNumberFormat.INTERNATIONAL), region)
            case(fmt(PhoneNumberFormat.E164), other)
            case(fmt(PhoneNumberFormat.INTERNATIONAL), other)
            case(fmt(PhoneNumberFormat.RFC3966), other, OK, "tel: scheme")


def is_space(c):
    return c in "\t\n\x0b\x0c\r\x85\u2028\u2029" or unicodedata.category(c) == "Zs"


def fold(digits):
    return "".join(str(unicodedata.decimal(c)) for c in digits)


def oracle(number, region):
    """(row fields, error) for one input, by libphonenumber alone."""
    try:
        n = phonenumbers.parse(number, region)
    except NumberParseException as e:
        return None, PARSE_ERRORS[e.error_type]
    reason = phonenumbers.is_possible_number_with_reason(n)
    if reason != ValidationResult.IS_POSSIBLE:
        return None, LENGTH_ERRORS[reason]
    return (
        phonenumbers.format_number(n, PhoneNumberFormat.E164),
        # Normalized.region is None for non-geographic numbers ("001" in libphonenumber).
        (phonenumbers.region_code_for_number(n) or "").replace("001", ""),
        phonenumbers.national_significant_number(n),
        n.extension or "",
        "true" if phonenumbers.is_valid_number(n) else "false",
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
            notes.append(f"spec: letters refused (python: {fields[0] if fields else error})")
            fields, error = None, "Letters"
    if fields and fields[3] != fold(fields[3]):
        fields = fields[:3] + (fold(fields[3]),) + fields[4:]
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


def main():
    example_cases()
    rows, seen = [], set()
    for number, region, letters, comment in CASES:
        if (number, region) in seen:
            continue
        seen.add((number, region))
        fields, error, notes = expected(number, region, letters, comment)
        fields = fields or ("", "", "", "", "")
        rows.append([escape(number), region, *fields, error, escape("; ".join(notes))])

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "phone.tsv")
    with open(path, "w", encoding="utf-8") as out:
        out.write(f"# Generated by gen_phone.py from python phonenumbers {phonenumbers.__version__}; do not edit.\n")
        out.write("# Escapes: \\\\ \\t \\n \\r \\u{hex}. Empty e164 = error; `error` names the PhoneError variant.\n")
        out.write("input\tregion\te164\tnumber_region\tnational\textension\tvalid\terror\tcomment\n")
        for row in rows:
            out.write("\t".join(row) + "\n")
    print(f"{len(rows)} rows -> {path}")


if __name__ == "__main__":
    main()
