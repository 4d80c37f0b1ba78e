//! Folding names for search, so that what a receptionist types finds what was written:
//! NFKD, combining marks dropped, case folded, and the letters that do not decompose
//! (ø, ß, ł, ı, æ, œ, đ, þ) spelled out. "zoe" finds Zoë and "muller" finds Müller.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The folded form of `text` (whole string, spaces kept as single spaces).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'ø' | 'Ø' => out.push('o'),
            'ß' | 'ẞ' => out.push_str("ss"),
            'ł' | 'Ł' => out.push('l'),
            'ı' => out.push('i'),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            'đ' | 'Đ' => out.push('d'),
            'þ' | 'Þ' => out.push_str("th"),
            // Apostrophes vanish: "O'Brien" is found by "obrien" and by "o'brien".
            '\'' | '’' | 'ʼ' | '`' => {}
            c => out.extend(c.to_lowercase()),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The search tokens of a name: its folded words, also split at hyphens.
pub fn tokens(name: &str) -> Vec<String> {
    let folded = fold(name);
    let mut tokens: Vec<String> = folded
        .split(|c: char| c.is_whitespace() || c == '-')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    // The whole hyphenated name as typed ("smith-jones") also matches as a prefix.
    if folded.contains('-') {
        tokens.extend(
            folded
                .split_whitespace()
                .filter(|w| w.contains('-'))
                .map(str::to_string),
        );
    }
    tokens.sort();
    tokens.dedup();
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_marks_case_and_special_letters() {
        assert_eq!(fold("Zoë"), "zoe");
        assert_eq!(fold("MÜLLER"), "muller");
        assert_eq!(fold("Søren Ørsted"), "soren orsted");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Łukasz"), "lukasz");
        assert_eq!(fold("Yılmaz"), "yilmaz");
        assert_eq!(fold("O'Brien"), "obrien");
        assert_eq!(fold("  Ñúñez   de la  Cruz "), "nunez de la cruz");
        assert_eq!(fold("ﬁona"), "fiona", "NFKD expands the ligature");
        assert_eq!(fold("Иван"), "иван");
        assert_eq!(fold("محمد"), "محمد");
    }

    #[test]
    fn tokens_split_words_and_hyphens() {
        assert_eq!(tokens("van der Berg"), ["berg", "der", "van"]);
        assert_eq!(tokens("Smith-Jones"), ["jones", "smith", "smith-jones"]);
        assert_eq!(tokens("王小明"), ["王小明"]);
    }
}
