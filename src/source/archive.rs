//! Archives: the files inside a `.zip` (`.jar`, `.war`, `.apk`), a `.tar`, and the streams of
//! `.gz`/`.tgz`, `.bz2`, `.xz` and `.zst`, read as entries with their own names, nested up to a
//! depth. A secret shipped inside `release.zip` is in `release.zip!app/.env` and is found there.
//!
//! Enumerate and read only: [`walk`] hands each entry's bytes to an [`Entries`] the caller
//! supplies and never decides what is a secret. What kind of archive a blob is comes from its
//! magic bytes ([`sniff`]), not its name, so a renamed archive is still opened.
//!
//! Archives are hostile input. Every decompressed byte passes a [`Budget`] shared by the whole
//! top-level archive: total bytes unpacked, bytes per entry, the ratio of unpacked to compressed
//! bytes, the number of entries and the nesting depth ([`Limits`]). Nothing is allocated from a
//! size a header claims: entries are read in chunks up to the cap. An archive that contains
//! itself is recognised by its bytes and not opened again. Whatever cannot be read, or is cut
//! off by a budget, is a [`Problem`] naming the archive: the caller counts it, and the scan is
//! then incomplete, never silently short.

use std::cell::Cell;
use std::io::{self, Cursor, Read, Seek};

/// Separates an archive's path from an entry's path inside it: `release.zip!app/.env`.
pub const SEPARATOR: char = '!';

/// How much may be unpacked from one top-level archive (see the module doc); `archives` in
/// `.leakgate.yml` sets them (the defaults are there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Archives inside archives: `a.zip!b.zip!c/.env` is depth 2. A `.tar.gz` is one level.
    pub max_depth: u32,
    /// Bytes decompressed in total from one top-level archive, every level counted (stored,
    /// uncompressed entries are the archive's own bytes and do not count).
    pub max_unpacked_bytes: u64,
    /// Bytes of one entry (each is held in memory while it is matched).
    pub max_entry_bytes: u64,
    /// Unpacked bytes per compressed byte of one stream, checked once it has produced
    /// [`RATIO_FLOOR`] bytes (small repetitive files compress far better than this). A stream
    /// over it stops the whole top-level archive: a bomb is not read entry after entry.
    pub max_ratio: u64,
    /// Entries in one top-level archive, every level counted.
    pub max_entries: u64,
}

/// A stream's ratio is judged only after it has produced this much.
pub const RATIO_FLOOR: u64 = 1024 * 1024;

/// Window an xz or zstd stream may ask for; the header's claim is not trusted beyond it.
const MAX_WINDOW_BYTES: u64 = 128 * 1024 * 1024;

/// Bytes read at a time into an entry's buffer.
const CHUNK: usize = 64 * 1024;

/// An archive format, told by magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Zip,
    Tar,
    Gzip,
    Bzip2,
    Xz,
    Zstd,
}

/// What `data` (a file's first bytes at least: 512 decide a tar) is, if an archive.
pub fn sniff(data: &[u8]) -> Option<Kind> {
    if data.starts_with(b"PK\x03\x04") || data.starts_with(b"PK\x05\x06") {
        Some(Kind::Zip)
    } else if data.starts_with(&[0x1f, 0x8b, 0x08]) {
        Some(Kind::Gzip)
    } else if data.len() >= 10
        && data.starts_with(b"BZh")
        && (b'1'..=b'9').contains(&data[3])
        && (&data[4..10] == b"1AY&SY" || &data[4..10] == b"\x17rE8P\x90")
    {
        Some(Kind::Bzip2)
    } else if data.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        Some(Kind::Xz)
    } else if data.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some(Kind::Zstd)
    } else if is_tar(data) {
        Some(Kind::Tar)
    } else {
        None
    }
}

/// A POSIX or GNU tar header: `ustar\0` (POSIX) or `ustar ` (GNU) at offset 257, and a header
/// checksum that adds up. The magic alone is five bytes of text: a JavaScript tar library
/// (`tar-stream/headers.js`) had `ustar` at offset 257 and was opened as an archive, failing the
/// scan with a warning that quoted its code; `tar` and `file` trust the checksum too.
fn is_tar(data: &[u8]) -> bool {
    let Some(header) = data.get(..512) else {
        return false;
    };
    matches!(&header[257..263], b"ustar\0" | b"ustar ") && tar_checksum_matches(header)
}

