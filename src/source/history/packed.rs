//! Reading blobs straight out of the pack files, as the forest of their delta chains.
//!
//! Most blobs of a history are stored as deltas: a few instructions that copy stretches of
//! another version of the file (the base) and insert a few new bytes. Reading each blob by id
//! rebuilds its chain from the nearest base held in a cache, and a cache of bounded size
//! misses often: whole chains are inflated again and again. Here every pack entry a task needs
//! is placed in a forest (each delta under its base) and each tree is walked depth first: a
//! base is inflated once, each delta is inflated (a small entry) and applied to its parent
//! already in memory, so every entry is inflated exactly once and only the chain above the
//! current blob is held. The delta's copy instructions are handed to the matcher with the
//! blob, so it can search only what the delta inserted (see `BlobMatcher::findings_after`).
//!
//! Whatever cannot be followed this way (a loose object, a base in another pack or in an
//! alternate, a chain that is not all blobs, a damaged entry, a blob too large to hold with its
//! chain) is left to the caller, who reads it by id through gix as before: the same bytes, the
//! same findings, and gix's own messages for what is damaged.

use super::BlobTask;
use crate::source::Copied;
use gix::odb::pack;
use std::collections::HashMap;
use std::path::Path;

/// Largest blob rebuilt here (with every base above it held); larger ones are read by id.
pub(super) const LARGEST_BLOB: usize = 64 << 20;

/// Most bytes one walk holds in the chain above the current blob; a subtree that would need
/// more is read by id.
pub(super) const CHAIN_BYTES: usize = 256 << 20;

const NONE: u32 = u32::MAX;

/// Buffers a walk keeps for the next blobs, and the largest it keeps.
const SPARE_BUFFERS: usize = 8;
const SPARE_BYTES: usize = 1 << 20;

/// A pack entry in the forest: a blob a task names, or a base one of them needs.
struct Node {
    pack: u32,
    offset: u64,
    parent: u32,
    /// Still being resolved, resolved, or not followable.
    state: State,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Walking,
    Ok,
    Failed,
}

/// What a walk does with each blob: its node, its bytes, and (for a delta) its parent's
/// state and the delta's copies; returns the state its own deltas get.
pub(super) type Visit<'a, K> = dyn FnMut(u32, &[u8], Option<(&K, &[Copied])>) -> Option<K> + 'a;

/// Every task's blob that sits in a pack, each under the base its delta applies to.
pub(super) struct Forest {
    packs: Vec<PackData>,
    nodes: Vec<Node>,
    /// For each node, its children (`child_start[n]..child_start[n + 1]` in `child_list`).
    child_start: Vec<u32>,
    child_list: Vec<u32>,
    /// For each node, the tasks that name its blob.
    task_start: Vec<u32>,
    task_list: Vec<u32>,
    /// Roots (full blobs), largest tree first, so the threads finish together.
    pub(super) trees: Vec<u32>,
}

/// One pack: its index and its data.
struct Pack {
    index: pack::index::File,
    data: PackData,
    /// Every entry's base, by position in [`PackData::sorted`], when the forest reads so many
    /// of the pack's entries that one pass over the whole file costs less than a read per
    /// header (see [`PackData::bases`]).
    bases: Option<Vec<u64>>,
}

/// In [`Pack::bases`]: a full blob, and an entry the forest cannot follow (not a blob, a base
/// in another pack, damaged); any other value is the offset of the entry's base.
const FULL_BLOB: u64 = u64::MAX;
const NOT_FOLLOWED: u64 = u64::MAX - 1;

/// Bytes read at a time by [`PackData::bases`].
const SCAN_BYTES: usize = 1 << 20;

/// A pack's data file, read with positioned reads rather than mapped: gix maps the same file
/// for commits and trees, and a second mapping would count every page of it twice in the
/// process's memory. Each entry is read whole (header and compressed bytes: it ends where the
/// next entry starts, from the index's sorted offsets) into a buffer of the reading thread.
struct PackData {
    file: std::fs::File,
    hash: gix::hash::Kind,
    /// Every entry's offset, sorted, then the offset of the pack's trailing checksum: an entry
    /// at `sorted[i]` ends at `sorted[i + 1]`.
    sorted: Vec<u64>,
}

/// Longest entry header read to learn an entry's kind and base: type and size (at most ten
/// bytes) then a base offset (at most ten) or a base id.
const HEADER_BYTES: usize = 64;

