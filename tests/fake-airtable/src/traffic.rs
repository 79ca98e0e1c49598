//! Airtable's two rate limits, read the strictest way (`airtable-api.md`): at most
//! `base_rate` requests to one base and `user_rate` for one user inside any one-second
//! window, then refusal for the penalty. Also the counts tests assert on.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::scenario::Settings;

const WINDOW: Duration = Duration::from_secs(1);

#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct Stats {
    pub requests: u64,
    pub rate_limited: u64,
    /// Write requests that arrived with a body: a careful client sends none.
    pub bodies: u64,
    /// Requests refused because their base's monthly quota is spent (not rate limits).
    pub billing_limited: u64,
    /// Calls that change something without a body: listing a webhook's payloads extends
    /// the webhook's life (`airtable-api.md`, "Probes added since"). A check sends none.
    pub mutations: u64,
    pub per_base: BTreeMap<String, KeyStats>,
    pub per_user: BTreeMap<String, KeyStats>,
    pub per_route: BTreeMap<String, u64>,
}

#[derive(Debug, Default, Clone, Serialize, PartialEq, Eq)]
pub struct KeyStats {
    pub requests: u64,
    pub rate_limited: u64,
    /// The most requests accepted inside any one-second window.
    pub peak_per_second: u64,
    /// Requests accepted in each whole second since the first one the fake accepted: a
    /// trace of how a client paced itself.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub per_second: Vec<u64>,
}

#[derive(Default)]
struct Window {
    accepted: VecDeque<Instant>,
    penalty_until: Option<Instant>,
}

impl Window {
    fn recent(&mut self, now: Instant) -> usize {
        while self
            .accepted
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            self.accepted.pop_front();
        }
        self.accepted.len()
    }

    fn penalized(&self, now: Instant) -> bool {
        self.penalty_until.is_some_and(|until| now < until)
    }
}

#[derive(Default)]
pub struct Traffic {
    stats: Stats,
    /// When the first request was accepted: second 0 of every `per_second`.
    first: Option<Instant>,
    bases: HashMap<String, Window>,
    users: HashMap<String, Window>,
}

pub enum Admission {
    Accepted,
    RateLimited,
}

impl Traffic {
    pub fn count(&mut self, route: &str, user: Option<&str>, base: Option<&str>) {
        self.stats.requests += 1;
        *self.stats.per_route.entry(route.to_owned()).or_default() += 1;
        if let Some(u) = user {
            self.stats
                .per_user
                .entry(u.to_owned())
                .or_default()
                .requests += 1;
        }
        if let Some(b) = base {
            self.stats
                .per_base
                .entry(b.to_owned())
                .or_default()
                .requests += 1;
        }
    }

    pub fn count_body(&mut self) {
        self.stats.bodies += 1;
    }

    pub fn count_mutation(&mut self) {
        self.stats.mutations += 1;
    }

    pub fn count_billing_limited(&mut self) {
        self.stats.billing_limited += 1;
    }

    /// Decides whether a request arriving now is within both limits; a request beyond
    /// either starts the penalty for that base or user.
    pub fn admit(&mut self, settings: &Settings, user: &str, base: Option<&str>) -> Admission {
        let now = Instant::now();
        let penalty = Duration::from_millis(settings.penalty_ms);
        let user_window = self.users.entry(user.to_owned()).or_default();
        let mut refused = user_window.penalized(now);
        if !refused && user_window.recent(now) >= settings.user_rate {
            user_window.penalty_until = Some(now + penalty);
            refused = true;
        }
        let user_refused = refused;
        if let Some(b) = base {
            let base_window = self.bases.entry(b.to_owned()).or_default();
            let mut base_refused = base_window.penalized(now);
            if !base_refused && base_window.recent(now) >= settings.base_rate {
                base_window.penalty_until = Some(now + penalty);
                base_refused = true;
            }
            if base_refused {
                self.stats
                    .per_base
                    .entry(b.to_owned())
                    .or_default()
                    .rate_limited += 1;
            }
            refused |= base_refused;
        }
        if user_refused {
            self.stats
                .per_user
                .entry(user.to_owned())
                .or_default()
                .rate_limited += 1;
        }
        if refused {
            self.stats.rate_limited += 1;
            return Admission::RateLimited;
        }
        let second = now.duration_since(*self.first.get_or_insert(now)).as_secs() as usize;
        let peak = |w: &mut Window, stats: &mut KeyStats| {
            w.accepted.push_back(now);
            stats.peak_per_second = stats.peak_per_second.max(w.accepted.len() as u64);
            if stats.per_second.len() <= second {
                stats.per_second.resize(second + 1, 0);
            }
            stats.per_second[second] += 1;
        };
        peak(
            self.users.get_mut(user).expect("entered above"),
            self.stats.per_user.entry(user.to_owned()).or_default(),
        );
        if let Some(b) = base {
            peak(
                self.bases.get_mut(b).expect("entered above"),
                self.stats.per_base.entry(b.to_owned()).or_default(),
            );
        }
        Admission::Accepted
    }

    pub fn stats(&self) -> Stats {
        self.stats.clone()
    }

    pub fn reset(&mut self) {
        *self = Traffic::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            base_rate: 2,
            user_rate: 3,
            penalty_ms: 60_000,
            ..Settings::default()
        }
    }

    #[test]
    fn a_base_past_its_rate_is_refused_and_stays_refused() {
        let mut t = Traffic::default();
        let s = settings();
        assert!(matches!(
            t.admit(&s, "usrA", Some("appA")),
            Admission::Accepted
        ));
        assert!(matches!(
            t.admit(&s, "usrA", Some("appA")),
            Admission::Accepted
        ));
        assert!(matches!(
            t.admit(&s, "usrA", Some("appA")),
            Admission::RateLimited
        ));
        // Another base of the same user is still fine; the penalty is the base's.
        assert!(matches!(
            t.admit(&s, "usrA", Some("appB")),
            Admission::Accepted
        ));
        assert!(matches!(
            t.admit(&s, "usrB", Some("appA")),
            Admission::RateLimited
        ));
        let stats = t.stats();
        assert_eq!(stats.rate_limited, 2);
        assert_eq!(stats.per_base["appA"].rate_limited, 2);
        assert_eq!(stats.per_base["appA"].peak_per_second, 2);
        assert_eq!(
            stats.per_base["appA"].per_second,
            [2],
            "accepted ones only, in second 0"
        );
        assert_eq!(stats.per_user["usrA"].per_second, [3]);
    }

    #[test]
    fn a_user_past_its_rate_is_refused_across_bases() {
        let mut t = Traffic::default();
        let s = settings();
        for base in ["appA", "appB", "appC"] {
            assert!(matches!(
                t.admit(&s, "usrA", Some(base)),
                Admission::Accepted
            ));
        }
        assert!(matches!(t.admit(&s, "usrA", None), Admission::RateLimited));
        assert!(matches!(
            t.admit(&s, "usrA", Some("appD")),
            Admission::RateLimited
        ));
        assert_eq!(t.stats().per_user["usrA"].rate_limited, 2);
        assert_eq!(t.stats().per_user["usrA"].peak_per_second, 3);
    }
}
