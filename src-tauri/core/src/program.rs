//! Which program an MCP client's config and the login entry are to run: PAT Vault's own,
//! by a full path that only its owner (or root) can change and that will still be
//! there. A copy in a temporary or shared folder, an AppImage's temporary mount, or a
//! binary replaced since it started leaves a path that another local user may one day
//! fill with a program of theirs, which the client or the desktop would then run as you.
//! PAT Vault is two programs installed side by side: `patvault`, the command line, and
//! `patvault-app`, the desktop app. Configs and the login entry both name the command
//! line, which becomes the app when started with no command and a display.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{ErrorKind, UserError};

/// The command line's file name, without this system's suffix for programs.
pub const COMMAND_LINE: &str = "patvault";
/// The desktop app's.
pub const APP: &str = "patvault-app";
/// What both take to start the app in the tray only, as the login entry does.
pub const MINIMIZED: &str = "--minimized";

/// The program `name` installed beside `program` (in the same folder).
fn beside(program: &Path, name: &str) -> PathBuf {
    program.with_file_name(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// The program `name` (`APP` or `COMMAND_LINE`) installed beside the running one. Only
/// when the running binary cannot be told (no /proc, in some sandboxes) is the PATH
/// asked instead: its first program of that name in an absolute folder, if it is one
/// that only its owner can change and that can run.
pub fn installed(at: &Whereabouts, name: &str) -> Option<PathBuf> {
    if let Some(running) = &at.running {
        return Some(beside(running, name)).filter(|candidate| candidate.is_file());
    }
    on_search_path(at, name).filter(|candidate| why_unsafe(candidate, &at.temp).is_none())
}

/// The first program `name` that can run in an absolute folder of the PATH.
fn on_search_path(at: &Whereabouts, name: &str) -> Option<PathBuf> {
    let file = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    at.search_path
        .iter()
        .flat_map(std::env::split_paths)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(&file))
        .find(|candidate| runnable(candidate))
}

#[cfg(unix)]
fn runnable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn runnable(path: &Path) -> bool {
    path.is_file()
}

/// Runs `command` in this process's place, so whoever started this one deals with the
/// program itself (its pid, its exit status); returns only when it could not start.
/// Where a process cannot be replaced, waits for the program and exits with its status.
pub fn run_instead(command: Command) -> std::io::Error {
    replace_with(command, true)
}

/// `run_instead` for the app, which stays in the tray for the whole session: where a
/// process cannot be replaced, it is left running and this one exits.
pub fn start_instead(command: Command) -> std::io::Error {
    replace_with(command, false)
}

#[cfg(unix)]
fn replace_with(mut command: Command, _wait: bool) -> std::io::Error {
    std::os::unix::process::CommandExt::exec(&mut command)
}

#[cfg(not(unix))]
fn replace_with(mut command: Command, wait: bool) -> std::io::Error {
    if !wait {
        return match command.spawn() {
            Ok(_) => std::process::exit(0),
            Err(e) => e,
        };
    }
    match command.status() {
        Ok(status) => std::process::exit(status.code().unwrap_or(2)),
        Err(e) => e,
    }
}

/// What the shell knows of where PAT Vault runs from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Whereabouts {
    /// The program the user named (`--program`, or `PATVAULT_PROGRAM`): taken as it is,
    /// if it is a full path.
    pub chosen: Option<PathBuf>,
    /// The AppImage this runs from (`$APPIMAGE`), not its temporary mount.
    pub appimage: Option<PathBuf>,
    /// That mount (`$APPDIR`): `$APPIMAGE` counts only for a binary inside it, as every
    /// program started from an AppImage (a terminal in an editor that is one) inherits
    /// both.
    pub appdir: Option<PathBuf>,
    /// The running binary, when it can be told.
    pub running: Option<PathBuf>,
    /// `$PATH`, where an installed `patvault` is found.
    pub search_path: Option<OsString>,
    /// The temporary folder.
    pub temp: PathBuf,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "PAT Vault runs from {}, {why}: a config or login entry naming it could one day start another user's program. \
     Run an installed copy (the patvault on your PATH), or name the program to write with --program PATH \
     (for the app, PATVAULT_PROGRAM); nothing was changed",
    path.display()
)]
pub struct UnsafeProgram {
    pub path: PathBuf,
    pub why: String,
}

impl UserError for UnsafeProgram {
    fn kind(&self) -> ErrorKind {
        ErrorKind::UnsafeProgram
    }
}