/// Whether the octal checksum at 148..156 is the sum of the header's bytes with that field
/// read as spaces (unsigned, or signed as some old tars wrote it).
fn tar_checksum_matches(header: &[u8]) -> bool {
    const FIELD: std::ops::Range<usize> = 148..156;
    let digits: Vec<u8> = header[FIELD]
        .iter()
        .skip_while(|b| **b == b' ')
        .take_while(|b| (b'0'..=b'7').contains(*b))
        .copied()
        .collect();
    if digits.is_empty() {
        return false;
    }
    // At most eight octal digits: below 8^8, no overflow.
    let stored = digits
        .iter()
        .fold(0i64, |sum, digit| sum * 8 + i64::from(digit - b'0'));
    let (unsigned, signed) = header
        .iter()
        .enumerate()
        .fold((0i64, 0i64), |(u, s), (i, b)| {
            let b = if FIELD.contains(&i) { b' ' } else { *b };
            (u + i64::from(b), s + i64::from(b as i8))
        });
    stored == unsigned || stored == signed
}

/// Receives what an archive holds.
pub trait Entries {
    /// An entry that is not itself an archive, or a nested archive that was read (its own
    /// entries follow) — `path` is the full `outer!inner` path.
    fn entry(&mut self, path: &str, data: &[u8]);
    /// Something that could not be read, or was cut off by a budget.
    fn problem(&mut self, problem: Problem);
}

/// Something in an archive that was not read; the scan is incomplete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The entry or archive concerned, `outer!inner` (so the top-level archive is named).
    pub path: String,
    /// What went wrong, in words (never entry contents).
    pub detail: String,
}

/// Why reading stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Overrun {
    Total,
    Entries,
    Ratio,
}

/// What one top-level archive may still unpack, shared by every stream and level under it.
pub struct Budget<'a> {
    limits: &'a Limits,
    unpacked: Cell<u64>,
    entries: Cell<u64>,
    overrun: Cell<Option<Overrun>>,
}

impl<'a> Budget<'a> {
    pub fn new(limits: &'a Limits) -> Budget<'a> {
        Budget {
            limits,
            unpacked: Cell::new(0),
            entries: Cell::new(0),
            overrun: Cell::new(None),
        }
    }

    /// Bytes unpacked so far.
    pub fn unpacked(&self) -> u64 {
        self.unpacked.get()
    }

    /// A budget ran out: nothing more is read from this top-level archive.
    fn stopped(&self) -> bool {
        self.overrun.get().is_some()
    }

    /// Counts one more entry; false once over the limit.
    fn count_entry(&self) -> bool {
        self.entries.set(self.entries.get() + 1);
        if self.entries.get() > self.limits.max_entries {
            self.overrun.set(Some(Overrun::Entries));
            return false;
        }
        true
    }

    fn describe(&self, overrun: Overrun, top: &str) -> String {
        let limits = self.limits;
        match overrun {
            Overrun::Total => format!(
                "archive limit: more than {} unpacked from {top}; the rest of it was not read",
                bytes(limits.max_unpacked_bytes)
            ),
            Overrun::Entries => format!(
                "archive limit: more than {} entries in {top}; the rest of it was not read",
                limits.max_entries
            ),
            Overrun::Ratio => format!(
                "archive limit: unpacks to more than {} times its compressed size \
                 (an archive bomb?); the rest of {top} was not read",
                limits.max_ratio
            ),
        }
    }
}

/// `n` bytes in the largest whole unit.
fn bytes(n: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if n >= size && n.is_multiple_of(size) {
            return format!("{} {unit}", n / size);
        }
    }
    format!("{n} bytes")
}

/// Counts the compressed bytes a decoder pulls.
struct Counting<'c, R> {
    inner: R,
    read: &'c Cell<u64>,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

/// A decoder's output, charged to the budget: errors (and records why) once the archive's
/// total or this stream's ratio is over its limit.
struct Guard<'b, 'c, R> {
    inner: R,
    budget: &'b Budget<'b>,
    compressed: &'c Cell<u64>,
    produced: u64,
}

