//! Whether the person on the line is the client their caller ID says. Caller ID is easy to spoof,
//! so a business chooses what an unverified caller hears (`CallerAccess`), and the agent can verify
//! the caller during the call: a one-time code sent to the client's own number or email, or a PIN
//! the client set. A call gets `MAX_CODES` codes and `MAX_ATTEMPTS` wrong answers in all; then it
//! stays unverified. The state lives in the call's session (`Verification`). Across calls, a
//! client gets `DAILY_CODES` codes and `DAILY_FAILURES` wrong answers in any `CLIENT_WINDOW_SECS`
//! (`ClientRecord`): past those, verification is refused until the window moves on, so calling
//! again and again neither guesses a PIN nor runs up text messages.

use serde::{Deserialize, Serialize};

pub use super::catalog::CallerAccess;

/// Wrong codes or PINs a call may give before verification is refused for the rest of it.
pub const MAX_ATTEMPTS: u32 = 3;
/// Codes a call may ask for.
pub const MAX_CODES: u32 = 2;
/// How long a code works.
pub const CODE_TTL_SECS: i64 = 600;

/// Codes one client may be sent in any window, whatever the number of calls.
pub const DAILY_CODES: u32 = 5;
/// Wrong codes or PINs one client may give in any window (counted since their last verification)
/// before verification is refused for them.
pub const DAILY_FAILURES: u32 = 5;
/// The window the client's counts cover: 24 hours.
pub const CLIENT_WINDOW_SECS: i64 = 24 * 3600;

/// One client's verification within the window, across calls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientRecord {
    pub codes_sent: u32,
    /// Wrong answers since the later of the window's start and the client's last verification.
    pub failures: u32,
}

impl ClientRecord {
    /// No more answers are checked for this client until the window moves on.
    pub fn locked(&self) -> bool {
        self.failures >= DAILY_FAILURES
    }

    pub fn may_send_code(&self) -> bool {
        !self.locked() && self.codes_sent < DAILY_CODES
    }

    /// Whether one more wrong answer locks the client.
    pub fn locks_on_next_failure(&self) -> bool {
        self.failures + 1 >= DAILY_FAILURES
    }
}

impl CallerAccess {
    /// What the person on this call hears before verifying. On a call we placed, they are
    /// whoever answered our call, so caller-ID spoofing does not arise and they hear their
    /// projects. (The call-context query skips loading projects by the same rule.)
    pub fn on_call(self, outbound: bool) -> CallerAccess {
        if outbound {
            CallerAccess::Projects
        } else {
            self
        }
    }

    /// Whether an unverified known caller is greeted by name.
    pub fn greets_by_name(self) -> bool {
        self != CallerAccess::Anonymous
    }

    /// Whether an unverified known caller hears their projects.
    pub fn shares_projects_unverified(self) -> bool {
        self == CallerAccess::Projects
    }
}

/// One call's verification.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    pub verified: bool,
    /// The digest of the code sent last (never the code).
    #[serde(default)]
    pub code_digest: Option<String>,
    #[serde(default)]
    pub code_expires_at: Option<i64>,
    #[serde(default)]
    pub codes_sent: u32,
    #[serde(default)]
    pub failed_attempts: u32,
}

/// What an answer to the verification did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    Verified,
    Wrong {
        attempts_left: u32,
    },
    /// Too many wrong answers: no more tries this call.
    Locked,
    /// No code was sent (or it was already used).
    NoCode,
    Expired,
}

impl Verification {
    pub fn locked(&self) -> bool {
        !self.verified && self.failed_attempts >= MAX_ATTEMPTS
    }

    pub fn may_send_code(&self) -> bool {
        !self.verified && !self.locked() && self.codes_sent < MAX_CODES
    }

    /// Records a code sent at `now` (epoch seconds); the digest is what `check_code` compares.
    pub fn code_sent(&mut self, digest: String, now: i64) {
        self.codes_sent += 1;
        self.code_digest = Some(digest);
        self.code_expires_at = Some(now + CODE_TTL_SECS);
    }

