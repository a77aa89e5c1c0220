//! Documents leakgate prints whole on standard output for other programs to read: the JSON
//! Schema of `.leakgate.yml`, shell completion scripts, the man page. Written as they are; a
//! reader that stops early (`| head`) is not an error.

use std::io::Write;

/// Writes `bytes` to standard output. A closed pipe ends the output quietly.
pub fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