impl PackData {
    /// The pack beside the index `idx`, if its header says it holds the objects the index
    /// lists (an index that does not describe this pack, a half-written repack, is not used).
    fn open(index: &pack::index::File, path: &Path, hash: gix::hash::Kind) -> Option<PackData> {
        use std::os::unix::fs::FileExt;
        let file = std::fs::File::open(path).ok()?;
        let len = file.metadata().ok()?.len();
        let mut header = [0u8; 12];
        file.read_exact_at(&mut header, 0).ok()?;
        let count = u32::from_be_bytes([header[8], header[9], header[10], header[11]]);
        if &header[..4] != b"PACK" || count != index.num_objects() {
            return None;
        }
        let trailer = len.checked_sub(hash.len_in_bytes() as u64)?;
        let mut sorted = index.sorted_offsets();
        if sorted.last().is_some_and(|&last| last >= trailer) {
            return None;
        }
        sorted.push(trailer);
        Some(PackData { file, hash, sorted })
    }

    /// Where the entry at `offset` ends (`None`: no entry starts there).
    fn end_of(&self, offset: u64) -> Option<u64> {
        let at = self.sorted.binary_search(&offset).ok()?;
        self.sorted.get(at + 1).copied()
    }

    /// The header of the entry at `offset`.
    fn entry(&self, offset: u64) -> Option<pack::data::Entry> {
        use std::os::unix::fs::FileExt;
        let end = self.end_of(offset)?;
        let mut buf = [0u8; HEADER_BYTES];
        let len = usize::try_from((end - offset).min(HEADER_BYTES as u64)).ok()?;
        self.file.read_exact_at(&mut buf[..len], offset).ok()?;
        pack::data::Entry::from_bytes(&buf[..len], offset, self.hash).ok()
    }

    /// The base of every entry, in one pass over the file in large reads: for a full scan of
    /// history, which reads most of the pack's blobs, this replaces a system call per header.
    /// `window`: bytes read at a time ([`SCAN_BYTES`]; at least [`HEADER_BYTES`]).
    fn bases(&self, index: &pack::index::File, window: usize) -> Vec<u64> {
        use std::os::unix::fs::FileExt;
        let entries = self.sorted.len().saturating_sub(1);
        let mut out = Vec::with_capacity(entries);
        let mut window = vec![0u8; window.max(HEADER_BYTES)];
        let (mut from, mut held) = (0u64, 0usize);
        for i in 0..entries {
            let (offset, end) = (self.sorted[i], self.sorted[i + 1]);
            let want = usize::try_from((end - offset).min(HEADER_BYTES as u64)).unwrap_or(0);
            if offset < from || offset + want as u64 > from + held as u64 {
                from = offset;
                held = 0;
                while held < want.max(1) {
                    match self.file.read_at(&mut window[held..], from + held as u64) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => held += n,
                    }
                }
            }
            let at = usize::try_from(offset - from).unwrap_or(usize::MAX);
            let header = window
                .get(at..at.saturating_add(want).min(held))
                .filter(|h| h.len() == want)
                .and_then(|h| pack::data::Entry::from_bytes(h, offset, self.hash).ok());
            out.push(match header.map(|e| e.header) {
                Some(pack::data::entry::Header::Blob) => FULL_BLOB,
                Some(pack::data::entry::Header::OfsDelta { base_distance }) => {
                    pack::data::entry::Header::verified_base_pack_offset(offset, base_distance)
                        .unwrap_or(NOT_FOLLOWED)
                }
                Some(pack::data::entry::Header::RefDelta { base_id }) => index
                    .lookup(base_id)
                    .map_or(NOT_FOLLOWED, |e| index.pack_offset_at_index(e)),
                _ => NOT_FOLLOWED,
            });
        }
        out
    }

    /// Reads the entry at `offset` whole into `packed`, and inflates it into `out` if it holds
    /// at most `largest` bytes; `None` when it is damaged, larger, or not where the index says.
    fn inflate(
        &self,
        offset: u64,
        largest: usize,
        packed: &mut Vec<u8>,
        inflate: &mut gix::zlib::Inflate,
        out: &mut Vec<u8>,
    ) -> Option<pack::data::Entry> {
        use std::os::unix::fs::FileExt;
        let end = self.end_of(offset)?;
        let len = usize::try_from(end - offset).ok()?;
        // Compressed bytes are never much more than what they inflate to (plus the header).
        if len > largest + (largest >> 3) + HEADER_BYTES {
            return None;
        }
        packed.clear();
        packed.resize(len, 0);
        self.file.read_exact_at(packed, offset).ok()?;
        let entry = pack::data::Entry::from_bytes(packed, offset, self.hash).ok()?;
        let size = usize::try_from(entry.decompressed_size).ok()?;
        if size > largest {
            return None;
        }
        out.clear();
        out.resize(size, 0);
        inflate.reset();
        let input = packed.get(entry.header_size()..)?;
        let (status, _, written) = inflate.once(input, out).ok()?;
        (status == gix::zlib::Status::StreamEnd && written == size).then_some(entry)
    }
}