/// The program to write, or why the one running may not be written.
pub fn program(at: &Whereabouts) -> Result<PathBuf, UnsafeProgram> {
    if let Some(chosen) = &at.chosen {
        // A client would look a relative name up in its own folder, perhaps a project's.
        return if chosen.is_absolute() {
            Ok(chosen.clone())
        } else {
            Err(UnsafeProgram {
                path: chosen.clone(),
                why: "a name a client would look up in its own working folder: give the full path"
                    .into(),
            })
        };
    }
    let Some(running) = &at.running else {
        return Err(UnsafeProgram {
            path: PathBuf::from("patvault"),
            why: "and where it is cannot be told".into(),
        });
    };
    let in_image = at
        .appdir
        .as_ref()
        .is_some_and(|dir| dir.is_absolute() && running.starts_with(dir));
    let candidate = match &at.appimage {
        Some(image) if in_image => image.clone(),
        _ => on_path(running, at.search_path.as_deref()).unwrap_or_else(|| running.clone()),
    };
    match why_unsafe(&candidate, &at.temp) {
        None => Ok(candidate),
        Some(why) => Err(UnsafeProgram {
            path: candidate,
            why,
        }),
    }
}

/// The command line for a config or login entry the app writes: the `patvault` installed
/// beside the running app (an AppImage's own path runs the app, which hands a command on
/// to it).
pub fn command_line(at: &Whereabouts) -> Result<PathBuf, UnsafeProgram> {
    let Some(running) = &at.running else {
        return program(at);
    };
    let command_line = beside(running, COMMAND_LINE);
    if at.chosen.is_none() && !command_line.exists() {
        return Err(UnsafeProgram {
            path: running.clone(),
            why: format!(
                "without the patvault command line beside it ({} is missing), which configs run",
                command_line.display()
            ),
        });
    }
    program(&Whereabouts {
        running: Some(command_line),
        ..at.clone()
    })
}

/// The `patvault` on `search_path` that is the running binary itself, in a folder named
/// by its full path (`.` or an empty entry would lead elsewhere for a client).
fn on_path(running: &Path, search_path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    let name = running.file_name()?;
    std::env::split_paths(search_path?)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(name))
        .find(|found| same_file(found, running))
}

#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(a: &Path, b: &Path) -> bool {
    matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(a), Ok(b)) if a == b)
}

/// Why `path` may not be written into a config: it is gone or going, or the file or a
/// folder on the way to it can be changed by someone else.
pub fn why_unsafe(path: &Path, temp: &Path) -> Option<String> {
    if path.to_string_lossy().ends_with(" (deleted)") {
        return Some("a binary replaced or removed since it started".into());
    }
    let Ok(real) = std::fs::canonicalize(path) else {
        return Some("which is no longer there".into());
    };
    let temp = std::fs::canonicalize(temp).unwrap_or_else(|_| temp.to_path_buf());
    if !temp.as_os_str().is_empty() && real.starts_with(&temp) {
        return Some(format!(
            "which is in the temporary folder {}, emptied from time to time",
            temp.display()
        ));
    }
    // The path as written and the one it leads to: the file, and each folder above.
    [path, real.as_path()]
        .into_iter()
        .flat_map(Path::ancestors)
        .filter(|p| !p.as_os_str().is_empty())
        .find_map(owned_by_others)
}

#[cfg(unix)]
fn owned_by_others(step: &Path) -> Option<String> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    // A link is followed by whoever runs the path: what matters is where it leads, which
    // is checked as a path of its own.
    let meta = std::fs::metadata(step).ok()?;
    // SAFETY: geteuid and getegid have no preconditions and cannot fail.
    let (me, my_group) = unsafe { (libc::geteuid(), libc::getegid()) };
    let mode = meta.permissions().mode();
    let group_may = mode & 0o020 == 0 || trusted_group(meta.uid(), meta.gid(), me, my_group);
    if mode & 0o002 != 0 || !group_may {
        return Some(format!(
            "and {} can be changed by other users",
            step.display()
        ));
    }
    if meta.uid() != 0 && meta.uid() != me {
        return Some(format!(
            "and {} belongs to another user (uid {})",
            step.display(),
            meta.uid()
        ));
    }
    None
}

#[cfg(not(unix))]
fn owned_by_others(_step: &Path) -> Option<String> {
    None
}

/// A group whose members may change a folder without making it unsafe: the owner's own
/// (a per-user group, with the umask 002 of Ubuntu and Fedora), or, on a folder of
/// root's, one of the groups that administer the machine anyway (macOS's `/Applications`
/// is root:admin 0775, older Debian's `/usr/local/bin` root:staff 2775).
#[cfg(unix)]
fn trusted_group(owner: u32, group: u32, me: u32, my_group: u32) -> bool {
    let own = owner == me && me != 0 && group == my_group;
    let administrators = owner == 0
        && (group == 0 || ["admin", "staff", "wheel"].contains(&group_name(group).as_str()));
    own || administrators
}

