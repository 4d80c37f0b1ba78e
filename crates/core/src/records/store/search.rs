//! Patient search: folded name prefixes, MRN, date of birth and phone digits, ranked,
//! narrowed by every further word, stopped at the limit.

use super::*;
use crate::invalid::{Invalid, Rule};
use crate::records::MatchKind;

/// Searches patients; see `Session::search_patients` for the rules.
pub(crate) fn search(
    conn: &Connection,
    query: &str,
    opts: &SearchOptions,
) -> Result<Vec<SearchHit>> {
    let q = query.trim();
    let limit = opts.limit.clamp(1, MAX_SEARCH_LIMIT) as usize;
    let archived = i64::from(opts.include_archived);
    if q.chars().any(char::is_control) {
        return Err(Invalid::new(
            "query",
            Rule::ControlCharacters {
                line_breaks_allowed: false,
            },
        )
        .into());
    }
    if q.chars().count() > 200 {
        return Err(Invalid::new(
            "query",
            Rule::TooLong {
                n_chars: q.chars().count(),
                max: 200,
            },
        )
        .into());
    }
    if is_mrn(q) {
        let sql = format!("SELECT {PATIENT_COLUMNS} FROM patients p WHERE p.mrn = ?1 AND p.tombstone = 0 AND (p.archived = 0 OR ?2)");
        let hits = conn
            .prepare_cached(&sql)?
            .query_map(params![q.to_ascii_uppercase(), archived], row_to_patient)?
            .map(|p| {
                p.map(|patient| SearchHit {
                    matched: MatchKind::Mrn,
                    patient,
                })
            })
            .collect::<rusqlite::Result<Vec<_>>>()?;
        return Ok(hits);
    }
    if validate::parse_date(q).is_some() {
        let sql = format!(
            "SELECT {PATIENT_COLUMNS} FROM patients p WHERE p.dob = ?1 AND p.tombstone = 0 AND (p.archived = 0 OR ?2)
             ORDER BY p.family_folded, p.given_folded LIMIT ?3"
        );
        let hits = conn
            .prepare_cached(&sql)?
            .query_map(params![q, archived, limit as i64], row_to_patient)?
            .map(|p| {
                p.map(|patient| SearchHit {
                    matched: MatchKind::Dob,
                    patient,
                })
            })
            .collect::<rusqlite::Result<Vec<_>>>()?;
        return Ok(hits);
    }
    let mut digit_runs = Vec::new();
    let mut words = Vec::new();
    for word in q.split_whitespace() {
        let compact: String = word
            .chars()
            .filter(|c| !matches!(c, '+' | '-' | '(' | ')' | '.'))
            .collect();
        if !compact.is_empty() && compact.bytes().all(|b| b.is_ascii_digit()) {
            if compact.len() < 4 {
                return Err(Invalid::quoting("query", Rule::TooFewDigits, word).into());
            }
            digit_runs.push(compact);
        } else {
            words.extend(fold::tokens(word));
        }
    }
    if words.is_empty() && digit_runs.is_empty() {
        return Err(Invalid::new("query", Rule::NothingToSearch).into());
    }
    if !words.is_empty() && words.iter().map(|w| w.chars().count()).sum::<usize>() < 2 {
        return Err(Invalid::new("query", Rule::NameTooShort).into());
    }
    // Narrowing needs more candidates than the limit; one prefix alone does not.
    let narrowing = words.len() > 1 || (!words.is_empty() && !digit_runs.is_empty());
    let fetch = if narrowing { 5_000 } else { limit };
    let mut hits: Vec<SearchHit> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut consider = |matched: MatchKind, patient: Patient, hits: &mut Vec<SearchHit>| {
        if hits.len() < limit
            && seen.insert(patient.id.clone())
            && matches_all(&patient, &words, &digit_runs)
        {
            hits.push(SearchHit { matched, patient });
        }
    };
    if let Some(first) = words.first() {
        let sql = format!(
            "SELECT {PATIENT_COLUMNS} FROM patient_name_tokens t JOIN patients p ON p.pk = t.patient_pk
             WHERE t.field = ?1 AND t.token >= ?2 AND t.token < ?3 AND p.tombstone = 0 AND (p.archived = 0 OR ?4)
             ORDER BY t.token, t.patient_pk LIMIT ?5"
        );
        let upper = format!("{first}\u{10FFFF}");
        for (field, matched) in [(0, MatchKind::Family), (1, MatchKind::Given)] {
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(
                params![field, first, upper, archived, fetch as i64],
                row_to_patient,
            )?;
            for row in rows {
                consider(matched, row?, &mut hits);
            }
        }
    } else {
        let run = &digit_runs[0];
        let sql = format!(
            "SELECT {PATIENT_COLUMNS} FROM patient_phone_suffixes s JOIN patients p ON p.pk = s.patient_pk
             WHERE s.suffix >= ?1 AND s.suffix < ?2 AND p.tombstone = 0 AND (p.archived = 0 OR ?3)
             ORDER BY s.suffix, s.patient_pk LIMIT ?4"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let fetch = if digit_runs.len() > 1 {
            5_000
        } else {
            limit * 4
        };
        let rows = stmt.query_map(
            params![run, format!("{run}:"), archived, fetch as i64],
            row_to_patient,
        )?;
        for row in rows {
            consider(MatchKind::Phone, row?, &mut hits);
        }
    }
    Ok(hits)
}

/// Whether every name word prefixes one of the patient's name tokens and every digit
/// run occurs in the patient's phone number.
fn matches_all(patient: &Patient, words: &[String], digit_runs: &[String]) -> bool {
    let tokens: Vec<String> = fold::tokens(&patient.family)
        .into_iter()
        .chain(fold::tokens(&patient.given))
        .collect();
    let phone: String = patient
        .phone
        .as_deref()
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    words
        .iter()
        .all(|w| tokens.iter().any(|t| t.starts_with(w.as_str())))
        && digit_runs.iter().all(|run| phone.contains(run.as_str()))
}
