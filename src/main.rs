//! The `hoithi` binary: the command line only; everything else is in the library.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

fn main() -> std::process::ExitCode {
    hoithi::cli::main()
}
