//! Text folding: the one way the engine compares names and addresses, so
//! that `Élodie`, `ELODIE` and `elodie` are the same word to the index and to
//! the query.

/// Lowercases and strips the accents of Latin letters, so that `Élodie`
/// matches `elodie`. Other scripts pass through lowercased.
pub fn fold(text: &str) -> String {
    // Most names and addresses are ASCII: one pass, no per-char mapping.
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let base = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' => 'a',
            'ç' | 'ć' | 'č' => 'c',
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
            'ñ' | 'ń' | 'ň' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => 'o',
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' => 'u',
            'ý' | 'ÿ' => 'y',
            'ś' | 'š' => 's',
            'ź' | 'ż' | 'ž' => 'z',
            'ł' => 'l',
            'ř' => 'r',
            'ß' => {
                out.push_str("ss");
                continue;
            }
            'œ' => {
                out.push_str("oe");
                continue;
            }
            'æ' => {
                out.push_str("ae");
                continue;
            }
            c => c,
        };
        out.push(base);
    }
    out
}

/// Folded words of a text: split on anything that is not a letter or digit.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(fold)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_and_case() {
        assert_eq!(fold("Élodie MÜLLER"), "elodie muller");
        assert_eq!(fold("Straße"), "strasse");
    }

    #[test]
    fn words_split_on_punctuation() {
        let w: Vec<String> = words("Jean-Pierre  O'Neil").collect();
        assert_eq!(w, ["jean", "pierre", "o", "neil"]);
    }
}