impl<R: Read> Read for Guard<'_, '_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.budget.stopped() {
            return Err(io::Error::other("archive budget exhausted"));
        }
        let n = self.inner.read(buf)?;
        self.produced += n as u64;
        let budget = self.budget;
        let total = budget.unpacked.get() + n as u64;
        budget.unpacked.set(total);
        if total > budget.limits.max_unpacked_bytes {
            budget.overrun.set(Some(Overrun::Total));
            return Err(io::Error::other("archive budget exhausted"));
        }
        if self.produced > RATIO_FLOOR
            && self.produced / self.compressed.get().max(1) > budget.limits.max_ratio
        {
            budget.overrun.set(Some(Overrun::Ratio));
            return Err(io::Error::other("archive ratio exceeded"));
        }
        Ok(n)
    }
}

/// Why an entry was not read whole.
enum ReadError {
    TooLarge,
    Io(io::Error),
}

/// Reads `r` to its end into a buffer that grows as bytes arrive, up to `cap` bytes.
fn read_capped(r: &mut impl Read, cap: u64) -> Result<Vec<u8>, ReadError> {
    let mut out = Vec::new();
    let mut chunk = vec![0u8; CHUNK];
    loop {
        let n = match r.read(&mut chunk) {
            Ok(0) => return Ok(out),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadError::Io(e)),
        };
        if (out.len() + n) as u64 > cap {
            return Err(ReadError::TooLarge);
        }
        out.extend_from_slice(&chunk[..n]);
    }
}

/// Reads the archive `data` (of `kind`, found at `path`) and hands every entry to `sink`,
/// opening nested archives up to the depth limit. Returns how many bytes were unpacked.
pub fn walk(data: &[u8], path: &str, kind: Kind, limits: &Limits, sink: &mut dyn Entries) -> u64 {
    let budget = Budget::new(limits);
    let mut walker = Walker {
        budget: &budget,
        open: vec![(data.len(), digest(data))],
        sink,
        top: path,
    };
    walker.archive(Cursor::new(data), path, kind, 1);
    budget.unpacked()
}

/// Like [`walk`], for an archive read from a file (one too large to hold in memory).
pub fn walk_reader<R: Read + Seek>(
    reader: R,
    path: &str,
    kind: Kind,
    limits: &Limits,
    sink: &mut dyn Entries,
) -> u64 {
    let budget = Budget::new(limits);
    let mut walker = Walker {
        budget: &budget,
        open: Vec::new(),
        sink,
        top: path,
    };
    walker.archive(reader, path, kind, 1);
    budget.unpacked()
}

fn digest(data: &[u8]) -> [u8; 20] {
    super::blob_id(data)
        .and_then(|id| id.as_slice().try_into().ok())
        .unwrap_or([0; 20])
}

struct Walker<'a, 's> {
    budget: &'a Budget<'a>,
    /// Sizes and hashes of the archives being read (outermost first): one that holds itself is
    /// not opened again.
    open: Vec<(usize, [u8; 20])>,
    sink: &'s mut dyn Entries,
    /// The top-level archive, named in budget warnings.
    top: &'a str,
}

impl Walker<'_, '_> {
    fn problem(&mut self, path: &str, detail: impl Into<String>) {
        self.sink.problem(Problem {
            path: path.to_string(),
            detail: detail.into(),
        });
    }

    /// Reports why reading `path` stopped: a budget overrun if one was recorded, else `error`.
    fn failed(&mut self, path: &str, error: &dyn std::fmt::Display) {
        match self.budget.overrun.get() {
            Some(overrun) => {
                let detail = self.budget.describe(overrun, self.top);
                self.problem(path, detail);
            }
            None => self.problem(
                path,
                format!("unreadable archive data: {}", crate::text::one_line(error)),
            ),
        }
    }

    /// `depth` is the level of this archive (1: the top-level one).
    fn archive<R: Read + Seek>(&mut self, reader: R, path: &str, kind: Kind, depth: u32) {
        match kind {
            Kind::Zip => self.zip(reader, path, depth),
            Kind::Tar => self.tar(reader, path, depth),
            Kind::Gzip | Kind::Bzip2 | Kind::Xz | Kind::Zstd => {
                self.stream(reader, path, kind, depth)
            }
        }
    }