impl Forest {
    /// The forest of the tasks' blobs found in the repository's packs at `objects`, and the
    /// tasks left to read by id (in no pack, or not followable).
    pub(super) fn plan(objects: &Path, tasks: &[BlobTask]) -> (Forest, Vec<usize>) {
        let mut packs = open_packs(objects);
        for pack in &mut packs {
            // A read per header, or one pass over the whole pack: whichever reads less.
            if tasks.len().saturating_mul(8) >= pack.index.num_objects() as usize {
                pack.bases = Some(pack.data.bases(&pack.index, SCAN_BYTES));
            }
        }
        let mut nodes: Vec<Node> = Vec::new();
        let mut at: HashMap<(u32, u64), u32> = HashMap::new();
        let mut named: Vec<(u32, u32)> = Vec::new();
        let mut rest = Vec::new();
        let mut path: Vec<u32> = Vec::new();
        for (i, task) in tasks.iter().enumerate() {
            let found = packs.iter().enumerate().find_map(|(p, pack)| {
                let entry = pack.index.lookup(task.id)?;
                Some((p as u32, pack.index.pack_offset_at_index(entry)))
            });
            let Some(place) = found else {
                rest.push(i);
                continue;
            };
            let node = resolve(&packs, &mut nodes, &mut at, &mut path, place);
            if nodes[node as usize].state == State::Ok {
                named.push((node, i as u32));
            } else {
                rest.push(i);
            }
        }
        let n = nodes.len();
        let (child_start, child_list) = grouped(
            n,
            nodes.iter().enumerate().filter_map(|(i, node)| {
                (node.state == State::Ok && node.parent != NONE).then_some((node.parent, i as u32))
            }),
        );
        let (task_start, task_list) = grouped(n, named.into_iter());
        let mut forest = Forest {
            packs: packs.into_iter().map(|p| p.data).collect(),
            nodes,
            child_start,
            child_list,
            task_start,
            task_list,
            trees: Vec::new(),
        };
        let mut trees: Vec<(usize, u32)> = (0..n as u32)
            .filter(|&i| {
                let node = &forest.nodes[i as usize];
                node.state == State::Ok && node.parent == NONE
            })
            .map(|root| (forest.subtree(root).len(), root))
            .collect();
        trees.sort_unstable_by_key(|&(size, root)| (std::cmp::Reverse(size), root));
        forest.trees = trees.into_iter().map(|(_, root)| root).collect();
        (forest, rest)
    }

    fn children(&self, node: u32) -> &[u32] {
        let n = node as usize;
        &self.child_list[self.child_start[n] as usize..self.child_start[n + 1] as usize]
    }

    /// The tasks naming this node's blob.
    pub(super) fn tasks(&self, node: u32) -> &[u32] {
        let n = node as usize;
        &self.task_list[self.task_start[n] as usize..self.task_start[n + 1] as usize]
    }

    /// `node` and everything below it.
    pub(super) fn subtree(&self, node: u32) -> Vec<u32> {
        let mut out = vec![node];
        let mut i = 0;
        while let Some(&n) = out.get(i) {
            out.extend_from_slice(self.children(n));
            i += 1;
        }
        out
    }

    /// Walks the tree under `root` depth first, handing each node's blob to `visit` with its
    /// parent's state and the delta's copies (`None` for the root); `visit` returns the state
    /// its children get. The tasks of every node that could not be rebuilt (damaged entry, too
    /// large, chain over [`CHAIN_BYTES`]) are returned, to be read by id.
    pub(super) fn walk<K>(
        &self,
        root: u32,
        reader: &mut Reader,
        visit: &mut Visit<'_, K>,
    ) -> Vec<u32> {
        struct Frame<K> {
            node: u32,
            data: Vec<u8>,
            known: Option<K>,
            next: usize,
        }
        let mut unread = Vec::new();
        let Some(data) = reader.whole(self, root) else {
            unread.extend(self.subtree(root));
            return unread;
        };
        let known = visit(root, &data, None);
        let mut held = data.len();
        let mut stack = vec![Frame {
            node: root,
            data,
            known,
            next: 0,
        }];
        while let Some(top) = stack.last_mut() {
            let Some(&child) = self.children(top.node).get(top.next) else {
                let done = stack.pop().expect("the stack has a top");
                held -= done.data.len();
                reader.recycle(done.data);
                continue;
            };
            top.next += 1;
            let mut data = reader.spare();
            let rebuilt = reader.delta(self, child, &top.data, &mut data);
            let has_children = !self.children(child).is_empty();
            if !rebuilt || (has_children && held + data.len() > CHAIN_BYTES) {
                reader.recycle(data);
                unread.extend(self.subtree(child));
                continue;
            }
            let base = top.known.as_ref().map(|k| (k, &reader.copies[..]));
            let known = visit(child, &data, base);
            if has_children {
                held += data.len();
                stack.push(Frame {
                    node: child,
                    data,
                    known,
                    next: 0,
                });
            } else {
                reader.recycle(data);
            }
        }
        unread
    }
}

