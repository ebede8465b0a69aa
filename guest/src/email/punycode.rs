//! Punycode (RFC 3492): the ASCII form of internationalized domain labels.
//!
//! Lengths are limited on that form (63 octets a label, 253 a domain), and
//! A-labels (`xn--…`) are decoded to be checked as IDNA. Decoding accepts what
//! the reference decoder (Python's `punycode` codec) accepts: digits in either
//! case and any ASCII basic part. Arithmetic is checked; an overflow is an
//! invalid label (the reference then meets a code point past U+10FFFF).

const BASE: u32 = 36;
const T_MIN: u32 = 1;
const T_MAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 0x80;

fn adapt(delta: u32, num_points: u32, first_time: bool) -> u32 {
    let mut delta = if first_time { delta / DAMP } else { delta / 2 };
    delta += delta / num_points.max(1);
    let mut k = 0;
    while delta > (BASE - T_MIN) * T_MAX / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + (BASE - T_MIN + 1) * delta / (delta + SKEW)
}

fn threshold(k: u32, bias: u32) -> u32 {
    k.saturating_sub(bias).clamp(T_MIN, T_MAX)
}

fn encode_digit(d: u32) -> char {
    // d < 36: a-z are 0-25, 0-9 are 26-35.
    let b = if d < 26 {
        b'a' + d as u8
    } else {
        b'0' + (d - 26) as u8
    };
    char::from(b)
}

fn decode_digit(b: u8) -> Option<u32> {
    match b {
        b'a'..=b'z' => Some(u32::from(b - b'a')),
        b'A'..=b'Z' => Some(u32::from(b - b'A')),
        b'0'..=b'9' => Some(u32::from(b - b'0') + 26),
        _ => None,
    }
}

/// Appends the Punycode of `input` to `out` (`None` on overflow).
pub(super) fn encode(input: &[char], out: &mut String) -> Option<()> {
    out.extend(input.iter().filter(|c| c.is_ascii()));
    let basic = u32::try_from(input.iter().filter(|c| c.is_ascii()).count()).ok()?;
    let total = u32::try_from(input.len()).ok()?;
    if basic > 0 {
        out.push('-');
    }
    let (mut n, mut delta, mut bias, mut handled) = (INITIAL_N, 0u32, INITIAL_BIAS, basic);
    while handled < total {
        let m = input
            .iter()
            .map(|&c| u32::from(c))
            .filter(|&c| c >= n)
            .min()?;
        delta = delta.checked_add((m - n).checked_mul(handled + 1)?)?;
        n = m;
        for &c in input {
            let c = u32::from(c);
            if c < n {
                delta = delta.checked_add(1)?;
            } else if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = threshold(k, bias);
                    if q < t {
                        break;
                    }
                    out.push(encode_digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out.push(encode_digit(q));
                bias = adapt(delta, handled + 1, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta = delta.checked_add(1)?;
        n = n.checked_add(1)?;
    }
    Some(())
}

/// Decodes the Punycode part of an A-label (after `xn--`).
pub(super) fn decode(input: &str) -> Option<Vec<char>> {
    if !input.is_ascii() {
        return None;
    }
    let (basic, deltas) = input.rsplit_once('-').unwrap_or(("", input));
    let mut output: Vec<char> = basic.chars().collect();
    let (mut n, mut i, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    let mut digits = deltas.bytes().peekable();
    while digits.peek().is_some() {
        let old_i = i;
        let mut w = 1u32;
        let mut k = BASE;
        loop {
            let d = decode_digit(digits.next()?)?;
            i = i.checked_add(d.checked_mul(w)?)?;
            let t = threshold(k, bias);
            if d < t {
                break;
            }
            w = w.checked_mul(BASE - t)?;
            k = k.checked_add(BASE)?;
        }
        let len = u32::try_from(output.len() + 1).ok()?;
        bias = adapt(i - old_i, len, old_i == 0);
        n = n.checked_add(i / len)?;
        i %= len;
        output.insert(usize::try_from(i).ok()?, char::from_u32(n)?);
        i += 1;
    }
    Some(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for (unicode, ascii) in [
            ("münchen", "mnchen-3ya"),
            ("рф", "p1ai"),
            ("テスト", "zckzah"),
        ] {
            let chars: Vec<char> = unicode.chars().collect();
            let mut out = String::new();
            assert_eq!(encode(&chars, &mut out), Some(()));
            assert_eq!(out, ascii);
            assert_eq!(decode(ascii), Some(chars.clone()));
            // Digits in either case; the basic part is kept as it is.
            let upper: Vec<char> = chars.iter().map(char::to_ascii_uppercase).collect();
            assert_eq!(decode(&ascii.to_uppercase()), Some(upper));
        }
    }

    #[test]
    fn rejects_what_does_not_decode() {
        assert_eq!(decode("zz"), None);
        assert_eq!(decode("a-_"), None);
        // Far past U+10FFFF.
        assert_eq!(decode("99999999999"), None);
    }
}
