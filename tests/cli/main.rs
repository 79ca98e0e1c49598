//! The CLI end to end, one test binary: the real `patvault` binary against a private
//! D-Bus session with a real gnome-keyring (`support`), and the fake Airtable serving
//! scenarios from `fake_airtable::world`. One binary links once and starts one keyring;
//! each test uses its own data folder and keychain service. The locked-keyring test is
//! `tests/locked`, which needs a keyring of its own.

mod adopt;
mod boundary;
mod bridge;
mod check;
mod consumers;
mod copies;
mod desktop;
mod due;
mod failures;
mod journey;
mod leak;
mod owners;
mod rotate;
mod scan;
mod shell;
mod store;
mod support;
mod vault;
mod wire;