/// The repository's own packs, opened once and shared by the threads that read trees.
pub(super) struct Packs {
    packs: Vec<Pack>,
}

impl Packs {
    pub(super) fn open(objects: &Path) -> Packs {
        Packs {
            packs: open_packs(objects),
        }
    }

    fn locate(&self, id: &gix::oid) -> Option<(u32, u64)> {
        self.packs.iter().enumerate().find_map(|(p, pack)| {
            let entry = pack.index.lookup(id)?;
            Some((p as u32, pack.index.pack_offset_at_index(entry)))
        })
    }
}

/// Longest chain of deltas followed to a tree's base; a longer one (git's own limit is 4095)
/// or a cycle is left to gix.
const TREE_CHAIN: usize = 4096;

/// Bytes of rebuilt trees one thread keeps.
const TREE_CACHE_BYTES: usize = 16 << 20;

/// Reads trees out of the packs the way the forest reads blobs: each tree in a pack is a
/// full tree or a delta of another, and every tree rebuilt is kept (bounded in bytes, oldest
/// out first), so the next tree of the same chain is one delta from a kept one. gix keeps
/// only the trees asked for, so walking commits re-inflated whole delta chains for most trees.
/// `None` means "not here": a loose tree, a base in another pack, anything damaged or not a
/// tree; the caller then reads it through gix, which says what is wrong.
pub(super) struct TreeReader<'a> {
    packs: &'a Packs,
    kept: HashMap<(u32, u64), std::rc::Rc<[u8]>>,
    order: std::collections::VecDeque<(u32, u64)>,
    bytes: usize,
    /// Most bytes kept ([`TREE_CACHE_BYTES`]).
    budget: usize,
    inflate: gix::zlib::Inflate,
    packed: Vec<u8>,
    out: Vec<u8>,
    copies: Vec<Copied>,
    /// The deltas between the tree asked for and the nearest kept or full tree, innermost
    /// last.
    chain: Vec<((u32, u64), Vec<u8>)>,
}

