//! What to scan: cheap enumerations of inputs, and reading them. A source never decides what
//! is a secret: it hands each blob's bytes to a [`BlobMatcher`] the scan layer supplies (the
//! engine, in practice) and keeps what that returns, attributed to where the bytes came from.
//! Nothing here imports the engine, the checks or the settings.

pub mod archive;
pub mod history;
pub mod index;
pub mod repo;
pub mod staged;
pub mod stream;
pub mod worktree;

/// Fixture files and git repositories for the unit tests that need a real repository: the
/// integration tests' own helpers, so both build repositories the same way.
#[cfg(test)]
#[path = "../../tests/common/files.rs"]
pub(crate) mod fixture;

use crate::finding::Finding;
use crate::stats::ScanStats;

/// What a source hands every readable blob to. Implemented by the scan layer over the engine,
/// so the sources stay "enumerate and read" and the engine never knows where bytes came from.
pub trait BlobMatcher: Sync {
    /// Reused per worker thread between blobs.
    type Scratch: Default + Send;
    /// What matching a blob leaves behind that matching an edited copy of it can reuse (a
    /// version of the file git stores as a delta against this one); `()` for a matcher that
    /// reuses nothing.
    type Known: Send;
    /// The findings in `data`, placed at `path` (or at `path!entry` inside an archive); what
    /// could not be read inside it is counted in `stats`.
    fn findings(
        &self,
        data: &[u8],
        path: &str,
        scratch: &mut Self::Scratch,
        stats: &mut ScanStats,
    ) -> Vec<Finding>;

    /// [`BlobMatcher::findings`], and what an edited copy of `data` can reuse (`None` when
    /// nothing: an archive, UTF-16 text).
    fn findings_known(
        &self,
        data: &[u8],
        path: &str,
        scratch: &mut Self::Scratch,
        stats: &mut ScanStats,
    ) -> (Vec<Finding>, Option<Self::Known>) {
        (self.findings(data, path, scratch, stats), None)
    }

    /// [`BlobMatcher::findings_known`] of `data`, which is the blob that left `base` edited as
    /// `copies` say (every byte no copy covers was inserted). Exactly the findings of
    /// `findings(data, …)`, however they are found.
    fn findings_after(
        &self,
        data: &[u8],
        path: &str,
        base: (&Self::Known, &[Copied]),
        scratch: &mut Self::Scratch,
        stats: &mut ScanStats,
    ) -> (Vec<Finding>, Option<Self::Known>) {
        let _ = base;
        self.findings_known(data, path, scratch, stats)
    }

    /// Told, right after one of the methods above matched the blob `id` at `path` whole, what
    /// it found (before a range scan keeps only added lines), with the same scratch. A matcher
    /// that remembers findings by blob (so a working-tree file with the same bytes at the same
    /// path is not matched again) keeps them here; nothing by default.
    fn matched(&self, id: &BlobId, path: &str, findings: &[Finding], scratch: &mut Self::Scratch) {
        let _ = (id, path, findings, scratch);
    }
}

pub use crate::delta::Copied;

/// A git blob id. Working-tree files get the same kind of id (see [`blob_id`]) so a secret in
/// a file can be recognised as the same one found in a blob of history.
pub type BlobId = gix::ObjectId;

/// The git blob id of `data` (what `git hash-object` prints), computed in-process.
pub fn blob_id(data: &[u8]) -> Option<BlobId> {
    gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, data).ok()
}
