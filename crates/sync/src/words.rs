//! The sentences a receptionist or an IT admin reads about sync: in the app's details
//! panel, in `clinicvault sync`, and in the vault's status row. Each says what happened
//! and what helps; none holds patient data.

use clinic_vault_core::sync::plan::Halt;

use crate::client::{ClientError, Failure};

/// The server could not be reached (no answer at all).
pub fn unreachable(base: &str) -> String {
    format!("The sync server at {base} could not be reached. Work goes on here; everything waits and is sent when it answers.")
}

/// A failed call, by its kind.
pub fn failure(failure: &Failure, base: &str) -> String {
    match failure {
        Failure::Unavailable { code, detail } => match *code {
            "server_timeout" => format!(
                "The sync server at {base} did not answer in time. Everything waits and is sent later."
            ),
            "tls_failed" => format!(
                "The sync server's certificate was not accepted ({detail}). Check the server's address, or the CA file chosen at enrollment."
            ),
            "server_error" => format!(
                "The sync server at {base} has a problem of its own ({detail}). Everything waits and is sent later."
            ),
            "server_garbage" => format!(
                "The answer from {base} is not the sync protocol ({detail}). Is this the clinic's sync server?"
            ),
            "bad_receipt" => format!(
                "The answer from {base} is not signed by the server this workstation enrolled with ({detail}). Nothing was marked as sent; ask the server's admin."
            ),
            _ => format!("The sync server at {base} could not be reached ({detail}). Work goes on here; everything waits and is sent when it answers."),
        },
        Failure::RateLimited { retry_after_secs } => format!(
            "The sync server asked this workstation to slow down (for {retry_after_secs} s)."
        ),
        Failure::Refused { code, message, .. } => match code.as_str() {
            "stale_timestamp" => "The sync server refused this PC's clock: correct the PC's date and time.".into(),
            "enroll_token_unknown" => "The sync server does not know this enrollment token: copy it again from the server's admin page.".into(),
            "enroll_token_spent" => "This enrollment token was used already: make a new one on the server's admin page.".into(),
            "enroll_token_expired" => "This enrollment token has expired: make a new one on the server's admin page.".into(),
            "device_exists" => "The sync server knows this workstation under another key (the vault's data key was rotated since it enrolled), or revoked it; it refuses to change that, and the registration kept here is unchanged. Such a workstation cannot enroll with that server again in this version: tell the clinic's IT admin.".into(),
            _ => format!("The sync server refused the request ({code}: {message})."),
        },
    }
}

/// A client that could not be made from the stored registration.
pub fn client_error(err: &ClientError) -> String {
    match err {
        ClientError::BadUrl(e) => format!("The stored sync server address is not usable: {e}. An admin enrolls the workstation again."),
        ClientError::CaFile { path, reason } => format!(
            "The CA file {path} chosen at enrollment cannot be used ({reason}). Restore the file, or an admin enrolls the workstation again."
        ),
    }
}

/// A queued scan's encrypted file cannot be sent.
pub fn scan_file(content_hash: &str, why: &str) -> String {
    let short = content_hash.get(..12).unwrap_or(content_hash);
    format!(
        "The encrypted scan file {short}… cannot be sent ({why}). Run `clinicvault scan verify` and restore the vault's scans folder from a backup; nothing was dropped from the queue."
    )
}

/// Why the worker stopped until a person acts.
pub fn halt(halt: &Halt, base: &str) -> String {
    match halt {
        Halt::LocalChainCut { server_seq } => format!(
            "This workstation's audit trail is damaged: the sync server holds events up to {server_seq} that are no longer here (the trail was cut). The server was told. Restore the vault from a backup and tell the clinic's IT admin."
        ),
        Halt::Diverged { seq } => format!(
            "This workstation's audit trail is damaged: event {seq} differs from the one the sync server holds (the trail was rewritten). The server was told. Restore the vault from a backup and tell the clinic's IT admin."
        ),
        Halt::ServerBehind {
            server_seq,
            anchored_seq,
        } => format!(
            "The sync server at {base} holds events only up to {server_seq}, but it had confirmed {anchored_seq}: it lost data (restored from an old backup?), or another server answers at its address. Nothing is deleted here; ask the server's admin."
        ),
        Halt::NotAccepted { code } if code == "device_revoked" => "The sync server revoked this workstation, so it takes nothing more from it. Nothing is lost: everything waits here. A revoked workstation cannot enroll with the same server again in this version; tell the clinic's IT admin.".into(),
        Halt::NotAccepted { .. } => "The sync server does not know this workstation (was the server reset?). An admin enrolls it again with a new token; until then everything waits here.".into(),
        Halt::Refused { code, seq } => match seq {
            Some(seq) => format!("The sync server refused event {seq} ({code}). Nothing was dropped; tell the clinic's IT admin."),
            None => format!("The sync server refused this workstation's requests ({code}). Nothing was dropped; tell the clinic's IT admin."),
        },
    }
}