#[cfg(unix)]
fn group_name(gid: u32) -> String {
    let mut group = std::mem::MaybeUninit::<libc::group>::uninit();
    let mut buffer = vec![0 as libc::c_char; 16 * 1024];
    let mut found = std::ptr::null_mut();
    // SAFETY: every pointer is to memory owned here, `buffer` as long as passed; the
    // group is read only when the call says it filled it.
    let status = unsafe {
        libc::getgrgid_r(
            gid,
            group.as_mut_ptr(),
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut found,
        )
    };
    if status != 0 || found.is_null() {
        return String::new();
    }
    // SAFETY: getgrgid_r filled `group`; its name points into `buffer`, still alive.
    unsafe { std::ffi::CStr::from_ptr((*group.as_ptr()).gr_name) }
        .to_string_lossy()
        .into_owned()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn binary_in(dir: &Path, mode: u32) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode)).unwrap();
        let file = dir.join("patvault");
        std::fs::write(&file, b"#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
        file
    }

    /// A folder outside the temporary one: the workspace's (ignored) build folder.
    fn elsewhere() -> tempfile::TempDir {
        let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
        std::fs::create_dir_all(&base).unwrap();
        tempfile::tempdir_in(base).unwrap()
    }

    fn running(at: PathBuf, temp: &Path) -> Whereabouts {
        Whereabouts {
            running: Some(at),
            temp: temp.to_path_buf(),
            ..Whereabouts::default()
        }
    }

    #[test]
    fn a_copy_in_a_shared_temporary_or_vanished_place_is_refused() {
        let temp = tempfile::tempdir().unwrap();
        let in_temp = binary_in(&temp.path().join("build"), 0o755);
        let refused = program(&running(in_temp, temp.path())).unwrap_err();
        assert!(refused.why.contains("temporary folder"), "{refused}");

        // Checked against another temporary folder, so the sharing is what is refused.
        let other_temp = Path::new("/nonexistent-temp");
        for mode in [0o777, 0o1777, 0o757] {
            let shared = binary_in(&temp.path().join(format!("shared-{mode:o}")), mode);
            let refused = program(&running(shared, other_temp)).unwrap_err();
            let named = format!("shared-{mode:o} can be changed by other users");
            assert!(refused.why.contains(&named), "{refused}");
        }
        let gone = temp.path().join("patvault (deleted)");
        let refused = program(&running(gone, other_temp)).unwrap_err();
        assert!(refused.why.contains("replaced or removed"), "{refused}");

        let chosen = Whereabouts {
            chosen: Some(PathBuf::from("/opt/patvault/bin/patvault")),
            ..running(temp.path().join("x"), temp.path())
        };
        assert_eq!(
            program(&chosen).unwrap(),
            Path::new("/opt/patvault/bin/patvault"),
            "the user's own choice is taken as it is"
        );
        let relative = Whereabouts {
            chosen: Some(PathBuf::from("./patvault")),
            ..chosen
        };
        assert!(program(&relative).unwrap_err().why.contains("full path"));
    }

    #[test]
    fn an_installed_copy_is_written_by_its_path_on_path() {
        let home = elsewhere();
        let real = binary_in(&home.path().join("opt"), 0o755);
        let bin = home.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::hard_link(&real, bin.join("patvault")).unwrap();
        let search = |dirs: &[&Path]| Some(std::env::join_paths(dirs).unwrap());
        assert_eq!(
            on_path(&real, search(&[Path::new("/nowhere"), &bin]).as_deref()),
            Some(bin.join("patvault"))
        );
        let cwd = std::env::current_dir().unwrap();
        assert!(
            on_path(&real, search(&[Path::new("."), Path::new("")]).as_deref()).is_none()
                || cwd == bin,
            "a relative entry is never the program's path"
        );
        // /usr/bin holds root's programs, in root's folders: the shape of an install.
        let sh = Path::new("/usr/bin/sh");
        if sh.exists() {
            assert_eq!(why_unsafe(sh, &std::env::temp_dir()), None);
        }
    }

    #[test]
    fn an_appimage_counts_only_for_a_binary_inside_its_mount() {
        let temp = tempfile::tempdir().unwrap();
        let image = binary_in(&temp.path().join("Applications"), 0o755);
        let mount = temp.path().join(".mount_PATVau");
        let inside = binary_in(&mount.join("usr/bin"), 0o755);
        let at = Whereabouts {
            appimage: Some(image.clone()),
            appdir: Some(mount.clone()),
            ..running(inside, Path::new("/nonexistent-temp"))
        };
        // Which path is weighed, whether or not this test's folders pass.
        let weighed = |at: &Whereabouts| program(at).unwrap_or_else(|e| e.path);
        assert_eq!(weighed(&at), image);
        let elsewhere = binary_in(&temp.path().join("usr-bin"), 0o755);
        let inherited = Whereabouts {
            running: Some(elsewhere.clone()),
            ..at
        };
        assert_eq!(
            weighed(&inherited),
            elsewhere,
            "a program started from an AppImage's terminal is itself"
        );
    }

    #[test]
    fn the_app_writes_the_command_line_installed_beside_it() {
        let dir = elsewhere();
        let app = dir.path().join(APP);
        std::fs::write(&app, b"#!/bin/sh\n").unwrap();
        let at = running(app.clone(), Path::new("/nonexistent-temp"));
        let missing = command_line(&at).unwrap_err();
        assert!(
            missing.why.contains("without the patvault command line"),
            "{missing}"
        );
        assert_eq!(missing.path, app);

        let cli = binary_in(dir.path(), 0o755);
        // Which path is weighed, whether or not this test's folders pass (a clean clone
        // in /tmp does not).
        let weighed = |r: Result<PathBuf, UnsafeProgram>| r.unwrap_or_else(|e| e.path);
        assert_eq!(weighed(command_line(&at)), cli);
        assert_eq!(weighed(program(&at)), app, "the running program is the app");
    }

    #[test]
    fn the_other_program_is_the_one_beside_this_one_and_the_path_only_without_it() {
        let (here, on_path) = (elsewhere(), elsewhere());
        std::fs::write(here.path().join(APP), b"").unwrap();
        let path_cli = binary_in(on_path.path(), 0o755);
        let path_app = on_path.path().join(APP);
        std::fs::write(&path_app, b"").unwrap();
        std::fs::set_permissions(&path_app, std::fs::Permissions::from_mode(0o755)).unwrap();
        let search = |dirs: &[&Path]| Some(std::env::join_paths(dirs).unwrap());
        let at = Whereabouts {
            running: Some(here.path().join(COMMAND_LINE)),
            search_path: search(&[on_path.path()]),
            temp: PathBuf::from("/nonexistent-temp"),
            ..Whereabouts::default()
        };
        assert_eq!(
            installed(&at, APP),
            Some(here.path().join(APP)),
            "beside wins"
        );
        assert_eq!(
            installed(&at, COMMAND_LINE),
            None,
            "an install without it is not mended from the PATH"
        );

        // Without /proc the running binary is unknown: the PATH answers, with its
        // absolute folders only, and a program that can run.
        let unknown = Whereabouts {
            running: None,
            ..at.clone()
        };
        assert_eq!(
            on_search_path(&unknown, COMMAND_LINE),
            Some(path_cli.clone())
        );
        // Whether this test's folders pass depends on where the checkout is (a clone in
        // /tmp does not): the PATH's program is taken exactly when it passes.
        let passes = why_unsafe(&path_cli, &unknown.temp).is_none();
        assert_eq!(
            installed(&unknown, COMMAND_LINE),
            passes.then(|| path_cli.clone())
        );
        let in_temp = Whereabouts {
            temp: on_path.path().to_path_buf(),
            ..unknown.clone()
        };
        assert_eq!(
            installed(&in_temp, COMMAND_LINE),
            None,
            "one in the temporary folder"
        );
        let up = std::env::current_dir().unwrap().components().count() - 1;
        let same = Path::new(&"../".repeat(up)).join(on_path.path().strip_prefix("/").unwrap());
        assert!(same.join(COMMAND_LINE).is_file());
        let relative = Whereabouts {
            search_path: search(&[&same]),
            ..unknown.clone()
        };
        assert_eq!(on_search_path(&relative, COMMAND_LINE), None);
        std::fs::set_permissions(&path_cli, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(
            on_search_path(&unknown, COMMAND_LINE),
            None,
            "not executable"
        );
    }

    #[test]
    fn only_its_owners_own_group_or_the_administrators_may_share_a_folder() {
        // SAFETY: no preconditions.
        let (me, my_group) = unsafe { (libc::geteuid(), libc::getegid()) };
        assert!(
            !trusted_group(me + 1, my_group, me, my_group),
            "another user's"
        );
        assert!(trusted_group(0, 0, me, my_group), "root's own group");
        assert!(!trusted_group(0, 65534, me, my_group), "nogroup");
        assert!(trusted_group(4242, 4242, 4242, 4242), "a user's own group");
        assert!(!trusted_group(4242, 100, 4242, 4242), "a group of many");
    }
}
