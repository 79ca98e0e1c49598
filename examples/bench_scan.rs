//! The scan benchmark (a program that prints numbers, not a test): a generated tree of
//! 100,000 small files (a few holding tokens, some in `node_modules`), scanned as
//! `patvault scan DIR` scans it, beside `rg -l pat` on the same tree when ripgrep is
//! installed. `--files N` changes the size of the tree.

// A benchmark is a program that prints its numbers.
#![allow(clippy::print_stdout)]

use std::path::Path;
use std::time::Instant;

use patvault_core::scan::{Source, scan};

fn generate(root: &Path, files: usize) -> usize {
    let mut planted = 0;
    for i in 0..files {
        let dir = root.join(format!("project{}/src/module{}", i / 1000, (i / 50) % 20));
        let dir = if i % 10 == 0 {
            root.join(format!("project{}/node_modules/dep{}", i / 1000, i % 7))
        } else {
            dir
        };
        std::fs::create_dir_all(&dir).unwrap();
        let text = if i % 997 == 0 && i % 10 != 0 {
            planted += 1;
            format!("AIRTABLE_TOKEN=pat{i:014}.{:064x}\n", i)
        } else {
            format!("// file {i}\nfn part_{i}() -> u32 {{ {i} }}\n// a pattern, a path, a patch\n")
        };
        std::fs::write(dir.join(format!("file{i}.rs")), text).unwrap();
    }
    planted
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let files = args
        .iter()
        .position(|a| a == "--files")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let tree = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let planted = generate(tree.path(), files);
    println!(
        "scan benchmark: {files} files generated in {:.1} s, {planted} tokens outside node_modules",
        started.elapsed().as_secs_f64()
    );
    // Once to warm the page cache, as rg would find it; then measured.
    scan(&[Source::Tree(tree.path().to_path_buf())], &|_| {});
    let started = Instant::now();
    let scanned = scan(&[Source::Tree(tree.path().to_path_buf())], &|_| {});
    let ours = started.elapsed();
    assert_eq!(scanned.hits.len(), planted, "every planted token is found");
    println!(
        "patvault scan:       {:>8.2} s  ({} files read, {:.0} files/s)",
        ours.as_secs_f64(),
        scanned.files_read,
        scanned.files_read as f64 / ours.as_secs_f64()
    );
    // Once to warm up, then measured.
    match rg(tree.path()) {
        Ok(out) if out.status.success() => {
            let started = Instant::now();
            let again = rg(tree.path()).unwrap();
            let took = started.elapsed();
            let listed = String::from_utf8_lossy(&again.stdout).lines().count();
            println!(
                "rg -l pat:           {:>8.2} s  ({listed} files listed; it reads the same {} files)",
                took.as_secs_f64(),
                scanned.files_read
            );
            println!(
                "ratio to rg:         {:>8.2}",
                ours.as_secs_f64() / took.as_secs_f64()
            );
        }
        _ => println!("rg -l pat:           not installed (apt install ripgrep to compare)"),
    }
}

/// ripgrep over the same files the scan reads: ignored and hidden ones too, but not
/// `node_modules`.
fn rg(tree: &Path) -> std::io::Result<std::process::Output> {
    std::process::Command::new("rg")
        .args([
            "-l",
            "--no-ignore",
            "--hidden",
            "-g",
            "!node_modules",
            "pat",
        ])
        .arg(tree)
        .output()
}
