//! Ids that cross module boundaries, each a type of its own so that one cannot be passed
//! where another is meant. Each is a UUIDv7 string, stored and serialised as the plain
//! string, so no stored or wire format changes.

use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh id (UUIDv7: sorts by creation time).
            pub(crate) fn generate() -> Self {
                $name(uuid::Uuid::now_v7().to_string())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                $name(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                $name(id.to_string())
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                self.0.to_sql()
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                String::column_result(value).map($name)
            }
        }
    };
}

string_id!(
    /// A patient's id (`patients.id`).
    PatientId
);

string_id!(
    /// A user account's id (`users.id`; a user slot's `user_id`).
    UserId
);

string_id!(
    /// A prescription scan's id (`scans.id`; the scan id inside its encrypted file).
    ScanId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_serialise_and_compare_as_their_text() {
        let id = PatientId::from("0190abcd");
        assert_eq!(serde_json::to_string(&id).expect("json"), "\"0190abcd\"");
        assert_eq!(id, "0190abcd");
        assert_eq!(format!("[{id:>10}]"), "[  0190abcd]");
        let fresh = UserId::generate();
        assert_eq!(fresh.len(), 36);
        assert!(UserId::generate() > fresh, "UUIDv7 ids sort by creation");
    }
}
