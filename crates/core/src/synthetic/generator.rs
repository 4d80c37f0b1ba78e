//! The seeded generator: one [`SyntheticPatient`] after another, with its notes and
//! prescriptions, from [`super::SplitMix64`] and the tables.

use super::*;

/// One generated patient: plain strings, validated by the caller like typed input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticPatient {
    /// Given name (with a middle name in some cultures), in its own script or romanised.
    pub given: String,
    /// Family name; may hold several words ("van der Berg", "García López").
    pub family: String,
    /// Date of birth as `YYYY-MM-DD`, between 1920-01-01 and 2025-12-31.
    pub dob: String,
    /// `female`, `male`, `other` or `unknown`; `None` when not recorded.
    pub sex: Option<String>,
    /// A mobile number in E.164 form, such as `+4915112345678`.
    pub phone: Option<String>,
    /// An address at `example.org`, `example.com` or `example.net`.
    pub email: Option<String>,
    /// One line: street, house number, postcode and city in the country's usual order.
    pub address: Option<String>,
}

/// A seeded generator (same seed → same sequence, on every platform and run).
#[derive(Debug, Clone)]
pub struct Generator {
    rng: SplitMix64,
}

impl Generator {
    /// A generator whose whole output is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: SplitMix64 { state: seed },
        }
    }

    /// The next synthetic patient.
    pub fn patient(&mut self) -> SyntheticPatient {
        let t = tables();
        let culture = self.culture(t);
        let sex = self.sex();
        let feminine = match sex {
            Some("female") => true,
            Some("male") => false,
            _ => self.rng.percent(50),
        };
        let family_culture = if self.rng.percent(10) {
            self.culture(t)
        } else {
            culture
        };
        let romanised = !std::ptr::eq(culture, family_culture)
            || (culture.native_script && self.rng.percent(20));

        let given_entry = self.rng.pick(if feminine {
            &culture.female
        } else {
            &culture.male
        });
        let given = given_entry.form(romanised);
        let mut family = self.family(family_culture, feminine, romanised);
        for _ in 0..8 {
            if !t.is_famous(given, &family.0) {
                break;
            }
            family = self.family(family_culture, feminine, romanised);
        }

        let (year, dob) = self.date_of_birth();
        let region = self.region(t, culture);
        let phone = self.rng.percent(85).then(|| self.phone(region));
        let email = self
            .rng
            .percent(60)
            .then(|| self.email(given_entry.latin, &family.1, year));
        let address = self.rng.percent(70).then(|| self.address(region));
        SyntheticPatient {
            given: given.to_owned(),
            family: family.0,
            dob,
            sex: sex.map(str::to_owned),
            phone,
            email,
            address,
        }
    }

    /// A short plausible clinical note: one to three sentences, all invented.
    pub fn note_text(&mut self) -> String {
        let n_sentences = 1 + self.rng.below(3);
        let opening = self.rng.pick(NOTE_OPENINGS);
        let complaint = self.rng.pick(NOTE_COMPLAINTS);
        let duration = self.duration();
        let mut text = opening.replace("{c}", complaint).replace("{d}", &duration);
        if n_sentences >= 2 {
            text.push(' ');
            text.push_str(&self.finding());
        }
        if n_sentences == 3 {
            let plan = self.rng.pick(NOTE_PLANS);
            text.push(' ');
            text.push_str(plan);
        }
        text
    }

    /// A plausible prescription line: (drug, strength, dose, frequency), such as
    /// ("Amoxicillin", "500 mg", "1 capsule", "3 times daily").
    pub fn drug(&mut self) -> (String, String, String, String) {
        let drug = self.rng.pick(&tables().drugs);
        (
            drug.name.to_owned(),
            (*self.rng.pick(&drug.strengths)).to_owned(),
            (*self.rng.pick(&drug.doses)).to_owned(),
            (*self.rng.pick(&drug.frequencies)).to_owned(),
        )
    }

    fn culture<'t>(&mut self, t: &'t Tables) -> &'t Culture {
        let mut ticket = self.rng.below(t.total_weight);
        for culture in &t.cultures {
            if ticket < culture.weight {
                return culture;
            }
            ticket -= culture.weight;
        }
        &t.cultures[0]
    }

    fn sex(&mut self) -> Option<&'static str> {
        match self.rng.below(100) {
            0..=47 => Some("female"),
            48..=93 => Some("male"),
            94 => Some("other"),
            95 => Some("unknown"),
            _ => None,
        }
    }

    /// (as shown, romanised) family name, with a second name where the culture has them.
    fn family(&mut self, culture: &Culture, feminine: bool, romanised: bool) -> (String, String) {
        let first = self.rng.pick(&culture.family);
        let mut shown = first.family_form(&culture.feminine, feminine, romanised);
        let mut latin = first.family_form(&culture.feminine, feminine, true);
        if self.rng.percent(culture.double_family_percent) {
            let second = self.rng.pick(&culture.family);
            if !std::ptr::eq(first, second) {
                let sep = culture.double_family_sep;
                shown = format!(
                    "{shown}{sep}{}",
                    second.family_form(&culture.feminine, feminine, romanised)
                );
                latin = format!(
                    "{latin}{sep}{}",
                    second.family_form(&culture.feminine, feminine, true)
                );
            }
        }
        (shown, latin)
    }

    /// (year, `YYYY-MM-DD`): an age band by weight, then a uniform day of the birth year.
    fn date_of_birth(&mut self) -> (u64, String) {
        let mut ticket = self.rng.below(100);
        let mut band = AGE_BANDS[0];
        for candidate in AGE_BANDS {
            if ticket < candidate.2 {
                band = candidate;
                break;
            }
            ticket -= candidate.2;
        }
        let year = REFERENCE_YEAR - self.rng.range(band.0, band.1);
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let mut day = self.rng.below(if leap { 366 } else { 365 });
        let mut month = 1;
        for (month_idx, len) in MONTH_DAYS.iter().enumerate() {
            let len = if month_idx == 1 && leap { 29 } else { *len };
            if day < len {
                month = month_idx + 1;
                break;
            }
            day -= len;
        }
        (year, format!("{year:04}-{month:02}-{:02}", day + 1))
    }

    /// 60% the culture's home country, 25% another of its countries, 15% anywhere.
    fn region<'t>(&mut self, t: &'t Tables, culture: &Culture) -> &'t Region {
        let region_idx = match self.rng.below(100) {
            0..=59 => culture.regions[0],
            60..=84 => *self.rng.pick(&culture.regions),
            _ => self.rng.index(t.regions.len()),
        };
        &t.regions[region_idx]
    }

    fn phone(&mut self, region: &Region) -> String {
        let prefix = self.rng.pick(&region.prefixes);
        let mut phone = format!("+{}{prefix}", region.calling_code);
        for digit_idx in prefix.len()..region.national_len {
            // Subscriber numbers do not start with 0 or 1 in most plans.
            let digit = if digit_idx == prefix.len() {
                self.rng.range(2, 9)
            } else {
                self.rng.below(10)
            };
            phone.push(char::from(b'0' + digit as u8));
        }
        phone
    }

    fn email(&mut self, given_latin: &str, family_latin: &str, year: u64) -> String {
        let given = ascii_fold(given_latin);
        let family = ascii_fold(family_latin);
        let mut local = if given.is_empty() || family.is_empty() || self.rng.percent(15) {
            let mut random = String::new();
            for _ in 0..self.rng.range(4, 8) {
                random.push(char::from(b'a' + self.rng.below(26) as u8));
            }
            random
        } else {
            match self.rng.below(100) {
                0..=39 => format!("{given}.{family}"),
                40..=54 => format!("{given}{family}"),
                55..=69 => format!("{}.{family}", &given[..1]),
                70..=84 => format!("{family}.{given}"),
                _ => format!("{given}_{family}{:02}", year % 100),
            }
        };
        if self.rng.percent(40) {
            local.push_str(&self.rng.range(1, 999).to_string());
        }
        format!("{local}@{}", self.rng.pick(EMAIL_DOMAINS))
    }

    fn address(&mut self, region: &Region) -> String {
        let street = self.rng.pick(&region.streets);
        let city = self.rng.pick(&region.cities);
        let number = if self.rng.percent(60) {
            self.rng.range(1, 40)
        } else {
            self.rng.range(1, 250)
        };
        let block = self.rng.range(1, 9);
        let mut postcode = String::new();
        for c in region.postcode.chars() {
            match c {
                '#' => postcode.push(char::from(b'0' + self.rng.below(10) as u8)),
                '@' => postcode.push(char::from(b'A' + self.rng.below(26) as u8)),
                other => postcode.push(other),
            }
        }
        region
            .layout
            .replace("{s}", street)
            .replace("{n}", &number.to_string())
            .replace("{m}", &block.to_string())
            .replace("{p}", &postcode)
            .replace("{c}", city)
    }

    fn duration(&mut self) -> String {
        match self.rng.below(6) {
            0 => format!("for {} days", self.rng.range(2, 14)),
            1 => format!("for {} weeks", self.rng.range(2, 8)),
            2 => "since yesterday".to_owned(),
            3 => "for about a week".to_owned(),
            4 => "for several months".to_owned(),
            _ => "since this morning".to_owned(),
        }
    }

    fn finding(&mut self) -> String {
        match self.rng.below(8) {
            0 => {
                let tenths = self.rng.range(360, 394);
                format!(
                    "Temperature {}.{} °C, pulse {}/min.",
                    tenths / 10,
                    tenths % 10,
                    self.rng.range(58, 118)
                )
            }
            1 => format!(
                "BP {}/{} mmHg, pulse {}/min.",
                self.rng.range(100, 175),
                self.rng.range(60, 105),
                self.rng.range(52, 110)
            ),
            2 => format!("SpO2 {}% on room air.", self.rng.range(90, 99)),
            _ => (*self.rng.pick(NOTE_FINDINGS)).to_owned(),
        }
    }
}

impl Iterator for Generator {
    type Item = SyntheticPatient;

    /// Never ends: take as many patients as needed.
    fn next(&mut self) -> Option<SyntheticPatient> {
        Some(self.patient())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (usize::MAX, None)
    }
}