    /// The caller read back a code whose digest is `given`.
    pub fn check_code(&mut self, given: &str, now: i64) -> Checked {
        if self.verified {
            return Checked::Verified;
        }
        if self.locked() {
            return Checked::Locked;
        }
        let Some(expected) = self.code_digest.as_deref() else {
            return Checked::NoCode;
        };
        if self.code_expires_at.is_none_or(|e| e <= now) {
            self.code_digest = None;
            return Checked::Expired;
        }
        let matched = constant_time_eq(expected.as_bytes(), given.as_bytes());
        self.answered(matched)
    }

    /// The caller gave a PIN; `matched` says whether it is the client's.
    pub fn check_pin(&mut self, matched: bool) -> Checked {
        if self.verified {
            return Checked::Verified;
        }
        if self.locked() {
            return Checked::Locked;
        }
        self.answered(matched)
    }

    fn answered(&mut self, matched: bool) -> Checked {
        if matched {
            self.verified = true;
            self.code_digest = None;
            return Checked::Verified;
        }
        self.failed_attempts += 1;
        if self.locked() {
            self.code_digest = None;
            Checked::Locked
        } else {
            Checked::Wrong {
                attempts_left: MAX_ATTEMPTS - self.failed_attempts,
            }
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_a_few_codes_and_wrong_answers_a_day_across_calls() {
        let fresh = ClientRecord::default();
        assert!(fresh.may_send_code() && !fresh.locked());
        let texted_out = ClientRecord {
            codes_sent: DAILY_CODES,
            failures: 0,
        };
        assert!(!texted_out.may_send_code() && !texted_out.locked());
        let almost = ClientRecord {
            codes_sent: 0,
            failures: DAILY_FAILURES - 1,
        };
        assert!(!almost.locked() && almost.locks_on_next_failure());
        let locked = ClientRecord {
            codes_sent: 0,
            failures: DAILY_FAILURES,
        };
        assert!(locked.locked() && !locked.may_send_code());
    }

    #[test]
    fn a_code_verifies_once_within_its_time() {
        let mut v = Verification::default();
        assert!(v.may_send_code());
        v.code_sent("d1".into(), 1_000);
        assert_eq!(
            v.check_code("d0", 1_010),
            Checked::Wrong { attempts_left: 2 }
        );
        assert_eq!(v.check_code("d1", 1_020), Checked::Verified);
        assert!(v.verified && !v.may_send_code());
        let mut late = Verification::default();
        late.code_sent("d1".into(), 1_000);
        assert_eq!(
            late.check_code("d1", 1_000 + CODE_TTL_SECS),
            Checked::Expired
        );
        assert_eq!(
            late.check_code("d1", 1_000),
            Checked::NoCode,
            "an expired code is gone"
        );
    }

    #[test]
    fn three_wrong_answers_end_verification_for_the_call() {
        let mut v = Verification::default();
        v.code_sent("d1".into(), 0);
        assert_eq!(v.check_pin(false), Checked::Wrong { attempts_left: 2 });
        assert_eq!(v.check_code("x", 1), Checked::Wrong { attempts_left: 1 });
        assert_eq!(v.check_code("x", 2), Checked::Locked);
        assert_eq!(
            v.check_code("d1", 3),
            Checked::Locked,
            "even the right code"
        );
        assert_eq!(v.check_pin(true), Checked::Locked);
        assert!(!v.may_send_code());
    }

    #[test]
    fn a_call_gets_two_codes() {
        let mut v = Verification::default();
        v.code_sent("a".into(), 0);
        v.code_sent("b".into(), 1);
        assert!(!v.may_send_code());
        assert_eq!(
            v.check_code("a", 2),
            Checked::Wrong { attempts_left: 2 },
            "only the last code"
        );
    }

    #[test]
    fn what_an_unverified_caller_hears() {
        assert!(!CallerAccess::Anonymous.greets_by_name());
        assert!(CallerAccess::Name.greets_by_name());
        assert!(!CallerAccess::Name.shares_projects_unverified());
        assert!(CallerAccess::Projects.shares_projects_unverified());
        assert_eq!(CallerAccess::default(), CallerAccess::Name);
    }
}
