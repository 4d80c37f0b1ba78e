//! Seeded synthetic patients, clinical notes and prescriptions for tests, benchmarks and
//! `dev seed`: realistic shapes in many scripts, no real people, no real mailboxes.
//!
//! Everything comes from a small SplitMix64 generator and the tables in this file, so a seed
//! gives the same sequence on every platform and run: no floating point, no hashing order,
//! no platform-sized arithmetic. Changing a table changes every sequence; the
//! `fingerprint_is_frozen` test makes that a deliberate act.
//!
//! # What the data looks like
//!
//! - 27 naming cultures, each with at least 40 given names (split female/male) and 40 family
//!   names in its own script: Latin with diacritics, Greek, Cyrillic, Arabic, Hebrew,
//!   Devanagari, Tamil, Thai, Han, Hiragana, Katakana and Hangul. Names in other scripts carry
//!   a romanisation, and 20% of those patients are recorded in it, as clinics abroad often do.
//! - 90% of patients have a given and a family name from one culture; 10% take the family name
//!   from another culture, and then both parts are romanised.
//! - Family names follow their culture's grammar for women (Иванов/Иванова, Kowalski/Kowalska,
//!   Novák/Nováková, Παπαδόπουλος/Παπαδοπούλου, Jónsson/Jónsdóttir); Spanish and Portuguese
//!   patients often carry two family names.
//! - Names are common given and family names combined at random. A deny-list keeps the
//!   combinations that name well-known people out; any other match with a real person is the
//!   coincidence every common name has.
//! - Phone numbers are random digits in real mobile ranges, so they may belong to someone:
//!   never send messages or calls to generated data. E-mail addresses use only the reserved
//!   `example.org`, `example.com` and `example.net` domains.
//!
//! # Collisions
//!
//! About 1,600 given and 1,400 family names make some 250,000 distinct full names in practice,
//! so in 1,000,000 patients a name alone repeats often, as "María García" does in a real city.
//! With about 38,000 possible birth days on top, same name *and* date of birth stays rare but
//! real: measured over the first 1,000,000 patients of seed 42, 251,274 distinct names and 138
//! patients (0.014%, about one in 7,000) who repeat an earlier patient's given name, family
//! name and date of birth. The records layer answers those with `conflict` unless forced, so
//! a bulk load must force or skip them.

mod generator;
mod names;
#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

pub use generator::{Generator, SyntheticPatient};
use names::*;

