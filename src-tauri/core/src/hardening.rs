//! What the process does to itself before anything else, so a secret in its memory stays
//! there: no core dump that would write it to disk, no debugger of the same user
//! attaching (Linux's dumpable flag), and in release builds no WebDriver automation of
//! the window. No tauri here.

/// Turns off core dumps and, on Linux, the dumpable flag; a release build also forgets
/// `TAURI_WEBVIEW_AUTOMATION`. Call it first thing in `main`, before any thread starts.
pub fn harden() {
    harden_with(cfg!(not(debug_assertions)));
}

/// `harden`, forgetting `TAURI_WEBVIEW_AUTOMATION` when `drop_automation`.
fn harden_with(drop_automation: bool) {
    #[cfg(unix)]
    {
        // The soft limit only: a command `exec` becomes may raise it again for itself.
        let mut core = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit and setrlimit read and write only the struct passed in.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_CORE, &mut core) == 0 {
                core.rlim_cur = 0;
                libc::setrlimit(libc::RLIMIT_CORE, &core);
            }
        }
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    // SAFETY: PR_SET_DUMPABLE takes a plain integer and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
    if drop_automation {
        // SAFETY: called before any other thread exists, so nothing reads the environment
        // meanwhile. Release windows must not be drivable through WebDriver; debug builds
        // keep it for the end-to-end tests.
        unsafe {
            std::env::remove_var("TAURI_WEBVIEW_AUTOMATION");
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    #[test]
    fn no_core_dump_not_dumpable_and_no_automation() {
        // SAFETY: the standard library serialises its own reads of the environment, and
        // nothing in these tests reads it through C meanwhile.
        unsafe { std::env::set_var("TAURI_WEBVIEW_AUTOMATION", "true") };
        super::harden_with(false);
        assert_eq!(
            std::env::var("TAURI_WEBVIEW_AUTOMATION").as_deref(),
            Ok("true")
        );
        super::harden_with(true);
        assert!(std::env::var_os("TAURI_WEBVIEW_AUTOMATION").is_none());
        let mut core = libc::rlimit {
            rlim_cur: 1,
            rlim_max: 1,
        };
        // SAFETY: as in `harden`.
        let (limit, dumpable) = unsafe {
            libc::getrlimit(libc::RLIMIT_CORE, &mut core);
            (
                core.rlim_cur,
                libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0),
            )
        };
        assert_eq!(limit, 0);
        assert_eq!(dumpable, 0);
    }
}
