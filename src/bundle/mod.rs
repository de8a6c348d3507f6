//! Reads a bundle into memory, safely: a folder, a `.zip`, a `.tar` (plain, gzip or xz), or
//! one loose file. Bundles are untrusted customer uploads, so:
//!
//! - nothing is ever written to disk; archives are read from memory or streamed;
//! - decompressed bytes, member count, member size and nesting depth are capped
//!   ([`Limits`]), counting what is actually decompressed, never what headers claim;
//! - a member whose path is absolute or climbs out with `..`, and device, fifo or socket
//!   entries, are skipped with a diagnostic;
//! - symlinks and hardlinks resolve only to other members of the same bundle (sosreports
//!   link `date`, `uptime` and `ps` at their root this way), never to anything outside it;
//! - a truncated or corrupt archive yields what could be read, plus a diagnostic.
//!
//! The container format is recognised by its magic bytes, not its extension. Compressed
//! single files (rotated `secure-20261115.gz`) are decompressed in place, and archives
//! nested one level inside the bundle are expanded under `<outer path>/<inner path>`.

mod archive;
mod dir;
mod links;

use std::path::Path;
use std::sync::Arc;

use crate::error::Error;
use crate::model::Diagnostic;

/// Caps that keep a hostile or huge bundle from exhausting the machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Decompressed bytes read in total.
    pub max_total_bytes: u64,
    pub max_members: usize,
    /// Decompressed bytes of one member.
    pub max_member_bytes: u64,
    /// How many levels of archives inside the bundle are expanded.
    pub max_depth: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_total_bytes: 4 << 30,
            max_members: 200_000,
            max_member_bytes: 1 << 30,
            max_depth: 1,
        }
    }
}

/// One file of the bundle, decompressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The path as stored in the archive or relative to the folder, `/`-separated.
    pub path: Arc<str>,
    pub data: Vec<u8>,
    /// Modification time (Unix seconds) from the archive header or the file system.
    pub mtime: Option<i64>,
}

/// The members of a bundle, and what could not be read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bundle {
    /// The bundle as the user named it.
    pub name: String,
    /// Sorted by path.
    pub members: Vec<Member>,
    pub diagnostics: Vec<Diagnostic>,
    /// Every link in the bundle with its target text, resolved or not: a link's target
    /// says something even when it points outside (`etc/localtime -> .../Europe/Berlin`).
    pub links: Vec<(Arc<str>, String)>,
}

impl Bundle {
    pub fn member(&self, path: &str) -> Option<&Member> {
        self.members
            .binary_search_by(|m| (*m.path).cmp(path))
            .ok()
            .map(|i| &self.members[i])
    }
}

/// Opens the bundle at `path`. Fails only when nothing at all can be read.
pub fn open(path: &Path, limits: &Limits) -> Result<Bundle, Error> {
    let meta = std::fs::metadata(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let name = path.display().to_string();
    if meta.is_dir() {
        let mut collector = Collector::new(limits);
        dir::walk(path, &mut collector);
        return Ok(collector.finish(name));
    }
    let bytes = read_capped(path, limits.max_total_bytes)?;
    let mut bundle = from_bytes(&name, bytes, limits);
    // A loose file's own modification time dates its year-less lines.
    if let [member] = bundle.members.as_mut_slice() {
        if member.mtime.is_none() {
            member.mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .and_then(|d| i64::try_from(d.as_secs()).ok());
        }
    }
    Ok(bundle)
}

fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut bytes = Vec::new();
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
    if bytes.len() as u64 > cap {
        return Err(Error::Unreadable {
            path: path.to_owned(),
            reason: format!("larger than the {cap}-byte limit (raise --max-total-bytes)"),
        });
    }
    Ok(bytes)
}

/// A bundle from bytes in memory (an archive, or one loose file named `name`).
pub fn from_bytes(name: &str, bytes: Vec<u8>, limits: &Limits) -> Bundle {
    let mut collector = Collector::new(limits);
    let file_name = Path::new(name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.to_owned());
    match archive::Container::sniff(&bytes) {
        Some(container) => archive::expand(container, bytes, "", 0, &mut collector),
        None => collector.add(file_name, bytes, None, 0),
    }
    collector.finish(name.to_owned())
}

