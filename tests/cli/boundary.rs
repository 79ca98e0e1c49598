//! The command line links nothing of the desktop: no tauri, wry, tao, GTK or WebKit crate
//! in its dependency tree, and no GTK, WebKit or libdbus in what its binary loads. Both
//! are read from the real build, so a dependency that pulls one in fails here.

use std::path::Path;
use std::process::Command;

/// Crate names of the desktop stack, as the start of a name.
const DESKTOP_CRATES: &[&str] = &[
    "tauri",
    "wry",
    "tao",
    "gtk",
    "gdk",
    "webkit2gtk",
    "javascriptcore",
    "soup",
    "libappindicator",
    "muda",
    "dbus",
];

/// The crates `package` depends on for this machine, with normal (not dev or build) edges.
fn crates_of(package: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args([
            "tree",
            "--locked",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .args(["-p", package])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo tree: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

fn desktop(crates: &[String]) -> Vec<&String> {
    let mut found: Vec<_> = crates
        .iter()
        .filter(|c| DESKTOP_CRATES.iter().any(|d| c.starts_with(d)))
        .collect();
    found.sort();
    found.dedup();
    found
}

#[test]
fn the_command_line_depends_on_no_desktop_crate() {
    let cli = crates_of("patvault-cli");
    assert!(cli.iter().any(|c| c == "patvault-core"), "{cli:?}");
    assert_eq!(desktop(&cli), Vec::<&String>::new());
    // The same reading of the app's tree finds its desktop: the check sees what it seeks.
    let app = crates_of("patvault");
    for expected in ["tauri", "wry", "tao", "gtk", "webkit2gtk"] {
        assert!(
            desktop(&app).iter().any(|c| *c == expected),
            "{expected} not found in the app's tree"
        );
    }
}

/// The shared libraries the binary names (ELF `NEEDED`): only the C library's own.
#[cfg(target_os = "linux")]
#[test]
fn the_command_line_binary_loads_only_the_c_library() {
    let out = Command::new("readelf")
        .args(["--dynamic", "--wide", env!("CARGO_BIN_EXE_patvault")])
        .output()
        .unwrap();
    assert!(out.status.success(), "readelf failed");
    let needed: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|line| line.contains("(NEEDED)"))
        .filter_map(|line| Some(line.split('[').nth(1)?.trim_end_matches(']').to_owned()))
        .collect();
    assert!(
        needed.iter().any(|lib| lib.starts_with("libc.so")),
        "{needed:?}"
    );
    let c_library = [
        "libc.so",
        "libm.so",
        "libgcc_s.so",
        "ld-linux",
        "libpthread.so",
        "libdl.so",
        "librt.so",
    ];
    let others: Vec<_> = needed
        .iter()
        .filter(|lib| !c_library.iter().any(|c| lib.starts_with(c)))
        .collect();
    assert_eq!(
        others,
        Vec::<&String>::new(),
        "the binary loads more than libc"
    );
}
