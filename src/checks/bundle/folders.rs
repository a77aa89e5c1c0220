//! What each folder of build output ships, for the release audit: one [`BuildFolder`] per build
//! folder discovery found, with what the check read in it. A reader sees which output reaches
//! browsers (everything in it is public) and that it was actually read, not just found.
//!
//! A generic folder's `server/` subfolder (the Vite/SSR `dist/client` + `dist/server`
//! convention) is server-only output inside a client folder, so it is a folder of its own.
//! Loose bundle files outside any build folder (`vendor.min.js` in `static/`) are counted in
//! their own folder, as client output.

use super::discover::{BuildDir, BundleFile, Found, Visibility};
use super::is_map_name;
use crate::inventory::BuildFolder;
use std::collections::BTreeMap;

/// The folders of `found`, in path order; `read[i]` is (files, bytes) the check read of
/// `found.files[i]` (nothing for a file it could not read).
pub fn tally(found: &Found, read: &[(u64, u64)]) -> Vec<BuildFolder> {
    let mut folders: BTreeMap<String, BuildFolder> = BTreeMap::new();
    for dir in &found.dirs {
        let client = dir.visibility == Visibility::Client;
        folders
            .entry(dir.shown.clone())
            .or_insert_with(|| empty(&dir.shown, client));
    }
    for (file, &(files, bytes)) in found.files.iter().zip(read) {
        let path = folder_of(file, &found.dirs);
        let client = file.visibility == Visibility::Client;
        let folder = folders
            .entry(path.to_string())
            .or_insert_with(|| empty(path, client));
        folder.files += files as usize;
        folder.bytes += bytes;
        if files > 0 && is_map_name(&file.shown) {
            folder.source_maps += 1;
        }
    }
    folders.into_values().collect()
}

fn empty(path: &str, client: bool) -> BuildFolder {
    BuildFolder {
        path: path.to_string(),
        client,
        files: 0,
        bytes: 0,
        source_maps: 0,
    }
}

/// The build folder `file` belongs to, as shown: the innermost found folder holding it (its
/// `server/` subfolder when the file is server output in a client folder), else the file's own
/// folder.
fn folder_of<'a>(file: &'a BundleFile, dirs: &'a [BuildDir]) -> &'a str {
    let inside = |dir: &&BuildDir| {
        dir.shown.is_empty()
            || file
                .shown
                .strip_prefix(dir.shown.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
    };
    let Some(dir) = dirs.iter().filter(inside).max_by_key(|dir| dir.shown.len()) else {
        return file.shown.rsplit_once('/').map_or("", |(dir, _)| dir);
    };
    if file.visibility == dir.visibility {
        return &dir.shown;
    }
    // Server output inside a client folder: up to the `server` folder that made it so.
    let start = if dir.shown.is_empty() {
        0
    } else {
        dir.shown.len() + 1
    };
    let mut end = start;
    for component in file.shown[start..].split('/') {
        end += component.len();
        if component == "server" {
            return &file.shown[..end];
        }
        end += 1;
    }
    &dir.shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn file(shown: &str, visibility: Visibility) -> BundleFile {
        BundleFile {
            path: PathBuf::from(shown),
            shown: shown.to_string(),
            visibility,
        }
    }

    fn dir(shown: &str, visibility: Visibility) -> BuildDir {
        BuildDir {
            shown: shown.to_string(),
            visibility,
        }
    }

    fn folder(path: &str, client: bool, files: usize, bytes: u64, maps: usize) -> BuildFolder {
        BuildFolder {
            path: path.to_string(),
            client,
            files,
            bytes,
            source_maps: maps,
        }
    }

    #[test]
    fn files_are_counted_in_the_folder_that_ships_them() {
        use Visibility::{Client, Server};
        let found = Found {
            dirs: vec![
                dir("web/dist", Client),
                dir("app/.next/static", Client),
                dir("app/.next/server", Server),
                // Found, but empty: listed with nothing read.
                dir("docs/build", Client),
            ],
            files: vec![
                file("web/dist/index.html", Client),
                file("web/dist/assets/app.js", Client),
                file("web/dist/assets/app.js.map", Client),
                file("web/dist/server/entry.js", Server),
                file("web/dist/server/entry.js.map", Server),
                file("app/.next/static/chunks/main.js", Client),
                // Could not be read: counted nowhere, but its folder is still listed.
                file("app/.next/server/page.js", Server),
                file("static/vendor.min.js", Client),
                file("vendor.min.js", Client),
            ],
            ..Found::default()
        };
        let read = [
            (1, 100),
            (1, 2000),
            (1, 500),
            (1, 300),
            (1, 40),
            (1, 7000),
            (0, 0),
            (1, 90),
            (1, 10),
        ];
        assert_eq!(
            tally(&found, &read),
            [
                folder("", true, 1, 10, 0),
                folder("app/.next/server", false, 0, 0, 0),
                folder("app/.next/static", true, 1, 7000, 0),
                folder("docs/build", true, 0, 0, 0),
                folder("static", true, 1, 90, 0),
                folder("web/dist", true, 3, 2600, 1),
                folder("web/dist/server", false, 2, 340, 1),
            ]
        );
    }

    #[test]
    fn a_folder_named_as_the_root_holds_every_file() {
        let found = Found {
            dirs: vec![dir("", Visibility::Client)],
            files: vec![file("assets/a.js", Visibility::Client)],
            ..Found::default()
        };
        assert_eq!(tally(&found, &[(1, 5)]), [folder("", true, 1, 5, 0)]);
    }
}
