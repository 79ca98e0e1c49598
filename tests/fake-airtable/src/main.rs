//! `fake-airtable --scenario FILE [--port N]`: serves a scenario until stopped, for the
//! demo, the benchmark and trying the client by hand. Statistics: GET /_fake/stats.

use std::path::PathBuf;
use std::process::ExitCode;

use fake_airtable::{FakeAirtable, Scenario};

const USAGE: &str = "usage: fake-airtable --scenario FILE [--port N] [--latency-ms N]";

fn main() -> ExitCode {
    let mut scenario_path: Option<PathBuf> = None;
    let mut port = 0u16;
    let mut latency: Option<u64> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        let parsed = match (arg.as_str(), value) {
            ("--scenario", Some(v)) => {
                scenario_path = Some(v.into());
                true
            }
            ("--port", Some(v)) => v.parse().map(|p| port = p).is_ok(),
            ("--latency-ms", Some(v)) => v.parse().map(|l| latency = Some(l)).is_ok(),
            _ => false,
        };
        if !parsed {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    }
    let Some(path) = scenario_path else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let mut scenario = match Scenario::load(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("fake-airtable: {e}");
            return ExitCode::from(2);
        }
    };
    if let Some(ms) = latency {
        scenario.settings.latency_ms = ms;
    }
    match FakeAirtable::start_on(scenario, port) {
        Ok(fake) => {
            // The first line is the address, for scripts that asked for port 0; the fake
            // is a tool, not the CLI, and prints it plainly.
            #[allow(clippy::print_stdout)]
            {
                println!("{}", fake.url());
            }
            fake.wait();
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("fake-airtable: cannot listen on 127.0.0.1:{port}: {e}");
            ExitCode::FAILURE
        }
    }
}
