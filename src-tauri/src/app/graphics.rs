//! Where there is no GPU, the GL that GTK and WebKit set up is Mesa's software
//! emulation (llvmpipe): it draws nothing here that plain drawing would not, and it
//! costs memory the whole time the app runs, in the tray too (about 30 MB of LLVM in
//! the app's own process, measured under Xvfb). So without a GPU the app draws without
//! GL: GTK never opens it, and the web view draws without compositing.

/// A GPU that GTK and WebKit could draw with shows as a DRM render node.
#[cfg(target_os = "linux")]
pub fn has_gpu() -> bool {
    std::fs::read_dir("/dev/dri").is_ok_and(|nodes| {
        nodes
            .flatten()
            .any(|node| node.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// Keeps GTK from opening GL where there is no GPU. GTK 3 reads `GDK_GL` once, when it
/// starts, and has no call for this; the variable is set in the app's own environment
/// only, and only when the user has not set it.
///
/// # Safety
/// Call before any other thread exists: nothing may read the environment meanwhile.
#[cfg(target_os = "linux")]
pub unsafe fn draw_without_gl_unless_gpu() {
    if !has_gpu() && std::env::var_os("GDK_GL").is_none() {
        // SAFETY: the caller promises no other thread runs yet.
        unsafe { std::env::set_var("GDK_GL", "disable") };
    }
}

#[cfg(not(target_os = "linux"))]
pub unsafe fn draw_without_gl_unless_gpu() {}
