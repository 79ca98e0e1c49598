//! What WebKit and GTK are told before they start, through the app's own environment
//! (they read it once, at start, and have no call for it; each variable is set only
//! when the user has not set it, and the web and network processes inherit it).
//!
//! Where there is no GPU, the GL that GTK and WebKit set up is Mesa's software
//! emulation (llvmpipe): it draws nothing here that plain drawing would not, and it
//! costs memory the whole time the app runs (about 20 MB of LLVM in each process that
//! opens an EGL display, measured under Xvfb). So without a GPU the app draws without
//! GL: GTK never opens it, and the web view draws without compositing (see `window`).

/// Set everywhere. JavaScriptCore's JIT compilers turn hot script into machine code:
/// a list and a few forms never get hot, and a password manager's page has no use for
/// writable executable memory. The interpreter alone saves about 9 MB in the web
/// process (see the footprint figures in docs/performance.md).
#[cfg(target_os = "linux")]
const ALWAYS: &[(&str, &str)] = &[("JSC_useJIT", "0")];

/// Set where there is no GPU.
#[cfg(target_os = "linux")]
const WITHOUT_GPU: &[(&str, &str)] = &[
    // GTK would open GL for the window.
    ("GDK_GL", "disable"),
    // The DMA-BUF renderer hands GPU buffers from the web process to the app; to
    // learn whether it can, the app opens an EGL display of its own.
    ("WEBKIT_DISABLE_DMABUF_RENDERER", "1"),
    // Unless told which GPU the web process should render on, the app asks an EGL
    // display of its own. There is none to tell, and without the DMA-BUF renderer the
    // answer is never used.
    ("WEBKIT_WEB_RENDER_DEVICE_FILE", "/dev/null"),
];

/// A GPU that GTK and WebKit could draw with shows as a DRM render node.
#[cfg(target_os = "linux")]
pub fn has_gpu() -> bool {
    std::fs::read_dir("/dev/dri").is_ok_and(|nodes| {
        nodes
            .flatten()
            .any(|node| node.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// Sets the variables above that apply here.
///
/// # Safety
/// Call before any other thread exists: nothing may read the environment meanwhile.
#[cfg(target_os = "linux")]
pub unsafe fn tell_webkit_and_gtk() {
    let without_gpu = if has_gpu() { &[][..] } else { WITHOUT_GPU };
    for (name, value) in ALWAYS.iter().chain(without_gpu) {
        if std::env::var_os(name).is_none() {
            // SAFETY: the caller promises no other thread runs yet.
            unsafe { std::env::set_var(name, value) };
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub unsafe fn tell_webkit_and_gtk() {}