impl<'a> TreeReader<'a> {
    pub(super) fn new(packs: &'a Packs) -> TreeReader<'a> {
        TreeReader {
            packs,
            kept: HashMap::new(),
            order: std::collections::VecDeque::new(),
            bytes: 0,
            budget: TREE_CACHE_BYTES,
            inflate: gix::zlib::Inflate::default(),
            packed: Vec::new(),
            out: Vec::new(),
            copies: Vec::new(),
            chain: Vec::new(),
        }
    }

    /// The raw tree `id`, if it is in one of the packs and can be rebuilt there.
    pub(super) fn tree(&mut self, id: &gix::oid) -> Option<std::rc::Rc<[u8]>> {
        let place = self.packs.locate(id)?;
        self.chain.clear();
        let mut at = place;
        let mut base = loop {
            if let Some(kept) = self.kept.get(&at) {
                break std::rc::Rc::clone(kept);
            }
            if self.chain.len() >= TREE_CHAIN {
                return None;
            }
            let pack = &self.packs.packs[at.0 as usize];
            let mut data = Vec::new();
            let entry = pack.data.inflate(
                at.1,
                LARGEST_BLOB,
                &mut self.packed,
                &mut self.inflate,
                &mut data,
            )?;
            match entry.header {
                pack::data::entry::Header::Tree => {
                    let tree: std::rc::Rc<[u8]> = data.into();
                    self.keep(at, &tree);
                    break tree;
                }
                pack::data::entry::Header::OfsDelta { base_distance } => {
                    self.chain.push((at, data));
                    let base =
                        pack::data::entry::Header::verified_base_pack_offset(at.1, base_distance)?;
                    at = (at.0, base);
                }
                pack::data::entry::Header::RefDelta { base_id } => {
                    self.chain.push((at, data));
                    let entry = pack.index.lookup(base_id)?;
                    at = (at.0, pack.index.pack_offset_at_index(entry));
                }
                _ => return None,
            }
        };
        let_go(&mut self.packed);
        while let Some((at, delta)) = self.chain.pop() {
            apply_delta(&base, &delta, &mut self.out, &mut self.copies).ok()?;
            base = std::rc::Rc::from(&self.out[..]);
            self.keep(at, &base);
        }
        let_go(&mut self.out);
        Some(base)
    }

    fn keep(&mut self, at: (u32, u64), tree: &std::rc::Rc<[u8]>) {
        if self.kept.insert(at, std::rc::Rc::clone(tree)).is_some() {
            return;
        }
        self.bytes += tree.len();
        self.order.push_back(at);
        while self.bytes > self.budget {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some(gone) = self.kept.remove(&old) {
                self.bytes -= gone.len();
            }
        }
    }
}

/// Finds (or adds) the node at `place` and follows its chain of bases up to a full blob,
/// marking the whole chain followable or not.
fn resolve(
    packs: &[Pack],
    nodes: &mut Vec<Node>,
    at: &mut HashMap<(u32, u64), u32>,
    path: &mut Vec<u32>,
    place: (u32, u64),
) -> u32 {
    path.clear();
    let mut place = place;
    let first = node_at(nodes, at, place);
    let mut current = first;
    let outcome = loop {
        match nodes[current as usize].state {
            State::Ok => break State::Ok,
            State::Failed => break State::Failed,
            State::Walking if path.contains(&current) => break State::Failed,
            State::Walking => {}
        }
        path.push(current);
        let Some(base) = base_of(packs, place) else {
            break State::Failed;
        };
        let Some(base) = base else {
            // A full blob: the root of its tree.
            break State::Ok;
        };
        place = base;
        let next = node_at(nodes, at, place);
        nodes[current as usize].parent = next;
        current = next;
    };
    for &n in path.iter() {
        nodes[n as usize].state = outcome;
    }
    nodes[first as usize].state = match nodes[first as usize].state {
        State::Walking => outcome,
        state => state,
    };
    first
}

/// The node of the entry at `place`, added (not yet resolved) if it is new.
fn node_at(nodes: &mut Vec<Node>, at: &mut HashMap<(u32, u64), u32>, place: (u32, u64)) -> u32 {
    *at.entry(place).or_insert_with(|| {
        nodes.push(Node {
            pack: place.0,
            offset: place.1,
            parent: NONE,
            state: State::Walking,
        });
        nodes.len() as u32 - 1
    })
}

/// The base of the entry at `place`: `Some(None)` for a full blob, `None` when the entry is
/// unreadable, not a blob, or its base is not in the same pack.
fn base_of(packs: &[Pack], (pack, offset): (u32, u64)) -> Option<Option<(u32, u64)>> {
    let p = &packs[pack as usize];
    if let Some(bases) = &p.bases {
        let at = p.data.sorted.binary_search(&offset).ok()?;
        return match *bases.get(at)? {
            FULL_BLOB => Some(None),
            NOT_FOLLOWED => None,
            base => Some(Some((pack, base))),
        };
    }
    let entry = p.data.entry(offset)?;
    match entry.header {
        pack::data::entry::Header::Blob => Some(None),
        pack::data::entry::Header::OfsDelta { base_distance } => {
            let base = pack::data::entry::Header::verified_base_pack_offset(offset, base_distance)?;
            Some(Some((pack, base)))
        }
        pack::data::entry::Header::RefDelta { base_id } => {
            let entry = p.index.lookup(base_id)?;
            Some(Some((pack, p.index.pack_offset_at_index(entry))))
        }
        _ => None,
    }
}

/// `(group, item)` pairs as offsets into one list, by group (compressed sparse rows).
fn grouped(groups: usize, pairs: impl Iterator<Item = (u32, u32)>) -> (Vec<u32>, Vec<u32>) {
    let mut pairs: Vec<(u32, u32)> = pairs.collect();
    pairs.sort_unstable();
    let mut start = vec![0u32; groups + 1];
    for &(g, _) in &pairs {
        start[g as usize + 1] += 1;
    }
    for i in 0..groups {
        start[i + 1] += start[i];
    }
    (start, pairs.into_iter().map(|(_, item)| item).collect())
}

/// The repository's own packs (alternates are read by id), largest first.
fn open_packs(objects: &Path) -> Vec<Pack> {
    index_files(objects)
        .into_iter()
        .filter_map(|idx| {
            let hash = gix::hash::Kind::Sha1;
            let index = pack::index::File::at(&idx, hash).ok()?;
            let data = PackData::open(&index, &idx.with_extension("pack"), hash)?;
            Some(Pack {
                index,
                data,
                bases: None,
            })
        })
        .collect()
}

/// The `.idx` files in the objects folder's `pack/`, largest first (most blobs live there).
pub(super) fn index_files(objects: &Path) -> Vec<std::path::PathBuf> {
    let Ok(listing) = std::fs::read_dir(objects.join("pack")) else {
        return Vec::new();
    };
    let mut files: Vec<(u64, std::path::PathBuf)> = listing
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "idx"))
        .map(|p| (std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0), p))
        .collect();
    files.sort_by_key(|f| std::cmp::Reverse(f.0));
    files.into_iter().map(|(_, path)| path).collect()
}

