//! What can go wrong setting a PIN or unlocking with one.

/// Why quick unlock is not available for a user any more (its wrapped key is gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// Nothing is armed for this user on this PC (never armed, or already used up).
    NotArmed,
    /// Three wrong PINs wiped it.
    TooManyWrongPins,
    /// The window since the last full unlock (password and code) has passed.
    WindowExpired,
    /// The account changed since the lock: disabled, its role or password reset.
    AccountChanged,
    /// The data key was rotated since the lock.
    DataKeyRotated,
}

impl Unavailable {
    /// A short snake-case name, for events and the shells.
    pub fn as_str(self) -> &'static str {
        match self {
            Unavailable::NotArmed => "not_armed",
            Unavailable::TooManyWrongPins => "too_many_wrong_pins",
            Unavailable::WindowExpired => "window_expired",
            Unavailable::AccountChanged => "account_changed",
            Unavailable::DataKeyRotated => "data_key_rotated",
        }
    }
}

/// A PIN refused, or a quick unlock that did not happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuickError {
    /// Not 6–12 digits (`invalid_input`).
    #[error("a PIN is 6 to 12 digits")]
    PinShape,
    /// All one digit or a run up or down, which is guessed first (`invalid_input`).
    #[error("that PIN is too easy to guess (one digit repeated, or a run like 123456)")]
    PinGuessable,
    /// The admin turned quick unlock off (`quick_unlock_off`).
    #[error("quick unlock is turned off for this clinic")]
    TurnedOff,
    /// Wrong PIN (`bad_pin`); `attempts_left` more before the wrapped key is wiped.
    #[error("wrong PIN ({attempts_left} attempts left)")]
    WrongPin {
        /// Guesses left; 0 means quick unlock was just wiped.
        attempts_left: u8,
    },
    /// Quick unlock cannot be used for this user now (`quick_unlock_unavailable`): a
    /// full unlock with password and code is needed.
    #[error("unlock with your password and code ({})", .0.as_str())]
    Unavailable(Unavailable),
    /// Memory could not be locked against swapping, so nothing was armed
    /// (`quick_unlock_unavailable`).
    #[error("this PC cannot keep the quick-unlock key out of swap")]
    MemoryNotLockable,
    /// The operation needs the user's private key, which a PIN session does not hold
    /// (`full_unlock_required`).
    #[error("this needs a full unlock with your password and code")]
    FullUnlockRequired,
}

impl QuickError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            QuickError::PinShape | QuickError::PinGuessable => "invalid_input",
            QuickError::TurnedOff => "quick_unlock_off",
            QuickError::WrongPin { .. } => "bad_pin",
            QuickError::Unavailable(_) | QuickError::MemoryNotLockable => {
                "quick_unlock_unavailable"
            }
            QuickError::FullUnlockRequired => "full_unlock_required",
        }
    }
}
