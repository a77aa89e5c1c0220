//! The `leakgate` binary: a thin shell over the library's command layer (see `lib.rs`).

fn main() -> std::process::ExitCode {
    leakgate::run_from_args()
}
