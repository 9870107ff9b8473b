//! The `hoithi` binary: the command line only; everything else is in the library.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

/// mimalloc instead of glibc's allocator: under the opening-minute load
/// glibc's malloc/free were ~10 % of the server's CPU and its arenas kept
/// memory of 10,000 connections (see BENCHMARKS.md, #13).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    hoithi::cli::main()
}
