//! The patient id: a UUIDv7 string with a type of its own, so that a patient id cannot
//! be passed where a note's, a user's or an MRN is meant. It serialises and is stored
//! as the plain string, so no stored or wire format changes.

use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

/// A patient's id (`patients.id`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PatientId(String);

impl PatientId {
    /// A fresh id (UUIDv7: sorts by creation time).
    pub(crate) fn generate() -> Self {
        PatientId(uuid::Uuid::now_v7().to_string())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for PatientId {
    fn from(id: String) -> Self {
        PatientId(id)
    }
}

impl From<&str> for PatientId {
    fn from(id: &str) -> Self {
        PatientId(id.to_string())
    }
}

impl std::ops::Deref for PatientId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for PatientId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PatientId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(&self.0)
    }
}

impl PartialEq<str> for PatientId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for PatientId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for PatientId {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl ToSql for PatientId {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        self.0.to_sql()
    }
}

impl FromSql for PatientId {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        String::column_result(value).map(PatientId)
    }
}
