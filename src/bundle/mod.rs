//! Reads a support bundle — a directory, a zip, a tar (plain, gzip or xz), or one loose
//! file — into memory as a sorted list of members, safely.
//!
//! Bundles are customer uploads and are treated as hostile: nothing is extracted to disk,
//! paths that are absolute or climb out are refused, device nodes are never opened, links
//! are resolved only to other members, and every byte decoded counts against [`Limits`].
//! What cannot be read becomes a [`Diagnostic`] naming the entry, so later stages and the
//! user know what is missing. Compressed single files (`secure-20261115.gz`) are
//! decompressed transparently and archives inside the bundle are expanded under their own
//! path, so the rest of the pipeline sees plain files only.

mod archive;
mod collect;
mod dir;
mod limits;
mod links;
mod path;
mod sniff;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod testutil;

use std::fs::{self, File};
use std::io::{BufReader, Cursor};
use std::path::Path;
use std::sync::Arc;

pub use limits::Limits;

use crate::error::Error;
use crate::model::Diagnostic;
pub use collect::MemberSink;
use collect::{Collector, Scope};

/// Read buffer for a bundle file on disk; large enough that decoders see long runs.
const FILE_BUFFER: usize = 256 * 1024;

/// One file of the bundle, decompressed, with its path as stored (`/`-separated, relative,
/// no `./`). A link resolved inside the bundle is a member too, holding its target's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub path: Arc<str>,
    pub data: Vec<u8>,
    /// Unix seconds from the archive header or the file system.
    pub mtime: Option<i64>,
}

/// Everything read from one bundle.
#[derive(Clone, Debug)]
pub struct Bundle {
    /// The path as the user gave it, for display.
    pub name: String,
    /// Sorted by path, one member per path.
    pub members: Vec<Member>,
    /// Every symbolic or hard link met, resolved or not, as (link path, target text),
    /// sorted by link path. The target text matters on its own: `etc/localtime ->
    /// ../usr/share/zoneinfo/Europe/Berlin` names the zone even when the target is absent.
    pub links: Vec<(Arc<str>, String)>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Bundle {
    pub fn member(&self, path: &str) -> Option<&Member> {
        self.members
            .binary_search_by(|m| (*m.path).cmp(path))
            .ok()
            .map(|i| &self.members[i])
    }

    /// The target text of the link at `path`, whether or not it resolved.
    pub fn link_target(&self, path: &str) -> Option<&str> {
        self.links
            .binary_search_by(|(p, _)| (**p).cmp(path))
            .ok()
            .map(|i| self.links[i].1.as_str())
    }
}

/// Reads the bundle at `path`: a directory or a file of any supported kind, recognised by
/// its content. Fails only when nothing at all can be read; every other problem is a
/// diagnostic in the returned bundle.
pub fn open(path: &Path, limits: &Limits) -> Result<Bundle, Error> {
    read(path, Collector::new(limits))
}

/// Like [`open`], but offers each member to `sink` as it is read; members the sink takes
/// are not kept in the returned bundle (links to them do not resolve). This keeps memory
/// independent of the size of the members the sink consumes.
pub fn open_streaming<'l>(
    path: &Path,
    limits: &'l Limits,
    sink: &'l mut MemberSink<'l>,
) -> Result<Bundle, Error> {
    read(path, Collector::new(limits).with_sink(sink))
}

fn read(path: &Path, mut collector: Collector) -> Result<Bundle, Error> {
    let name = path.display().to_string();
    let io_error = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = fs::metadata(path).map_err(io_error)?;
    if meta.is_dir() {
        dir::read_dir(&mut collector, path, &name)?;
    } else if meta.is_file() {
        let file = File::open(path).map_err(io_error)?;
        let source = BufReader::with_capacity(FILE_BUFFER, file);
        let scope = Scope::top(&name);
        archive::read_top(
            &mut collector,
            source,
            &loose_name(&name),
            dir::mtime(&meta),
            &scope,
        )
        .map_err(io_error)?;
    } else {
        return Err(Error::Unreadable {
            path: path.to_path_buf(),
            reason: "neither a regular file nor a directory".into(),
        });
    }
    Ok(collector.finish(name))
}

/// Reads a bundle held in memory (stdin, tests), recognising its format by content. A
/// loose file becomes one member named after the last component of `name`.
pub fn from_bytes(name: &str, bytes: Vec<u8>, limits: &Limits) -> Bundle {
    let mut collector = Collector::new(limits);
    let scope = Scope::top(name);
    // Reading from memory cannot fail before the first byte; later errors are diagnostics.
    if let Err(err) = archive::read_top(
        &mut collector,
        Cursor::new(bytes),
        &loose_name(name),
        None,
        &scope,
    ) {
        collector.diagnose(Diagnostic::error(err.to_string()).at_path(name));
    }
    collector.finish(name.to_owned())
}

/// The member path of a bundle that is one loose file: its file name.
fn loose_name(name: &str) -> String {
    let last = name
        .rsplit(['/', '\\'])
        .find(|part| !part.is_empty() && *part != "." && *part != "..");
    last.unwrap_or("stdin").to_owned()
}
