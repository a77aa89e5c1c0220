//! What to scan: cheap enumerations of inputs. Each source hands bytes to the engine and never
//! decides what is a secret.

pub mod git;
pub mod history;
pub mod staged;
pub mod stream;
pub mod worktree;

/// A git blob id. Working-tree files get the same kind of id (see [`blob_id`]) so a secret in
/// a file can be recognised as the same one found in a blob of history.
pub type BlobId = gix::ObjectId;

/// The git blob id of `data` (what `git hash-object` prints), computed in-process.
pub fn blob_id(data: &[u8]) -> Option<BlobId> {
    gix::objs::compute_hash(gix::hash::Kind::Sha1, gix::objs::Kind::Blob, data).ok()
}