    fn zip<R: Read + Seek>(&mut self, reader: R, path: &str, depth: u32) {
        let mut archive = match zip::ZipArchive::new(reader) {
            Ok(archive) => archive,
            Err(e) => return self.problem(path, format!("unreadable zip archive: {e}")),
        };
        for index in 0..archive.len() {
            if self.budget.stopped() {
                break;
            }
            if !self.budget.count_entry() {
                let detail = self.budget.describe(Overrun::Entries, self.top);
                return self.problem(path, detail);
            }
            let mut file = match archive.by_index(index) {
                Ok(file) => file,
                Err(e) => {
                    self.problem(path, format!("entry {} unreadable: {e}", index + 1));
                    continue;
                }
            };
            if file.is_dir() {
                continue;
            }
            let inner = match file.name() {
                Ok(name) => format!("{path}{SEPARATOR}{name}"),
                Err(_) => format!("{path}{SEPARATOR}#{}", index + 1),
            };
            if file.encrypted() {
                self.problem(&inner, "encrypted; not read");
                continue;
            }
            let cap = self.budget.limits.max_entry_bytes;
            let read = if file.compression() == zip::CompressionMethod::Stored {
                // Stored bytes are the archive's own: nothing is unpacked.
                read_capped(&mut file, cap)
            } else {
                let compressed = Cell::new(file.compressed_size());
                let mut guard = Guard {
                    inner: &mut file,
                    budget: self.budget,
                    compressed: &compressed,
                    produced: 0,
                };
                read_capped(&mut guard, cap)
            };
            drop(file);
            self.read_entry(&inner, read, depth);
        }
    }

    fn tar<R: Read>(&mut self, reader: R, path: &str, depth: u32) {
        let mut archive = tar::Archive::new(reader);
        let entries = match archive.entries() {
            Ok(entries) => entries,
            Err(e) => return self.failed(path, &e),
        };
        for entry in entries {
            if self.budget.stopped() {
                break;
            }
            let mut entry = match entry {
                Ok(entry) => entry,
                Err(e) => return self.failed(path, &e),
            };
            if !self.budget.count_entry() {
                let detail = self.budget.describe(Overrun::Entries, self.top);
                return self.problem(path, detail);
            }
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let inner = format!("{path}{SEPARATOR}{name}");
            let read = read_capped(&mut entry, self.budget.limits.max_entry_bytes);
            self.read_entry(&inner, read, depth);
        }
    }

