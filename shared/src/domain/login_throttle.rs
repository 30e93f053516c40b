//! How repeated failed logins slow an attacker down: a few free failures, then a delay that
//! doubles with each further failure up to a lockout of `MAX_LOCKOUT`. Counted per account (an
//! attacker guessing one password) and per address (one machine guessing many accounts, which gets
//! more free failures because offices share an address). A successful login clears the account's
//! count; a quiet `WINDOW` clears both.

use std::time::Duration;

/// Failures are forgotten this long after the last one.
pub const WINDOW: Duration = Duration::from_secs(3600);
/// The longest a key is locked.
pub const MAX_LOCKOUT: Duration = Duration::from_secs(15 * 60);

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Account,
    Address,
}

impl Subject {
    /// Failures allowed before any delay.
    pub fn free_failures(self) -> u32 {
        match self {
            Subject::Account => 5,
            Subject::Address => 20,
        }
    }

    /// How long the subject is locked after its `failures`-th failure.
    pub fn lockout_after(self, failures: u32) -> Duration {
        let over = failures.saturating_sub(self.free_failures());
        if over == 0 {
            return Duration::ZERO;
        }
        // 1 s, 2 s, 4 s ... then 15 minutes.
        Duration::from_secs(1u64 << (over - 1).min(20)).min(MAX_LOCKOUT)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Account => "account",
            Subject::Address => "address",
        }
    }
}

/// What an address is counted as: an IPv4 address itself, an IPv6 address its /64 (one host
/// holds a whole /64 and could take a fresh count for every guess from it). Text that is not an
/// address is counted as it is.
pub fn address_key(address: &str) -> String {
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(v4) => v4.to_string(),
        Err(_) => address.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_host_is_counted_by_its_64() {
        assert_eq!(
            address_key("2001:db8:1:2:aaaa::1"),
            address_key("2001:db8:1:2:ffff:ffff:ffff:fffe")
        );
        assert_eq!(address_key("2001:db8:1:2::9"), "2001:db8:1:2::/64");
        assert_ne!(
            address_key("2001:db8:1:2::1"),
            address_key("2001:db8:1:3::1")
        );
        assert_eq!(address_key("203.0.113.7"), "203.0.113.7");
        assert_eq!(address_key("unknown"), "unknown");
    }

    #[test]
    fn free_failures_then_a_doubling_delay_up_to_the_lockout() {
        let a = Subject::Account;
        for n in 0..=5 {
            assert_eq!(a.lockout_after(n), Duration::ZERO, "{n}");
        }
        assert_eq!(a.lockout_after(6), Duration::from_secs(1));
        assert_eq!(a.lockout_after(7), Duration::from_secs(2));
        assert_eq!(a.lockout_after(10), Duration::from_secs(16));
        assert_eq!(a.lockout_after(20), MAX_LOCKOUT);
        assert_eq!(a.lockout_after(u32::MAX), MAX_LOCKOUT);
        assert_eq!(Subject::Address.lockout_after(20), Duration::ZERO);
        assert_eq!(Subject::Address.lockout_after(21), Duration::from_secs(1));
    }
}