/// Gathers members under the limits; shared by every reader.
pub(crate) struct Collector<'l> {
    limits: &'l Limits,
    total: u64,
    members: std::collections::BTreeMap<String, Member>,
    links: Vec<links::Link>,
    diagnostics: Vec<Diagnostic>,
    /// Set once a bundle-wide limit is reached: nothing more is read.
    stopped: bool,
}

impl<'l> Collector<'l> {
    fn new(limits: &'l Limits) -> Self {
        Collector {
            limits,
            total: 0,
            members: Default::default(),
            links: Vec::new(),
            diagnostics: Vec::new(),
            stopped: false,
        }
    }

    pub(crate) fn stopped(&self) -> bool {
        self.stopped
    }

    pub(crate) fn limits(&self) -> &Limits {
        self.limits
    }

    /// Bytes still allowed for one member, given the member and total caps.
    pub(crate) fn member_budget(&self) -> u64 {
        self.limits
            .max_member_bytes
            .min(self.limits.max_total_bytes.saturating_sub(self.total))
    }

    pub(crate) fn diagnose(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// Adds a file. Compressed files and nested archives are unpacked here, so every reader
    /// gets the same treatment.
    pub(crate) fn add(&mut self, path: String, data: Vec<u8>, mtime: Option<i64>, depth: u32) {
        if self.stopped {
            return;
        }
        if let Some(container) = archive::Container::sniff(&data) {
            archive::expand_member(container, data, &path, mtime, depth, self);
            return;
        }
        self.store(path, data, mtime);
    }

    /// Stores a member as is, counting it against the limits.
    pub(crate) fn store(&mut self, path: String, data: Vec<u8>, mtime: Option<i64>) {
        if self.stopped {
            return;
        }
        if self.members.len() >= self.limits.max_members {
            self.stop(format!(
                "stopped after {} members (the --max-members limit); the rest of the bundle was not read",
                self.members.len()
            ));
            return;
        }
        let size = data.len() as u64;
        if self.total + size > self.limits.max_total_bytes {
            self.stop(format!(
                "stopped after {} decompressed bytes (the --max-total-bytes limit); the rest of the bundle was not read",
                self.total
            ));
            return;
        }
        self.total += size;
        let arc: Arc<str> = Arc::from(path.as_str());
        if self
            .members
            .insert(
                path,
                Member {
                    path: arc.clone(),
                    data,
                    mtime,
                },
            )
            .is_some()
        {
            self.diagnostics.push(
                Diagnostic::warning("the bundle holds this path twice; the last copy is used")
                    .at_path(arc),
            );
        }
    }

    pub(crate) fn stop(&mut self, message: String) {
        if !self.stopped {
            self.stopped = true;
            self.diagnostics.push(Diagnostic::error(message));
        }
    }

    pub(crate) fn add_link(&mut self, link: links::Link) {
        self.links.push(link);
    }

    /// Skips an entry the bundle must not contain, saying so.
    pub(crate) fn refuse(&mut self, path: &str, why: &str) {
        self.diagnostics
            .push(Diagnostic::warning(format!("skipped: {why}")).at_path(path));
    }

    fn finish(mut self, name: String) -> Bundle {
        let links = std::mem::take(&mut self.links);
        let link_texts = links::resolve(links, &mut self);
        Bundle {
            name,
            members: self.members.into_values().collect(),
            diagnostics: self.diagnostics,
            links: link_texts,
        }
    }
}

/// Normalises a stored path: `/` separators, no `./`, and `None` when it is absolute or
/// climbs out of the bundle.
pub(crate) fn safe_path(raw: &str) -> Option<String> {
    let raw = raw.replace('\\', "/");
    if raw.starts_with('/') || raw.as_bytes().get(1) == Some(&b':') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests;
