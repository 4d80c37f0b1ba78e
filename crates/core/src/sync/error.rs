//! Why a sync operation on the vault was refused.

/// A sync operation on the vault was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// The workstation is not enrolled with a sync server (`not_enrolled`).
    #[error("this workstation is not enrolled with a sync server")]
    NotEnrolled,
    /// A head receipt does not verify under the server's key, or names another device
    /// or vault (`bad_receipt`): the answer is not the server's, or not for us.
    #[error("the server's receipt does not verify ({0})")]
    BadReceipt(&'static str),
    /// The server acknowledged a head the local chain does not hold at that sequence
    /// (`chain_diverged`): the local chain was cut or rewritten after it was sent.
    #[error("the server holds event {seq} with another hash than this vault's")]
    Diverged {
        /// The sequence number.
        seq: u64,
    },
}

impl SyncError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::NotEnrolled => "not_enrolled",
            SyncError::BadReceipt(_) => "bad_receipt",
            SyncError::Diverged { .. } => "chain_diverged",
        }
    }
}
