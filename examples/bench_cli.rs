//! The command line's cost per call (a program that prints numbers, not a test): `due`,
//! `list` and `exec NAME -- true` on a vault of ten tokens, each run many times through
//! the `patvault` command line and through the app binary (`patvault-app`, which loads
//! the desktop's libraries and then hands the command on, as the one binary of earlier
//! versions paid on every call). Wall time from spawn to exit, and the peak resident
//! memory the kernel reports for the process (kept across the hand-off's exec).
//! Run it through `scripts/bench.sh cli`, which builds both in release and gives it a
//! keyring: `bench_cli CLI APP [--runs N]`.

// A benchmark is a program that prints its numbers.
#![allow(clippy::print_stdout)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Run {
    wall: Duration,
    peak_kib: i64,
}

/// Runs `command` to its end; its wall time and peak memory.
#[expect(
    clippy::zombie_processes,
    reason = "reaped by wait4, which alone gives the child's rusage"
)]
fn measure(mut command: Command) -> Run {
    let started = Instant::now();
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the program starts");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value, which wait4 overwrites.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the child is ours and not waited for elsewhere; both pointers are to locals.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    assert_eq!(pid, child.id() as libc::pid_t, "wait4 failed");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) <= 1,
        "{command:?} failed with status {status}"
    );
    Run {
        wall,
        peak_kib: usage.ru_maxrss,
    }
}

fn vault_command(program: &Path, data: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(program);
    command
        .args(args)
        .env("PATVAULT_DATA_DIR", data)
        .env("PATVAULT_KEYCHAIN_SERVICE", "dev.patvault.bench-cli");
    command
}

fn add_tokens(cli: &Path, data: &Path) {
    for n in 1..=10 {
        let mut add = vault_command(
            cli,
            data,
            &["add", &format!("Token {n}"), "--scope", "data.records:read"],
        );
        let mut child = add
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("add starts");
        let secret = format!("patBenchCli{n:06}.{}\n", format!("{:x}", n % 16).repeat(64));
        child
            .stdin
            .take()
            .unwrap()
            .write_all(secret.as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success(), "add Token {n}");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(cli), Some(app)) = (args.first(), args.get(1)) else {
        eprintln!("usage: bench_cli CLI APP [--runs N] (or scripts/bench.sh cli)");
        std::process::exit(2);
    };
    let (cli, app) = (PathBuf::from(cli), PathBuf::from(app));
    let runs: usize = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(30);
    let data = tempfile::tempdir().unwrap();
    add_tokens(&cli, data.path());

    println!(
        "bench_cli: release builds, a vault of 10 tokens in gnome-keyring, {runs} runs each; wall time median (min-max), peak RSS max"
    );
    println!("{:<34} {:>22} {:>12}", "command", "wall", "peak");
    let commands: [&[&str]; 3] = [
        &["due"],
        &["list"],
        &["exec", "Token 1", "--env", "AIRTABLE_TOKEN", "--", "true"],
    ];
    for args in commands {
        for (label, program) in [("patvault", &cli), ("patvault-app", &app)] {
            // One run first, so the page cache holds both binaries for every counted run.
            measure(vault_command(program, data.path(), args));
            let mut measured: Vec<Run> = (0..runs)
                .map(|_| measure(vault_command(program, data.path(), args)))
                .collect();
            measured.sort_by_key(|r| r.wall);
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            let wall = format!(
                "{:.1} ms ({:.1}-{:.1})",
                ms(measured[runs / 2].wall),
                ms(measured[0].wall),
                ms(measured[runs - 1].wall)
            );
            let peak = measured.iter().map(|r| r.peak_kib).max().unwrap_or(0);
            let name = format!("{label} {}", args[0]);
            println!("{name:<34} {wall:>22} {:>9.1} MB", peak as f64 / 1024.0);
        }
    }
}
