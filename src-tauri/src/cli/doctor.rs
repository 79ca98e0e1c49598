//! `patvault doctor [--json]`: whether the keychain and the inventory agree, and where
//! checks would send the tokens. Exit status 0 when healthy, 2 when not.

use super::out::print_out;
use super::output;
use patvault_core::config::Config;
use patvault_core::ops::health::health;
use patvault_core::vault::Vault;

pub fn doctor(vault: &Vault, config: &Config, json: bool) -> i32 {
    let health = health(vault, config);
    print_out(if json {
        output::json(&health) + "\n"
    } else {
        output::health(&health)
    });
    if health.is_healthy() { 0 } else { 2 }
}
