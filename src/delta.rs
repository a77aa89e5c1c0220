//! How one blob is made from another: the copy instructions of a git delta. Named once, here,
//! because two layers speak of them: `source` reads them out of a pack, and `engine` reuses
//! what it found in the copied bytes of the base. A leaf: it imports nothing from the crate.

/// One copy instruction of a delta: `len` bytes of the base, from offset `from`, are the new
/// blob's bytes at offset `to`. The bytes no copy covers were inserted by the delta.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Copied {
    pub from: usize,
    pub to: usize,
    pub len: usize,
}