    /// A single compressed stream: a tar inside is read as the same level (`a.tar.gz!x`);
    /// anything else is one entry named after the file without its compression suffix.
    fn stream<R: Read>(&mut self, reader: R, path: &str, kind: Kind, depth: u32) {
        let compressed = Cell::new(0);
        let counting = Counting {
            inner: reader,
            read: &compressed,
        };
        // Outlives the match: the zstd decoder borrows it.
        let mut zstd_input;
        let decoder: Box<dyn Read + '_> = match kind {
            Kind::Gzip => Box::new(flate2::read::MultiGzDecoder::new(counting)),
            Kind::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(counting)),
            Kind::Xz => Box::new(lzma_rust2::XzReader::new_mem_limit(
                counting,
                true,
                (MAX_WINDOW_BYTES / 1024) as u32,
            )),
            _ => {
                zstd_input = Peek {
                    inner: counting,
                    pending: None,
                };
                match zstd_frame(&mut zstd_input) {
                    Ok(Some(decoder)) => Box::new(ZstdFrames {
                        decoder: Some(decoder),
                    }),
                    Ok(None) => Box::new(io::empty()),
                    Err(e) => return self.problem(path, format!("unreadable zstd stream: {e}")),
                }
            }
        };
        let mut guard = Guard {
            inner: decoder,
            budget: self.budget,
            compressed: &compressed,
            produced: 0,
        };
        // The first 512 bytes tell a tar; they are read back in front of the rest.
        let mut head = Vec::with_capacity(512);
        if let Err(e) = (&mut guard).take(512).read_to_end(&mut head) {
            drop(guard);
            return self.failed(path, &e);
        }
        let mut whole = Cursor::new(head).chain(guard);
        if is_tar(whole.get_ref().0.get_ref()) {
            return self.tar(whole, path, depth);
        }
        if !self.budget.count_entry() {
            let detail = self.budget.describe(Overrun::Entries, self.top);
            return self.problem(path, detail);
        }
        let inner = format!("{path}{SEPARATOR}{}", stream_name(path, kind));
        let read = read_capped(&mut whole, self.budget.limits.max_entry_bytes);
        drop(whole);
        self.read_entry(&inner, read, depth);
    }

    /// Hands an entry read at `depth` on, or opens it if it is an archive itself.
    fn read_entry(&mut self, inner: &str, read: Result<Vec<u8>, ReadError>, depth: u32) {
        let data = match read {
            Ok(data) => data,
            Err(ReadError::TooLarge) => {
                return self.problem(
                    inner,
                    format!(
                        "archive limit: entry larger than {}; not read",
                        bytes(self.budget.limits.max_entry_bytes)
                    ),
                );
            }
            Err(ReadError::Io(e)) => return self.failed(inner, &e),
        };
        let Some(kind) = sniff(&data) else {
            return self.sink.entry(inner, &data);
        };
        if depth >= self.budget.limits.max_depth {
            return self.problem(
                inner,
                format!(
                    "archive limit: an archive nested deeper than {} levels; not opened",
                    self.budget.limits.max_depth
                ),
            );
        }
        let id = (data.len(), digest(&data));
        if self.open.contains(&id) {
            return self.problem(
                inner,
                "an archive that contains itself; not opened again".to_string(),
            );
        }
        self.open.push(id);
        self.archive(Cursor::new(&data[..]), inner, kind, depth + 1);
        self.open.pop();
    }
}

/// A reader that can tell whether anything is left without losing the byte it looked at.
struct Peek<R> {
    inner: R,
    pending: Option<u8>,
}

impl<R: Read> Peek<R> {
    fn at_end(&mut self) -> io::Result<bool> {
        if self.pending.is_some() {
            return Ok(false);
        }
        let mut byte = [0u8; 1];
        loop {
            match self.inner.read(&mut byte) {
                Ok(0) => return Ok(true),
                Ok(_) => {
                    self.pending = Some(byte[0]);
                    return Ok(false);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

impl<R: Read> Read for Peek<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match (self.pending.take(), buf.first_mut()) {
            (Some(byte), Some(first)) => {
                *first = byte;
                Ok(1)
            }
            (pending, _) => {
                self.pending = pending;
                self.inner.read(buf)
            }
        }
    }
}

type ZstdDecoder<'p, R> =
    ruzstd::decoding::StreamingDecoder<&'p mut Peek<R>, ruzstd::decoding::FrameDecoder>;

/// The decoder of the next zstd frame in `input`, if any is left.
fn zstd_frame<R: Read>(input: &mut Peek<R>) -> io::Result<Option<ZstdDecoder<'_, R>>> {
    if input.at_end()? {
        return Ok(None);
    }
    ruzstd::decoding::StreamingDecoder::new_with_max_window_size(input, MAX_WINDOW_BYTES)
        .map(Some)
        .map_err(io::Error::other)
}

/// Every frame of a zstd stream, one after another (concatenated `.zst` files are one stream
/// with several frames; a decoder of one frame would stop silently after the first).
struct ZstdFrames<'p, R: Read> {
    decoder: Option<ZstdDecoder<'p, R>>,
}

impl<R: Read> Read for ZstdFrames<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Some(decoder) = self.decoder.as_mut() else {
                return Ok(0);
            };
            let n = decoder.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            let Some(done) = self.decoder.take() else {
                return Ok(0);
            };
            self.decoder = zstd_frame(done.into_inner())?;
        }
    }
}

