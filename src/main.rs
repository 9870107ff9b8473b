//! The `hoithi` binary: the command line only; everything else is in the library.

fn main() -> std::process::ExitCode {
    hoithi::cli::main()
}