/// SplitMix64 (Steele, Lea and Flood 2014): tiny, fast and the same everywhere.
#[derive(Debug, Clone)]
struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` by multiply-high (Lemire); the bias is below 2^-50 for our sizes.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    fn range(&mut self, lo: u64, hi_inclusive: u64) -> u64 {
        lo + self.below(hi_inclusive - lo + 1)
    }

    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }

    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }
}

/// Lower-case ASCII letters and digits of a romanised name, for an e-mail local part:
/// diacritics dropped, ß→ss, ø→o, ł→l, ı→i and the like; everything else removed.
fn ascii_fold(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let special = match c {
            'ß' | 'ẞ' => "ss",
            'ø' | 'Ø' => "o",
            'ł' | 'Ł' => "l",
            'ı' => "i",
            'æ' | 'Æ' => "ae",
            'œ' | 'Œ' => "oe",
            'đ' | 'Đ' | 'ð' | 'Ð' => "d",
            'þ' | 'Þ' => "th",
            _ => "",
        };
        if special.is_empty() {
            out.extend(
                std::iter::once(c)
                    .nfkd()
                    .filter(char::is_ascii_alphanumeric)
                    .map(|d| d.to_ascii_lowercase()),
            );
        } else {
            out.push_str(special);
        }
    }
    out
}

/// Reference year for ages: dates of birth run to its last day.
const REFERENCE_YEAR: u64 = 2025;

/// (youngest, oldest, percent of patients): a clinic sees more adults than children and a
/// long tail of the very old. Ages 0..=105 keep every date within 1920..=2025.
const AGE_BANDS: [(u64, u64, u64); 8] = [
    (0, 4, 6),
    (5, 17, 13),
    (18, 29, 15),
    (30, 44, 20),
    (45, 59, 20),
    (60, 74, 16),
    (75, 89, 9),
    (90, 105, 1),
];

const MONTH_DAYS: [u64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const EMAIL_DOMAINS: &[&str] = &["example.org", "example.com", "example.net"];

/// One table entry: `native`, or `native/latin` for names in another script; either part may
/// be `masculine~feminine` where a family name's feminine form is not regular.
#[derive(Debug)]
struct Entry {
    native: &'static str,
    native_fem: Option<&'static str>,
    latin: &'static str,
    latin_fem: Option<&'static str>,
}

impl Entry {
    fn parse(raw: &'static str) -> Self {
        let (native, latin) = raw.split_once('/').unwrap_or((raw, raw));
        let (native, native_fem) = split_feminine(native);
        let (latin, latin_fem) = split_feminine(latin);
        Self {
            native,
            native_fem,
            latin,
            latin_fem,
        }
    }

    fn form(&self, romanised: bool) -> &'static str {
        if romanised {
            self.latin
        } else {
            self.native
        }
    }

    fn family_form(&self, rules: &[(&str, &str)], feminine: bool, romanised: bool) -> String {
        let (base, explicit) = if romanised {
            (self.latin, self.latin_fem)
        } else {
            (self.native, self.native_fem)
        };
        match (feminine, explicit) {
            (false, _) => base.to_owned(),
            (true, Some(fem)) => fem.to_owned(),
            (true, None) => feminine_form(rules, base),
        }
    }
}

fn split_feminine(part: &'static str) -> (&'static str, Option<&'static str>) {
    match part.split_once('~') {
        Some((masculine, feminine)) => (masculine, Some(feminine)),
        None => (part, None),
    }
}

/// The first rule whose masculine ending matches is applied; an empty ending matches all.
fn feminine_form(rules: &[(&str, &str)], name: &str) -> String {
    for (masculine, feminine) in rules {
        if let Some(stem) = name.strip_suffix(masculine) {
            return format!("{stem}{feminine}");
        }
    }
    name.to_owned()
}

#[derive(Debug)]
struct Culture {
    /// Names the culture in tests and in `Debug` output.
    #[cfg_attr(not(test), allow(dead_code))]
    key: &'static str,
    weight: u64,
    female: Vec<Entry>,
    male: Vec<Entry>,
    family: Vec<Entry>,
    feminine: Vec<(&'static str, &'static str)>,
    double_family_percent: u64,
    double_family_sep: &'static str,
    regions: Vec<usize>,
    /// Names are written in a script other than Latin and carry a romanisation.
    native_script: bool,
}

#[derive(Debug)]
struct Region {
    calling_code: &'static str,
    prefixes: Vec<&'static str>,
    national_len: usize,
    postcode: &'static str,
    layout: &'static str,
    cities: Vec<&'static str>,
    streets: Vec<&'static str>,
}

#[derive(Debug)]
struct Drug {
    name: &'static str,
    strengths: Vec<&'static str>,
    doses: Vec<&'static str>,
    frequencies: Vec<&'static str>,
}

#[derive(Debug)]
struct Tables {
    cultures: Vec<Culture>,
    total_weight: u64,
    regions: Vec<Region>,
    drugs: Vec<Drug>,
    famous: HashSet<&'static str>,
}

impl Tables {
    fn build() -> Self {
        let regions: Vec<Region> = REGIONS
            .iter()
            .map(|r| Region {
                calling_code: r.calling_code,
                prefixes: list(r.prefixes),
                national_len: r.national_len,
                postcode: r.postcode,
                layout: r.layout,
                cities: list(r.cities),
                streets: list(r.streets),
            })
            .collect();
        let cultures: Vec<Culture> = CULTURES
            .iter()
            .map(|c| {
                let family: Vec<Entry> = list(c.family).into_iter().map(Entry::parse).collect();
                let female: Vec<Entry> = list(c.female).into_iter().map(Entry::parse).collect();
                let male: Vec<Entry> = list(c.male).into_iter().map(Entry::parse).collect();
                let native_script = family.iter().any(|e| e.native != e.latin);
                Culture {
                    key: c.key,
                    weight: c.weight,
                    female,
                    male,
                    family,
                    feminine: list(c.feminine)
                        .into_iter()
                        .filter_map(|rule| rule.split_once('='))
                        .collect(),
                    double_family_percent: c.double_family.0,
                    double_family_sep: c.double_family.1,
                    regions: list(c.regions)
                        .into_iter()
                        .filter_map(|key| REGIONS.iter().position(|r| r.key == key))
                        .collect(),
                    native_script,
                }
            })
            .collect();
        let drugs = DRUGS
            .iter()
            .filter_map(|raw| {
                let mut parts = raw.split('|');
                Some(Drug {
                    name: parts.next()?,
                    strengths: list(parts.next()?),
                    doses: list(parts.next()?),
                    frequencies: list(parts.next()?),
                })
            })
            .collect();
        Self {
            total_weight: cultures.iter().map(|c| c.weight).sum(),
            cultures,
            regions,
            drugs,
            famous: list(FAMOUS).into_iter().collect(),
        }
    }

    /// Whether a combination names a well-known person, in Western or East Asian order.
    fn is_famous(&self, given: &str, family: &str) -> bool {
        self.famous.contains(format!("{given} {family}").as_str())
            || self.famous.contains(format!("{family} {given}").as_str())
            || self.famous.contains(format!("{family}{given}").as_str())
    }
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(Tables::build)
}

/// Splits a `;`-separated table; an empty table has no entries.
fn list(raw: &'static str) -> Vec<&'static str> {
    raw.split(';').filter(|item| !item.is_empty()).collect()
}

/// A naming culture as written in the source: `;`-separated lists (see [`Entry`]).
struct CultureData {
    key: &'static str,
    /// Relative share of generated patients.
    weight: u64,
    female: &'static str,
    male: &'static str,
    family: &'static str,
    /// `masculine=feminine` family-name endings, tried in order.
    feminine: &'static str,
    /// (percent of patients with two family names, separator).
    double_family: (u64, &'static str),
    /// Region keys, home country first.
    regions: &'static str,
}

/// A country as written in the source. `layout` places `{s}` street, `{n}` house number,
/// `{m}` a small block number, `{p}` postcode (`#` digit, `@` letter) and `{c}` city.
struct RegionData {
    key: &'static str,
    calling_code: &'static str,
    /// Mobile prefixes after the country code.
    prefixes: &'static str,
    /// Digits after the country code, prefix included.
    national_len: usize,
    postcode: &'static str,
    layout: &'static str,
    cities: &'static str,
    streets: &'static str,
}
