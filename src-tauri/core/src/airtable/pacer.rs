//! Keeps every request under Airtable's two rate limits at once: 5 requests a second per
//! base and 50 per user (all of a user's tokens together), read the strictest way
//! `airtable-api.md` asks, never more than that inside any one-second window.
//!
//! One dispatcher task grants requests. The limits themselves are governor GCRA limiters
//! with a few percent of margin: a base's grants are a full period apart (burst 1); a
//! user may have 2 at once, so a base whose turn comes need not wait for its user's next
//! one (2 + 47.5 a second still stays under 50 in any one-second window). A request
//! needs a cell of its base and of its user at the same instant, and governor cannot
//! look without taking (boinkor-net/governor#211): the dispatcher therefore remembers,
//! per key, the earliest instant worth asking again (a base's period after a grant, or
//! governor's own answer), so it rarely takes one cell and then finds the other missing.
//!
//! A token's user is unknown until whoami answers, yet whoami counts toward that user.
//! Such a request takes a cell from every user seen in the last second and from a shared
//! "anyone" key, and while it is unresolved (granted in the last second, its whoami not
//! yet answered) every user's requests take the "anyone" cell too: in any one-second
//! window a user's requests and the unknown ones then either all took that user's key
//! (the user came first) or all took "anyone". Once whoami names the user, the grant is
//! charged to that user's key (`resolved`) and no longer binds anyone else: the coupling
//! lasts one round trip, not a second. Were it to last while any grant took "anyone",
//! every user would share one budget for the whole check, and two users would go no
//! faster than one (2.1 times the floor, measured on two users sharing twenty bases).
//!
//! A token's spender is shared with the dispatcher and read when a request is granted,
//! not when it is asked: a request of a token still unknown that waits while its whoami
//! answers then goes as the user's. Taken as unknown, it would be a grant nothing
//! resolves, holding every user to one budget for a second (1.65 times the floor,
//! measured when each unknown token asked its bases beside whoami).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// 5 a second with 5 % to spare: 5 grants span 840 ms, the sixth comes after 1050 ms.
pub const BASE_PERIOD: Duration = Duration::from_millis(210);
/// 50 a second with 5 % to spare.
pub const USER_PERIOD: Duration = Duration::from_micros(21_050);
/// Cells a user may spend at once: with the period, at most 49 in any second.
const USER_BURST: u32 = 2;
const WINDOW: Duration = Duration::from_secs(1);

/// Whose budget a request spends.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Spender {
    User(String),
    /// A token whose user whoami has not told yet; the number tells the tokens apart
    /// (see `Pacer::resolved`).
    Unknown(u64),
}

/// A token's spender as the dispatcher reads it at grant time; whoami changes it.
pub type SharedSpender = Arc<parking_lot::Mutex<Spender>>;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum UserKey {
    User(String),
    Anyone,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    User(UserKey),
    Base(String),
}

enum Message {
    Ask(Ticket),
    Resolved {
        unknown: u64,
        user: String,
    },
    Nobodys {
        unknown: u64,
    },
    Pause {
        spender: Spender,
        base: Option<String>,
        until: Instant,
    },
}

struct Ticket {
    spender: SharedSpender,
    base: Option<String>,
    grant: oneshot::Sender<()>,
}

/// A handle to the dispatcher; clones share it. Must be created inside a tokio runtime.
#[derive(Clone)]
pub struct Pacer {
    tx: mpsc::UnboundedSender<Message>,
}

impl Pacer {
    pub fn new() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(Dispatcher::new().run(rx));
        Pacer { tx }
    }

    /// Resolves when a request of `spender` to `base` (if any) may be sent, now.
    pub async fn ready(&self, spender: &SharedSpender, base: Option<&str>) {
        let (grant, granted) = oneshot::channel();
        let ticket = Ticket {
            spender: spender.clone(),
            base: base.map(str::to_owned),
            grant,
        };
        if self.tx.send(Message::Ask(ticket)).is_ok() {
            let _ = granted.await;
        }
    }

    /// Whoami named the user of the token that spent as `Spender::Unknown(unknown)`: its
    /// grants are that user's.
    pub fn resolved(&self, unknown: u64, user: &str) {
        let _ = self.tx.send(Message::Resolved {
            unknown,
            user: user.to_owned(),
        });
    }

    /// Whoami refused the token that spent as `Spender::Unknown(unknown)` (401: revoked,
    /// regenerated away, mistyped): it acts for no user, so its grants hold no user's
    /// budget. Left unresolved, they would hold every user to one shared budget for a
    /// second (1.29 times the floor, measured on three users and a revoked token).
    pub fn nobodys(&self, unknown: u64) {
        let _ = self.tx.send(Message::Nobodys { unknown });
    }

    /// After a 429: nothing more for this user and this base until `pause` has passed.
    pub fn pause(&self, spender: &Spender, base: Option<&str>, pause: Duration) {
        let _ = self.tx.send(Message::Pause {
            spender: spender.clone(),
            base: base.map(str::to_owned),
            until: Instant::now() + pause,
        });
    }
}

