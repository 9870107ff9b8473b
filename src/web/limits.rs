//! Per-address rate limits (per instance, in memory) on the doors a script
//! would hammer: staff login, participant sign-in and registration, one-time
//! codes, uploads. They bound volume; the per-phone and per-account lockouts
//! in the database (`service::throttle`) bound guessing across instances.
//!
//! IPv6 clients are counted per /64, the block one subscriber usually has.

use std::net::IpAddr;
use std::num::NonZeroU32;

use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::error::AppError;
use crate::web::edge::client_ip;

type Keyed = RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// Staff login (API and page): 10 a minute.
    StaffLogin,
    /// Participant registration and sign-in: 120 a minute (a school hall
    /// behind one address registers together).
    Entry,
    /// One-time code requests: 20 at once, then 2 a minute.
    Otp,
    /// Bank and unit uploads: 10 at once, then 10 a minute.
    Upload,
}

/// (burst, per minute) for each door.
pub const LIMITS: [(Door, u32, u32); 4] = [
    (Door::StaffLogin, 10, 10),
    (Door::Entry, 120, 120),
    (Door::Otp, 20, 2),
    (Door::Upload, 10, 10),
];

/// Above this many tracked addresses, forgotten ones are dropped.
const RETAIN_AT: usize = 50_000;

pub struct IpLimits {
    enabled: bool,
    doors: Vec<(Door, Keyed)>,
}

impl IpLimits {
    pub fn new(enabled: bool) -> IpLimits {
        IpLimits::with(enabled, &LIMITS)
    }

    /// Limits of one's own (tests use small ones).
    pub fn with(enabled: bool, limits: &[(Door, u32, u32)]) -> IpLimits {
        let nz = |n: u32| NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN);
        IpLimits {
            enabled,
            doors: limits
                .iter()
                .map(|&(door, burst, per_minute)| {
                    let quota = Quota::per_minute(nz(per_minute)).allow_burst(nz(burst));
                    (door, RateLimiter::keyed(quota))
                })
                .collect(),
        }
    }

    /// Are the per-address limits on (`HOITHI_RATE_LIMITS`)?
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Counts one request at `door` from `ip`; 429 with `Retry-After` past the limit.
    pub fn check_ip(&self, door: Door, ip: Option<IpAddr>) -> Result<(), AppError> {
        let (Some(ip), true) = (ip, self.enabled) else {
            return Ok(());
        };
        let Some((_, limiter)) = self.doors.iter().find(|(d, _)| *d == door) else {
            return Ok(());
        };
        if limiter.len() > RETAIN_AT {
            limiter.retain_recent();
        }
        limiter.check_key(&bucket(ip)).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            AppError::TooManyRequests {
                retry_after: wait.as_secs() + 1,
            }
        })
    }

    pub fn check(&self, door: Door, req: &HttpRequest) -> Result<(), AppError> {
        self.check_ip(door, client_ip(req))
    }
}

/// Checks `door` for the request's client with the instance's limits (none
/// when the app was built without them).
pub fn check(req: &HttpRequest, door: Door) -> Result<(), AppError> {
    match req.app_data::<actix_web::web::Data<IpLimits>>() {
        Some(limits) => limits.check(door, req),
        None => Ok(()),
    }
}

/// IPv6 addresses count per /64.
pub fn bucket(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            let mut seg = v6.segments();
            seg[4..].fill(0);
            IpAddr::V6(seg.into())
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_burst_an_address_waits_and_others_do_not() {
        let limits = IpLimits::with(true, &[(Door::StaffLogin, 3, 1)]);
        let a: IpAddr = "198.51.100.1".parse().unwrap();
        let b: IpAddr = "198.51.100.2".parse().unwrap();
        for _ in 0..3 {
            limits.check_ip(Door::StaffLogin, Some(a)).unwrap();
        }
        match limits.check_ip(Door::StaffLogin, Some(a)) {
            Err(AppError::TooManyRequests { retry_after }) => {
                assert!((1..=61).contains(&retry_after))
            }
            other => panic!("expected 429, got {other:?}"),
        }
        limits.check_ip(Door::StaffLogin, Some(b)).unwrap();
        // Doors without a limit, and disabled limits, let everything through.
        limits.check_ip(Door::Otp, Some(a)).unwrap();
        let off = IpLimits::with(false, &[(Door::StaffLogin, 1, 1)]);
        for _ in 0..5 {
            off.check_ip(Door::StaffLogin, Some(a)).unwrap();
        }
    }

    #[test]
    fn an_ipv6_subscriber_counts_once_per_64() {
        let limits = IpLimits::with(true, &[(Door::Entry, 2, 1)]);
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        limits.check_ip(Door::Entry, ip("2001:db8:1:2::1")).unwrap();
        limits
            .check_ip(Door::Entry, ip("2001:db8:1:2::ffff"))
            .unwrap();
        assert!(limits
            .check_ip(Door::Entry, ip("2001:db8:1:2:abcd::9"))
            .is_err());
        limits.check_ip(Door::Entry, ip("2001:db8:1:3::1")).unwrap();
    }
}
