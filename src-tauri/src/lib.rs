//! PAT Vault's two shells over `patvault_core`, the same binary: `app` adapts the core
//! to the desktop window, `cli` to the command line. `environment` is the one place the
//! process's environment is read; `main` picks the shell.

pub mod app;
pub mod cli;
pub mod environment;
pub mod hardening;