/// The name of what a single compressed stream holds: the file's name without its suffix
/// (`dump.sql.gz` holds `dump.sql`, `site.tgz` holds `site.tar`).
fn stream_name(path: &str, kind: Kind) -> String {
    let name = path
        .rsplit(['/', SEPARATOR])
        .next()
        .unwrap_or(path)
        .to_string();
    let lower = name.to_ascii_lowercase();
    let suffixes: &[(&str, &str)] = match kind {
        Kind::Gzip => &[(".tgz", ".tar"), (".gz", ""), (".gzip", "")],
        Kind::Bzip2 => &[(".tbz2", ".tar"), (".tbz", ".tar"), (".bz2", "")],
        Kind::Xz => &[(".txz", ".tar"), (".xz", "")],
        Kind::Zstd => &[(".tzst", ".tar"), (".zst", ""), (".zstd", "")],
        _ => &[],
    };
    for (suffix, replacement) in suffixes {
        if lower.ends_with(suffix) && lower.len() > suffix.len() {
            return format!("{}{replacement}", &name[..name.len() - suffix.len()]);
        }
    }
    format!("{name}.unpacked")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[derive(Default)]
    struct Seen {
        entries: Vec<(String, Vec<u8>)>,
        problems: Vec<Problem>,
    }

    impl Entries for Seen {
        fn entry(&mut self, path: &str, data: &[u8]) {
            self.entries.push((path.to_string(), data.to_vec()));
        }
        fn problem(&mut self, problem: Problem) {
            self.problems.push(problem);
        }
    }

    /// The config's defaults.
    fn defaults() -> Limits {
        Limits {
            max_depth: 8,
            max_unpacked_bytes: 1 << 30,
            max_entry_bytes: 256 << 20,
            max_ratio: 200,
            max_entries: 200_000,
        }
    }

    fn walked(data: &[u8], path: &str, limits: &Limits) -> Seen {
        let mut seen = Seen::default();
        if let Some(kind) = sniff(data) {
            walk(data, path, kind, limits, &mut seen);
        }
        seen
    }

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            writer.write_all(data).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    fn gzip_of(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, data) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, name, *data).unwrap();
        }
        builder.into_inner().unwrap()
    }

    #[test]
    fn names_entries_after_their_archive() {
        let inner = zip_of(&[("app/.env", b"KEY=value\n")]);
        let outer = gzip_of(&tar_of(&[("release/inner.zip", &inner), ("README", b"hi")]));
        let seen = walked(&outer, "site.tgz", &defaults());
        let paths: Vec<&str> = seen.entries.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            ["site.tgz!release/inner.zip!app/.env", "site.tgz!README"]
        );
        assert_eq!(seen.entries[0].1, b"KEY=value\n");
        assert!(seen.problems.is_empty(), "{:?}", seen.problems);
    }

    #[test]
    fn a_single_stream_is_named_without_its_suffix() {
        let seen = walked(&gzip_of(b"x"), "db/dump.sql.gz", &defaults());
        assert_eq!(seen.entries[0].0, "db/dump.sql.gz!dump.sql");
        assert_eq!(stream_name("a.TGZ", Kind::Gzip), "a.tar");
        assert_eq!(stream_name("blob", Kind::Xz), "blob.unpacked");
    }

    #[test]
    fn every_frame_of_a_zstd_stream_is_read() {
        let level = ruzstd::encoding::CompressionLevel::Fastest;
        let mut data = ruzstd::encoding::compress_to_vec(&b"first\n"[..], level);
        data.extend(ruzstd::encoding::compress_to_vec(&b"second\n"[..], level));
        let seen = walked(&data, "two.zst", &defaults());
        assert!(seen.problems.is_empty(), "{:?}", seen.problems);
        assert_eq!(
            seen.entries,
            [("two.zst!two".to_string(), b"first\nsecond\n".to_vec())]
        );
    }

    #[test]
    fn sniffs_by_magic_bytes_only() {
        assert_eq!(sniff(&zip_of(&[("a", b"b")])), Some(Kind::Zip));
        assert_eq!(sniff(&gzip_of(b"")), Some(Kind::Gzip));
        assert_eq!(sniff(&tar_of(&[("a", b"b")])), Some(Kind::Tar));
        assert_eq!(sniff(b"PK but not a zip"), None);
        assert_eq!(sniff(b"BZh9 not bzip2"), None);
        assert_eq!(sniff(b""), None);
    }

    /// A source file with `ustar` at offset 257 (as `tar-stream/headers.js` has, in
    /// `Buffer.from('ustar\x20', ...)`) is text, not a tar: only a header whose checksum adds
    /// up is one, POSIX or GNU, whatever its other bytes.
    #[test]
    fn a_text_file_with_ustar_at_257_is_not_a_tar() {
        let mut text = b"var alloc = Buffer.alloc\n".repeat(20)[..257].to_vec();
        text.extend_from_slice(b"ustar\\x20', 'binary')\n");
        text.resize(2000, b' ');
        assert_eq!(sniff(&text), None);
        let mut posix = text.clone();
        posix[257..263].copy_from_slice(b"ustar\0");
        assert_eq!(sniff(&posix), None, "magic without a checksum");
        let mut gnu = tar::Header::new_gnu();
        gnu.set_path("a.txt").expect("a short path");
        gnu.set_size(0);
        gnu.set_cksum();
        let mut ustar = tar::Header::new_ustar();
        ustar.set_path("a.txt").expect("a short path");
        ustar.set_cksum();
        for header in [gnu.as_bytes(), ustar.as_bytes()] {
            let mut data = header.to_vec();
            data.extend_from_slice(&[0; 1024]);
            assert_eq!(sniff(&data), Some(Kind::Tar));
            data[0] ^= 1;
            assert_eq!(sniff(&data), None, "a changed byte breaks the checksum");
        }
    }

    #[test]
    fn a_deep_nest_stops_at_the_depth_limit() {
        let mut data = b"TOKEN\n".to_vec();
        let mut name = "secret.txt".to_string();
        for level in 0..5 {
            data = zip_of(&[(&name, &data)]);
            name = format!("level{level}.zip");
        }
        let limits = Limits {
            max_depth: 3,
            ..defaults()
        };
        let seen = walked(&data, "top.zip", &limits);
        assert!(seen.entries.is_empty());
        assert_eq!(seen.problems.len(), 1);
        assert_eq!(
            seen.problems[0].path,
            "top.zip!level3.zip!level2.zip!level1.zip"
        );
        assert!(seen.problems[0].detail.contains("deeper than 3"));
        let seen = walked(&data, "top.zip", &defaults());
        assert_eq!(seen.entries.len(), 1);
    }

    #[test]
    fn an_archive_already_being_read_is_not_opened_again() {
        // What a quine (an archive that unpacks to itself) looks like to the walker: an entry
        // whose bytes are those of an archive it is inside.
        let inner = zip_of(&[("x", b"y")]);
        let outer = zip_of(&[("self.zip", &inner)]);
        let limits = defaults();
        let budget = Budget::new(&limits);
        let mut seen = Seen::default();
        let mut walker = Walker {
            budget: &budget,
            open: vec![(inner.len(), digest(&inner))],
            sink: &mut seen,
            top: "q.zip",
        };
        walker.archive(Cursor::new(&outer[..]), "q.zip", Kind::Zip, 1);
        assert!(seen.entries.is_empty());
        assert_eq!(
            seen.problems,
            [Problem {
                path: "q.zip!self.zip".into(),
                detail: "an archive that contains itself; not opened again".into()
            }]
        );
    }

    #[test]
    fn a_bomb_stops_at_the_ratio() {
        // 64 MiB of zeros as 64 gzip members.
        let bomb = gzip_of(&vec![0u8; 1024 * 1024]).repeat(64);
        let seen = walked(&bomb, "zeros.gz", &defaults());
        assert!(seen.entries.is_empty());
        assert_eq!(seen.problems.len(), 1);
        assert!(
            seen.problems[0]
                .detail
                .contains("times its compressed size")
        );
    }

    #[test]
    fn the_total_budget_covers_every_entry() {
        let noise: Vec<u8> = (0..300_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let data = zip_of(&[("a", &noise), ("b", &noise), ("c", &noise)]);
        let limits = Limits {
            max_unpacked_bytes: 2_000_000,
            ..defaults()
        };
        let seen = walked(&data, "big.zip", &limits);
        assert_eq!(seen.entries.len(), 1);
        assert_eq!(seen.problems.len(), 1, "{:?}", seen.problems);
        assert!(seen.problems[0].detail.contains("unpacked from big.zip"));
    }

    #[test]
    fn entry_count_is_limited() {
        let data = zip_of(&[("a", b"1"), ("b", b"2"), ("c", b"3")]);
        let limits = Limits {
            max_entries: 2,
            ..defaults()
        };
        let seen = walked(&data, "many.zip", &limits);
        assert_eq!(seen.entries.len(), 2);
        assert!(seen.problems[0].detail.contains("more than 2 entries"));
    }

    #[test]
    fn corrupt_archives_are_problems() {
        let mut data = gzip_of(b"some text that is long enough to matter\n");
        let n = data.len();
        data[n / 2] ^= 0xff;
        data.truncate(n - 4);
        let seen = walked(&data, "broken.gz", &defaults());
        assert_eq!(seen.problems.len(), 1, "{:?}", seen.problems);
        assert_eq!(seen.problems[0].path, "broken.gz");
        let seen = walked(b"PK\x03\x04garbage", "broken.zip", &defaults());
        assert_eq!(seen.problems.len(), 1);
    }

    /// Every format, small, for the properties to mutate.
    fn samples() -> Vec<Vec<u8>> {
        let env = b"A=1\nTOKEN=abc\n".to_vec();
        let tar = tar_of(&[("app/.env", &env), ("b", b"bb")]);
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        bz.write_all(&tar).unwrap();
        let mut xz =
            lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(1)).unwrap();
        xz.write_all(&env).unwrap();
        vec![
            zip_of(&[("app/.env", &env), ("inner.zip", &zip_of(&[("x", &env)]))]),
            tar.clone(),
            gzip_of(&tar),
            bz.finish().unwrap(),
            xz.finish().unwrap(),
            ruzstd::encoding::compress_to_vec(
                &env[..],
                ruzstd::encoding::CompressionLevel::Fastest,
            ),
        ]
    }

    /// Walks `data` under tight limits and checks they held.
    fn walk_checked(data: &[u8]) {
        let limits = Limits {
            max_depth: 3,
            max_unpacked_bytes: 1 << 20,
            max_entry_bytes: 64 << 10,
            max_ratio: 50,
            max_entries: 100,
        };
        let mut seen = Seen::default();
        if let Some(kind) = sniff(data) {
            let unpacked = walk(data, "fuzz", kind, &limits, &mut seen);
            // One read may overshoot by a chunk before the guard stops it.
            assert!(unpacked <= limits.max_unpacked_bytes + CHUNK as u64 * 4);
        }
        assert!(seen.entries.len() as u64 <= limits.max_entries);
        for (path, data) in &seen.entries {
            assert!(path.starts_with("fuzz!"), "{path}");
            assert!(data.len() as u64 <= limits.max_entry_bytes);
        }
        for problem in &seen.problems {
            assert!(problem.path.starts_with("fuzz"), "{problem:?}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_bytes_never_panic(
            magic in 0usize..7,
            tail in proptest::collection::vec(proptest::num::u8::ANY, 0..2048),
        ) {
            let prefixes: [&[u8]; 7] = [
                b"PK\x03\x04", b"\x1f\x8b\x08", b"BZh91AY&SY", b"\xfd7zXZ\x00",
                b"\x28\xb5\x2f\xfd", b"PK\x05\x06", b"",
            ];
            let mut data = prefixes[magic].to_vec();
            data.extend_from_slice(&tail);
            if magic == 6 && data.len() >= 512 {
                data[257..262].copy_from_slice(b"ustar");
            }
            walk_checked(&data);
        }

        #[test]
        fn mutated_archives_never_panic_and_keep_to_their_budgets(
            which in 0usize..6,
            edits in proptest::collection::vec((proptest::num::usize::ANY, proptest::num::u8::ANY), 1..8),
            cut in proptest::option::of(proptest::num::usize::ANY),
        ) {
            let mut data = samples().swap_remove(which);
            for (at, byte) in edits {
                let at = at % data.len();
                data[at] = byte;
            }
            if let Some(cut) = cut {
                data.truncate(cut % (data.len() + 1));
            }
            walk_checked(&data);
        }
    }
}
