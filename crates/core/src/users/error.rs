//! What can go wrong with staff accounts, with the names a shell needs to say so.

/// A broken rule for user names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRule {
    /// 1 to 64 characters.
    Length,
    /// No control characters.
    ControlCharacters,
    /// No leading or trailing spaces.
    EdgeSpaces,
    /// `-` stands for "nobody" in the audit trail.
    Reserved,
}

/// A refused account operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserError {
    /// The name breaks a rule (`invalid_input`).
    #[error("{}", match .0 {
        NameRule::Length => "a user name has 1 to 64 characters",
        NameRule::ControlCharacters => "a user name may not contain control characters",
        NameRule::EdgeSpaces => "a user name may not start or end with spaces",
        NameRule::Reserved => "'-' is reserved",
    })]
    InvalidName(NameRule),
    /// The name is taken, ignoring case (`conflict`).
    #[error("a user named {name} already exists")]
    NameTaken {
        /// The name asked for.
        name: String,
    },
    /// No such user (`not_found`).
    #[error("no user named {name}")]
    NotFound {
        /// The name asked for.
        name: String,
    },
    /// An admin tried to disable their own account (`conflict`).
    #[error("you cannot disable your own account")]
    OwnAccount,
    /// Already disabled (`conflict`).
    #[error("{name} is already disabled")]
    AlreadyDisabled {
        /// The user.
        name: String,
    },
    /// Already enabled (`conflict`).
    #[error("{name} is already enabled")]
    AlreadyEnabled {
        /// The user.
        name: String,
    },
    /// The last enabled admin cannot be disabled (`conflict`).
    #[error("the last enabled admin cannot be disabled")]
    LastAdmin,
    /// A disabled account's authenticator cannot be reset (`conflict`).
    #[error("{name} is disabled: enable the account instead")]
    IsDisabled {
        /// The user.
        name: String,
    },
    /// The user has not chosen a password yet; their first login enrolls the
    /// authenticator (`conflict`).
    #[error("{name} has not logged in yet; their first login sets up the authenticator")]
    NotLoggedInYet {
        /// The user.
        name: String,
    },
    /// No authenticator is waiting for its first code (`conflict`).
    #[error("there is no authenticator waiting for confirmation")]
    NoPendingAuthenticator,
    /// An admin tried to reset their own password or change their own role
    /// (`conflict`): their own password is changed with the old one, and another admin
    /// changes their role.
    #[error("you cannot do this to your own account")]
    NotOnOwnAccount,
    /// The user already has that role (`conflict`).
    #[error("{name} is already {}", role.as_str())]
    SameRole {
        /// The user.
        name: String,
        /// Their role.
        role: crate::perms::Role,
    },
    /// The code does not match the pending authenticator (`bad_credentials`).
    #[error("that code does not match: check the authenticator and the PC's clock")]
    CodeMismatch,
}

impl UserError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            UserError::InvalidName(_) => "invalid_input",
            UserError::NotFound { .. } => "not_found",
            UserError::CodeMismatch => "bad_credentials",
            UserError::NameTaken { .. }
            | UserError::OwnAccount
            | UserError::AlreadyDisabled { .. }
            | UserError::AlreadyEnabled { .. }
            | UserError::LastAdmin
            | UserError::IsDisabled { .. }
            | UserError::NotLoggedInYet { .. }
            | UserError::NoPendingAuthenticator
            | UserError::NotOnOwnAccount
            | UserError::SameRole { .. } => "conflict",
        }
    }
}