/// Per-thread buffers for inflating entries and applying deltas.
#[derive(Default)]
pub(super) struct Reader {
    inflate: gix::zlib::Inflate,
    /// An entry as the pack stores it (header and compressed bytes).
    packed: Vec<u8>,
    delta: Vec<u8>,
    /// The copies of the delta applied last.
    pub(super) copies: Vec<Copied>,
    spare: Vec<Vec<u8>>,
}

impl Reader {
    fn spare(&mut self) -> Vec<u8> {
        self.spare.pop().unwrap_or_default()
    }

    fn recycle(&mut self, mut buf: Vec<u8>) {
        // A few buffers of the usual sizes are kept; a large one is given back.
        if self.spare.len() < SPARE_BUFFERS && buf.capacity() <= SPARE_BYTES {
            buf.clear();
            self.spare.push(buf);
        }
    }

    /// The full blob at a root node.
    fn whole(&mut self, forest: &Forest, node: u32) -> Option<Vec<u8>> {
        let n = &forest.nodes[node as usize];
        let pack = &forest.packs[n.pack as usize];
        let mut data = self.spare();
        let read = pack.inflate(
            n.offset,
            LARGEST_BLOB,
            &mut self.packed,
            &mut self.inflate,
            &mut data,
        );
        let_go(&mut self.packed);
        match read {
            Some(_) => Some(data),
            None => {
                self.recycle(data);
                None
            }
        }
    }

    /// Rebuilds the blob at `node` from its parent's blob `base` into `out`, keeping the
    /// delta's copies in [`Reader::copies`]; `false` when the entry is damaged or too large.
    fn delta(&mut self, forest: &Forest, node: u32, base: &[u8], out: &mut Vec<u8>) -> bool {
        let n = &forest.nodes[node as usize];
        let pack = &forest.packs[n.pack as usize];
        // A delta's instructions are never much larger than what they build.
        let largest = LARGEST_BLOB + (LARGEST_BLOB >> 3);
        let read = pack.inflate(
            n.offset,
            largest,
            &mut self.packed,
            &mut self.inflate,
            &mut self.delta,
        );
        let applied =
            read.is_some() && apply_delta(base, &self.delta, out, &mut self.copies).is_ok();
        let_go(&mut self.packed);
        let_go(&mut self.delta);
        applied
    }
}

/// Gives back a work buffer that one large entry grew, so a thread does not keep it.
fn let_go(buf: &mut Vec<u8>) {
    if buf.capacity() > SPARE_BYTES {
        *buf = Vec::new();
    }
}

/// Why a delta could not be applied.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum DeltaError {
    Truncated,
    BaseSize,
    TooLarge,
    Reserved,
    OutOfBase,
    ResultSize,
}

/// Applies git's delta `delta` to `base` into `out` (cleared first), and lists its copy
/// instructions in `copies` (merged where one continues the last in both blobs). Every size
/// and range is checked: a damaged or hostile delta is an error, never a panic or a huge
/// allocation.
pub(super) fn apply_delta(
    base: &[u8],
    delta: &[u8],
    out: &mut Vec<u8>,
    copies: &mut Vec<Copied>,
) -> Result<(), DeltaError> {
    out.clear();
    copies.clear();
    let mut i = 0;
    let base_size = varint(delta, &mut i)?;
    let result_size = varint(delta, &mut i)?;
    if base_size != base.len() as u64 {
        return Err(DeltaError::BaseSize);
    }
    let result_size = usize::try_from(result_size).map_err(|_| DeltaError::TooLarge)?;
    if result_size > LARGEST_BLOB {
        return Err(DeltaError::TooLarge);
    }
    out.reserve(result_size);
    while let Some(&cmd) = delta.get(i) {
        i += 1;
        if cmd & 0x80 != 0 {
            let mut field = |bit: u8, shift: u32| -> Result<usize, DeltaError> {
                if cmd & bit == 0 {
                    return Ok(0);
                }
                let b = *delta.get(i).ok_or(DeltaError::Truncated)?;
                i += 1;
                Ok(usize::from(b) << shift)
            };
            let from = field(0x01, 0)? | field(0x02, 8)? | field(0x04, 16)? | field(0x08, 24)?;
            let mut len = field(0x10, 0)? | field(0x20, 8)? | field(0x40, 16)?;
            if len == 0 {
                len = 0x10000;
            }
            let end = from.checked_add(len).ok_or(DeltaError::OutOfBase)?;
            let bytes = base.get(from..end).ok_or(DeltaError::OutOfBase)?;
            if out.len() + len > result_size {
                return Err(DeltaError::ResultSize);
            }
            let to = out.len();
            match copies.last_mut() {
                Some(last) if last.to + last.len == to && last.from + last.len == from => {
                    last.len += len;
                }
                _ => copies.push(Copied { from, to, len }),
            }
            out.extend_from_slice(bytes);
        } else if cmd == 0 {
            return Err(DeltaError::Reserved);
        } else {
            let len = usize::from(cmd);
            let bytes = delta.get(i..i + len).ok_or(DeltaError::Truncated)?;
            i += len;
            if out.len() + len > result_size {
                return Err(DeltaError::ResultSize);
            }
            out.extend_from_slice(bytes);
        }
    }
    if out.len() != result_size {
        return Err(DeltaError::ResultSize);
    }
    Ok(())
}