impl Default for Pacer {
    fn default() -> Self {
        Self::new()
    }
}

enum Decision {
    Granted,
    NotBefore(Instant),
}

struct Dispatcher {
    users: DefaultKeyedRateLimiter<UserKey>,
    bases: DefaultKeyedRateLimiter<String>,
    waiting: Vec<Ticket>,
    /// The earliest instant at which asking governor for a key's cell can succeed.
    not_before: HashMap<Key, Instant>,
    paused_until: HashMap<Key, Instant>,
    /// When each known user was last granted a request.
    last_grant: HashMap<String, Instant>,
    /// Grants to tokens whose user is not known yet: when, and which token.
    unresolved: Vec<(Instant, u64)>,
    /// Cells a user owes for resolved grants its limiter could not take at once.
    owed: HashMap<String, u32>,
}

impl Dispatcher {
    fn new() -> Self {
        let quota = |period| Quota::with_period(period).expect("a non-zero period");
        let burst = std::num::NonZeroU32::new(USER_BURST).expect("a non-zero burst");
        Dispatcher {
            users: RateLimiter::keyed(quota(USER_PERIOD).allow_burst(burst)),
            bases: RateLimiter::keyed(quota(BASE_PERIOD)),
            waiting: Vec::new(),
            not_before: HashMap::new(),
            paused_until: HashMap::new(),
            last_grant: HashMap::new(),
            unresolved: Vec::new(),
            owed: HashMap::new(),
        }
    }

    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Message>) {
        let mut wake: Option<Instant> = None;
        loop {
            let message = match wake {
                _ if self.waiting.is_empty() => rx.recv().await,
                None => rx.recv().await,
                Some(at) => tokio::select! {
                    m = rx.recv() => m,
                    _ = tokio::time::sleep_until(at) => {
                        wake = self.grant_what_can_go();
                        continue;
                    }
                },
            };
            let Some(message) = message else { return };
            self.take(message);
            while let Ok(more) = rx.try_recv() {
                self.take(more);
            }
            wake = self.grant_what_can_go();
        }
    }

    fn take(&mut self, message: Message) {
        match message {
            Message::Ask(ticket) => self.waiting.push(ticket),
            Message::Resolved { unknown, user } => {
                let before = self.unresolved.len();
                self.unresolved.retain(|(_, u)| *u != unknown);
                let grants = before - self.unresolved.len();
                if grants > 0 {
                    *self.owed.entry(user.clone()).or_default() += grants as u32;
                    self.last_grant.insert(user.clone(), Instant::now());
                    self.pay(&user);
                }
            }
            Message::Nobodys { unknown } => self.unresolved.retain(|(_, u)| *u != unknown),
            Message::Pause {
                spender,
                base,
                until,
            } => {
                let mut keys = vec![Key::User(user_key(&spender))];
                keys.extend(base.map(Key::Base));
                for key in keys {
                    let entry = self.paused_until.entry(key).or_insert(until);
                    *entry = (*entry).max(until);
                }
            }
        }
    }

    /// Grants what may go now and returns when to look again. Requests without a base
    /// (identity, base lists) come first, since everything else waits on them; then the
    /// bases with the most requests waiting, since the busiest base sets the length of
    /// the whole check and must not lose its turns to its user's budget; ties in arrival
    /// order. (With a user burst of 1 this order measured no better than arrival order;
    /// together they took the benchmark from 1.21 to about 1.16 times the floor.)
    fn grant_what_can_go(&mut self) -> Option<Instant> {
        self.waiting.retain(|t| !t.grant.is_closed());
        let mut queued: HashMap<&str, usize> = HashMap::new();
        for t in &self.waiting {
            if let Some(b) = &t.base {
                *queued.entry(b).or_default() += 1;
            }
        }
        let mut order: Vec<(bool, std::cmp::Reverse<usize>, usize)> = self
            .waiting
            .iter()
            .enumerate()
            .map(|(i, t)| {
                (
                    t.base.is_some(),
                    std::cmp::Reverse(t.base.as_deref().map_or(0, |b| queued[b])),
                    i,
                )
            })
            .collect();
        order.sort_unstable();
        let mut granted = vec![false; self.waiting.len()];
        let mut wake: Option<Instant> = None;
        for (_, _, i) in order {
            let (spender, base) = (
                self.waiting[i].spender.lock().clone(),
                self.waiting[i].base.clone(),
            );
            match self.decide(&spender, base) {
                Decision::Granted => granted[i] = true,
                Decision::NotBefore(at) => wake = Some(wake.map_or(at, |w| w.min(at))),
            }
        }
        for (ticket, granted) in std::mem::take(&mut self.waiting).into_iter().zip(granted) {
            if granted {
                let _ = ticket.grant.send(());
            } else {
                self.waiting.push(ticket);
            }
        }
        wake
    }

    /// Takes the cells `user` owes, as many as its limiter has; says when the rest can
    /// be taken, if any is left.
    fn pay(&mut self, user: &str) -> Option<Instant> {
        let key = UserKey::User(user.to_owned());
        while let Some(owed) = self.owed.get_mut(user).filter(|n| **n > 0) {
            match self.users.check_key(&key) {
                Ok(()) => *owed -= 1,
                Err(n) => return Some(Instant::now() + n.wait_time_from(self.users.clock().now())),
            }
        }
        self.owed.remove(user);
        None
    }

    fn user_keys(&mut self, spender: &Spender, now: Instant) -> Vec<UserKey> {
        let recent = |t: &Instant| now.duration_since(*t) < WINDOW + USER_PERIOD;
        self.unresolved.retain(|(t, _)| recent(t));
        match spender {
            Spender::User(id) => {
                let mut keys = vec![UserKey::User(id.clone())];
                if !self.unresolved.is_empty() {
                    keys.push(UserKey::Anyone);
                }
                keys
            }
            Spender::Unknown(_) => {
                let mut keys: Vec<UserKey> = self
                    .last_grant
                    .iter()
                    .filter(|(_, t)| recent(t))
                    .map(|(id, _)| UserKey::User(id.clone()))
                    .collect();
                keys.push(UserKey::Anyone);
                keys
            }
        }
    }

    fn decide(&mut self, spender: &Spender, base: Option<String>) -> Decision {
        let now = Instant::now();
        if let Spender::User(id) = spender
            && let Some(at) = self.pay(id)
        {
            return Decision::NotBefore(at);
        }
        let mut keys: Vec<Key> = self
            .user_keys(spender, now)
            .into_iter()
            .map(Key::User)
            .collect();
        // The pause after a 429 is the spender's own, whatever keys pacing uses.
        let mut paused_keys = vec![Key::User(user_key(spender))];
        paused_keys.extend(base.clone().map(Key::Base));
        let later = paused_keys
            .iter()
            .filter_map(|k| self.paused_until.get(k))
            .chain(keys.iter().filter_map(|k| self.not_before.get(k)))
            .chain(
                base.as_ref()
                    .and_then(|b| self.not_before.get(&Key::Base(b.clone()))),
            )
            .copied()
            .filter(|t| *t > now)
            .max();
        if let Some(at) = later {
            return Decision::NotBefore(at);
        }
        keys.extend(base.map(Key::Base));
        for key in &keys {
            let checked = match key {
                Key::User(k) => self
                    .users
                    .check_key(k)
                    .map_err(|n| n.wait_time_from(self.users.clock().now())),
                Key::Base(b) => self
                    .bases
                    .check_key(b)
                    .map_err(|n| n.wait_time_from(self.bases.clock().now())),
            };
            if let Err(wait) = checked {
                let at = now + wait;
                self.not_before.insert(key.clone(), at);
                return Decision::NotBefore(at);
            }
        }
        match spender {
            Spender::User(id) => {
                self.last_grant.insert(id.clone(), now);
            }
            Spender::Unknown(token) => self.unresolved.push((now, *token)),
        }
        for key in keys {
            match &key {
                // A user's burst may have a cell left: governor says when it has not.
                Key::User(_) => {
                    self.not_before.remove(&key);
                }
                Key::Base(_) => {
                    self.not_before.insert(key, now + BASE_PERIOD);
                }
            }
        }
        Decision::Granted
    }
}

fn user_key(spender: &Spender) -> UserKey {
    match spender {
        Spender::User(id) => UserKey::User(id.clone()),
        Spender::Unknown(_) => UserKey::Anyone,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parking_lot::Mutex;
    use std::sync::Arc;

    /// Grants every request through `pacer` and records when, per base and per user.
    async fn grant_times_on(
        pacer: &Pacer,
        requests: Vec<(Spender, Option<String>)>,
    ) -> Vec<(Spender, Option<String>, Instant)> {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for (spender, base) in requests {
            let (pacer, log) = (pacer.clone(), log.clone());
            tasks.push(tokio::spawn(async move {
                pacer.ready(&shared(&spender), base.as_deref()).await;
                log.lock().push((spender, base, Instant::now()));
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        Arc::try_unwrap(log).unwrap().into_inner()
    }

    fn shared(spender: &Spender) -> SharedSpender {
        Arc::new(Mutex::new(spender.clone()))
    }

    async fn grant_times(
        requests: Vec<(Spender, Option<String>)>,
    ) -> Vec<(Spender, Option<String>, Instant)> {
        grant_times_on(&Pacer::new(), requests).await
    }

    fn most_in_one_second(mut times: Vec<Instant>) -> usize {
        times.sort();
        (0..times.len())
            .map(|i| {
                times[i..]
                    .iter()
                    .take_while(|t| t.duration_since(times[i]) < WINDOW)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    /// Two users send 100 requests each over 25 bases: with a budget each, more than 60
    /// go in the first second.
    async fn assert_each_user_has_a_budget(pacer: &Pacer) {
        let started = Instant::now();
        let mut requests = Vec::new();
        for user in ["usrA", "usrB"] {
            requests.extend(
                (0..100).map(|i| (Spender::User(user.into()), Some(format!("app{}", i % 25)))),
            );
        }
        let log = grant_times_on(pacer, requests).await;
        let first_second = log
            .iter()
            .filter(|l| l.2.duration_since(started) < WINDOW)
            .count();
        assert!(
            first_second > 60,
            "the users shared one budget: {first_second} in the first second"
        );
    }

    #[tokio::test]
    async fn one_base_never_gets_more_than_five_in_a_second() {
        let user = Spender::User("usrA".into());
        let log = grant_times(
            (0..12)
                .map(|_| (user.clone(), Some("appA".into())))
                .collect(),
        )
        .await;
        assert_eq!(most_in_one_second(log.iter().map(|l| l.2).collect()), 5);
    }

    #[tokio::test]
    async fn whoami_of_unknown_tokens_shares_the_users_budget() {
        let mut requests: Vec<(Spender, Option<String>)> = (0..60)
            .map(|i| (Spender::User("usrA".into()), Some(format!("app{}", i % 12))))
            .collect();
        requests.extend((0..20).map(|i| (Spender::Unknown(i), None)));
        let log = grant_times(requests).await;
        // Every unknown token might be usrA's: together they stay within 50 a second.
        let all: Vec<Instant> = log.iter().map(|l| l.2).collect();
        assert!(most_in_one_second(all) <= 49);
        assert_eq!(log.len(), 80);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_users_each_get_their_own_budget_once_whoami_is_past() {
        // Each of two unknown tokens asks whoami, which names its user; then each user
        // sends 150 requests over 30 bases. Resolved, the whoamis bind no one else: the
        // users do not share a budget, so together they go well past 50 a second.
        let pacer = Pacer::new();
        for (token, user) in [(1, "usrA"), (2, "usrB")] {
            pacer.ready(&shared(&Spender::Unknown(token)), None).await;
            pacer.resolved(token, user);
        }
        let mut requests = Vec::new();
        for user in ["usrA", "usrB"] {
            requests.extend(
                (0..150).map(|i| (Spender::User(user.into()), Some(format!("app{}", i % 30)))),
            );
        }
        let log = grant_times_on(&pacer, requests).await;
        let of = |user: &str| -> Vec<Instant> {
            log.iter()
                .filter(|l| l.0 == Spender::User(user.into()))
                .map(|l| l.2)
                .collect()
        };
        assert!(most_in_one_second(of("usrA")) <= 49);
        assert!(most_in_one_second(of("usrB")) <= 49);
        let together = most_in_one_second(log.iter().map(|l| l.2).collect());
        assert!(
            together > 60,
            "the two users shared one budget: {together} in a second"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_refused_whoami_holds_no_users_budget() {
        // Two known users, and a revoked token whose whoami was just refused: its grant
        // is nobody's, so in the next second each user has a budget of its own.
        let pacer = Pacer::new();
        for (token, user) in [(1, "usrA"), (2, "usrB")] {
            pacer.ready(&shared(&Spender::Unknown(token)), None).await;
            pacer.resolved(token, user);
        }
        pacer.ready(&shared(&Spender::Unknown(3)), None).await;
        pacer.nobodys(3);
        assert_each_user_has_a_budget(&pacer).await;
    }

    #[tokio::test]
    async fn a_request_that_waited_while_its_whoami_answered_goes_as_the_users() {
        // Token 1's base list waits (the unknown budget spent) while its whoami names
        // usrA. Granted as usrA's, it leaves nothing unresolved: in the next second usrA
        // and usrB each have their own budget. Were it granted as unknown, every user
        // would share one budget for that second.
        let pacer = Pacer::new();
        let token = shared(&Spender::Unknown(1));
        pacer.ready(&token, None).await;
        pacer.ready(&token, None).await;
        let waiting = {
            let (pacer, token) = (pacer.clone(), token.clone());
            tokio::spawn(async move { pacer.ready(&token, None).await })
        };
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        *token.lock() = Spender::User("usrA".into());
        pacer.resolved(1, "usrA");
        waiting.await.unwrap();
        assert_each_user_has_a_budget(&pacer).await;
    }
}