/// A size in a delta's header: seven bits a byte, low bits first.
fn varint(data: &[u8], i: &mut usize) -> Result<u64, DeltaError> {
    let mut value = 0u64;
    let mut shift = 0;
    loop {
        let b = *data.get(*i).ok_or(DeltaError::Truncated)?;
        *i += 1;
        if shift >= 64 {
            return Err(DeltaError::TooLarge);
        }
        value |= u64::from(b & 0x7f) << shift;
        shift += 7;
        if b & 0x80 == 0 {
            return Ok(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gix::ObjectId;

    fn delta(base_len: usize, result_len: usize, ops: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for mut n in [base_len, result_len] {
            loop {
                let b = (n & 0x7f) as u8;
                n >>= 7;
                if n == 0 {
                    out.push(b);
                    break;
                }
                out.push(b | 0x80);
            }
        }
        out.extend_from_slice(ops);
        out
    }

    #[test]
    fn a_delta_copies_and_inserts_and_lists_its_copies() {
        let base = b"0123456789";
        // Copy 4 bytes from 2, insert "ab", copy 3 from 6, then 1 from 9 (continues it).
        let ops = [0x91, 2, 4, 2, b'a', b'b', 0x91, 6, 3, 0x91, 9, 1];
        let (mut out, mut copies) = (Vec::new(), Vec::new());
        apply_delta(base, &delta(10, 10, &ops), &mut out, &mut copies).expect("valid delta");
        assert_eq!(out, b"2345ab6789");
        assert_eq!(
            copies,
            [
                Copied {
                    from: 2,
                    to: 0,
                    len: 4
                },
                Copied {
                    from: 6,
                    to: 6,
                    len: 4
                }
            ]
        );
    }

    /// A repository of 120 commits whose trees and blobs are stored as deep delta chains
    /// (`git repack -f --depth=50`), with `git cat-file`'s listing of its objects.
    fn deep_chains() -> (tempfile::TempDir, String) {
        let dir = tempfile::tempdir().expect("temp dir");
        let repo = dir.path();
        let git = |args: &[&str]| crate::source::fixture::git(repo, args);
        git(&["init", "-q", "-b", "main"]);
        let mut stream = String::new();
        for i in 0..120 {
            stream.push_str(&format!(
                "commit refs/heads/main\ncommitter T <t@example.com> {} +0000\ndata 1\nm\n",
                1_700_000_000 + i
            ));
            for f in 0..40 {
                // Most files stay; a few change each commit, some folders come and go.
                let content = if f % 7 == i % 7 { i } else { 0 };
                let dir = if f % 3 == 0 && i % 10 > 5 {
                    "gone"
                } else {
                    "src"
                };
                stream.push_str(&format!(
                    "M 100644 inline {dir}/d{}/f{f}\ndata 8\n{content:07}\n",
                    f % 5
                ));
            }
        }
        crate::source::fixture::fast_import(repo, stream.as_bytes());
        crate::source::fixture::repack_deep(repo);
        let listed = git(&[
            "cat-file",
            "--batch-all-objects",
            "--batch-check=%(objecttype) %(objectname) %(deltabase)",
        ]);
        (dir, listed)
    }

    /// Every tree of a history whose trees are stored as deep delta chains, read by the tree
    /// reader newest first, oldest first, and with almost nothing kept, is byte for byte what
    /// gix reads.
    #[test]
    fn trees_rebuilt_from_the_pack_are_the_trees_gix_reads() {
        let (dir, listed) = deep_chains();
        let repo = dir.path();
        let trees: Vec<ObjectId> = listed
            .lines()
            .filter_map(|l| l.strip_prefix("tree "))
            .filter_map(|l| ObjectId::from_hex(l.split(' ').next()?.as_bytes()).ok())
            .collect();
        let deltas = listed
            .lines()
            .filter(|l| l.starts_with("tree ") && !l.ends_with(&"0".repeat(40)))
            .count();
        assert!(
            trees.len() > 200 && deltas > 150,
            "{} trees, {deltas} deltas",
            trees.len()
        );
        let gix_repo = gix::open(repo).expect("opens");
        let packs = Packs::open(&repo.join(".git/objects"));
        for (order, budget) in [
            (false, TREE_CACHE_BYTES),
            (true, TREE_CACHE_BYTES),
            (false, 1),
        ] {
            let mut reader = TreeReader::new(&packs);
            reader.budget = budget;
            let mut ids = trees.clone();
            if order {
                ids.reverse();
            }
            for id in &ids {
                let ours = reader.tree(id).expect("a packed tree is rebuilt");
                let object = gix_repo.find_object(*id).expect("gix reads it");
                assert_eq!(&ours[..], &object.data[..], "tree {id}");
            }
            assert!(
                reader.bytes <= budget,
                "the kept trees stay within the budget"
            );
        }
        // Not a tree, or not in a pack: left to gix.
        let blob = listed
            .lines()
            .find_map(|l| l.strip_prefix("blob "))
            .and_then(|l| ObjectId::from_hex(l.split(' ').next()?.as_bytes()).ok())
            .expect("a blob");
        assert!(TreeReader::new(&packs).tree(&blob).is_none());
        let absent = ObjectId::from_hex(&[b'1'; 40]).expect("hex");
        assert!(TreeReader::new(&packs).tree(&absent).is_none());
    }

    /// The bases read in one pass over the pack are the bases read header by header, for
    /// every entry (blobs, trees, commits, deltas of each).
    #[test]
    fn bases_from_one_pass_are_the_bases_read_one_header_at_a_time() {
        let (dir, _) = deep_chains();
        let mut packs = open_packs(&dir.path().join(".git/objects"));
        assert_eq!(packs.len(), 1);
        let offsets = packs[0].data.sorted.clone();
        let entries = &offsets[..offsets.len() - 1];
        let one_by_one: Vec<_> = entries.iter().map(|&o| base_of(&packs, (0, o))).collect();
        assert!(
            one_by_one
                .iter()
                .filter(|b| matches!(b, Some(Some(_))))
                .count()
                > 100
        );
        assert!(one_by_one.iter().any(|b| matches!(b, Some(None))));
        assert!(one_by_one.iter().any(Option::is_none));
        // Windows that cut headers everywhere, and one that holds the whole pack.
        for window in [64, 100, 4096, SCAN_BYTES] {
            packs[0].bases = Some(packs[0].data.bases(&packs[0].index, window));
            let from_pass: Vec<_> = entries.iter().map(|&o| base_of(&packs, (0, o))).collect();
            assert_eq!(from_pass, one_by_one, "window {window}");
        }
        // No entry starts there: not followed, either way.
        assert_eq!(base_of(&packs, (0, offsets[0] + 1)), None);
    }

    #[test]
    fn damaged_or_hostile_deltas_are_errors() {
        let base = b"0123456789";
        let mut out = Vec::new();
        let mut copies = Vec::new();
        let mut apply = |d: Vec<u8>| apply_delta(base, &d, &mut out, &mut copies);
        assert_eq!(apply(delta(9, 1, &[1, b'x'])), Err(DeltaError::BaseSize));
        assert_eq!(
            apply(delta(10, 4, &[0x91, 8, 4])),
            Err(DeltaError::OutOfBase)
        );
        assert_eq!(
            apply(delta(10, 2, &[0x91, 0, 4])),
            Err(DeltaError::ResultSize)
        );
        assert_eq!(apply(delta(10, 3, &[1, b'x'])), Err(DeltaError::ResultSize));
        assert_eq!(apply(delta(10, 3, &[3, b'x'])), Err(DeltaError::Truncated));
        assert_eq!(apply(delta(10, 3, &[0x91])), Err(DeltaError::Truncated));
        assert_eq!(apply(delta(10, 1, &[0])), Err(DeltaError::Reserved));
        assert_eq!(
            apply(delta(10, usize::MAX >> 1, &[])),
            Err(DeltaError::TooLarge)
        );
        assert_eq!(apply(vec![0x80; 20]), Err(DeltaError::TooLarge));
        assert_eq!(apply(vec![0x80]), Err(DeltaError::Truncated));
        // A copy of size 0 means 64 KiB: out of this base.
        assert_eq!(apply(delta(10, 10, &[0x81, 0])), Err(DeltaError::OutOfBase));
    }
}
