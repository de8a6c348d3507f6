//! The state shared by every reader of one bundle: the limits and the byte meter, the
//! entries read so far, and the diagnostics. Directory walking and archive reading both
//! hand each entry here, so that decompression, nesting, path hygiene, duplicates and link
//! resolution behave the same whatever the container was.

use std::io::{self, Read};
use std::rc::Rc;
use std::sync::Arc;

use flate2::read::MultiGzDecoder;

use super::archive;
use super::limits::{read_capped, Capped, Limits, Meter, Metered};
use super::links::{LinkSpec, Resolver, Unresolved};
use super::path;
use super::sniff::{sniff, Format};
use super::{Bundle, Member};
use crate::model::Diagnostic;

/// Nesting is recursive; this bounds it whatever `Limits::max_depth` says, to keep the
/// stack small.
const HARD_MAX_DEPTH: u32 = 8;

/// Dictionary memory the xz decoder may allocate; `xz -9` needs 64 MiB, a hostile header
/// may ask for far more.
const XZ_MEM_LIMIT_KIB: u32 = 256 * 1024;

/// Where entries being read come from: the prefix their paths get, how deep the archive
/// is nested, and the path that names it in diagnostics.
#[derive(Clone, Debug)]
pub(crate) struct Scope {
    pub prefix: String,
    pub depth: u32,
    pub label: Arc<str>,
}

impl Scope {
    pub(crate) fn top(label: &str) -> Scope {
        Scope {
            prefix: String::new(),
            depth: 0,
            label: Arc::from(label),
        }
    }

    fn nested(member_path: &str, depth: u32) -> Scope {
        Scope {
            prefix: format!("{member_path}/"),
            depth,
            label: Arc::from(member_path),
        }
    }

    /// The archive's own directory in member paths, `""` at the top.
    fn root(&self) -> String {
        self.prefix.trim_end_matches('/').to_owned()
    }

    /// How an entry is named in a diagnostic when its stored path cannot be used.
    pub(crate) fn shown(&self, raw: &str) -> String {
        format!("{}{raw}", self.prefix)
    }
}

struct StoredFile {
    path: String,
    data: Vec<u8>,
    mtime: Option<i64>,
}

enum Item {
    File(StoredFile),
    Link(LinkSpec),
}

impl Item {
    fn path(&self) -> &str {
        match self {
            Item::File(f) => &f.path,
            Item::Link(l) => &l.path,
        }
    }
}

/// Takes a member's bytes as they are read instead of keeping them; returns whether it did.
/// The analysis passes one so that large logs are parsed while the archive streams by and
/// then dropped, and memory does not grow with the size of the logs.
pub type MemberSink<'s> = dyn FnMut(&str, &[u8], Option<i64>) -> bool + 's;

pub(crate) struct Collector<'l> {
    limits: &'l Limits,
    sink: Option<&'l mut MemberSink<'l>>,
    meter: Rc<Meter>,
    seen: usize,
    stopped: bool,
    items: Vec<Item>,
    diagnostics: Vec<Diagnostic>,
    noted_dos_time: bool,
}

impl<'l> Collector<'l> {
    pub(crate) fn new(limits: &'l Limits) -> Self {
        Collector {
            limits,
            sink: None,
            meter: Meter::new(limits.max_total_bytes),
            seen: 0,
            stopped: false,
            items: Vec::new(),
            diagnostics: Vec::new(),
            noted_dos_time: false,
        }
    }

    /// Hands members to `sink` as they are read; the ones it takes are not kept.
    pub(crate) fn with_sink(mut self, sink: &'l mut MemberSink<'l>) -> Self {
        self.sink = Some(sink);
        self
    }

    pub(crate) fn limits(&self) -> &Limits {
        self.limits
    }

    pub(crate) fn meter(&self) -> &Rc<Meter> {
        &self.meter
    }

    /// True once a limit stopped reading; every reader checks it before the next entry.
    pub(crate) fn stopped(&self) -> bool {
        self.stopped
    }

    pub(crate) fn diagnose(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Counts one more entry against `max_members`; false means stop reading.
    pub(crate) fn admit(&mut self) -> bool {
        if self.stopped {
            return false;
        }
        if self.seen >= self.limits.max_members {
            self.stopped = true;
            self.diagnostics.push(Diagnostic::error(format!(
                "stopped reading: the limit of {} members was reached after {} bytes; \
                 the remaining members were not read",
                self.limits.max_members,
                self.meter.used()
            )));
            return false;
        }
        self.seen += 1;
        true
    }

    /// Records that the total byte budget ran out; reading stops everywhere.
    pub(crate) fn stop_for_bytes(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        self.diagnostics.push(Diagnostic::error(format!(
            "stopped reading: the total size limit of {} bytes was reached after {} members; \
             the remaining members were not read",
            self.meter.cap(),
            self.seen
        )));
    }

    /// An I/O error from a container: either the byte budget speaking through the decoders,
    /// or real damage, reported against the container.
    pub(crate) fn container_failed(&mut self, scope: &Scope, read: usize, err: &io::Error) {
        if self.meter.exhausted() {
            self.stop_for_bytes();
            return;
        }
        self.diagnostics.push(
            Diagnostic::error(format!(
                "archive is damaged after {read} entries: {err}; the entries before the \
                 damage were kept"
            ))
            .at_path(scope.label.clone()),
        );
    }

    /// Turns a stored path into a member path, or reports why the entry is skipped.
    pub(crate) fn member_path(&mut self, scope: &Scope, raw: &str) -> Option<String> {
        match path::clean(raw) {
            Ok(clean) => Some(format!("{}{clean}", scope.prefix)),
            Err(problem) => {
                self.diagnostics.push(
                    Diagnostic::warning(format!("skipped entry: {problem}"))
                        .at_path(scope.shown(raw)),
                );
                None
            }
        }
    }

    /// Device nodes, fifos and sockets hold no data and must never be opened.
    pub(crate) fn skip_special(&mut self, path: &str, kind: &str) {
        self.diagnostics.push(
            Diagnostic::warning(format!(
                "skipped {kind} entry: only files and links are read"
            ))
            .at_path(path),
        );
    }

    /// Zip stores local time without a zone; said once per bundle.
    pub(crate) fn note_dos_time(&mut self, label: &Arc<str>) {
        if !self.noted_dos_time {
            self.noted_dos_time = true;
            self.diagnostics.push(
                Diagnostic::info(
                    "zip entries carry a local time without zone; member times were read as UTC",
                )
                .at_path(label.clone()),
            );
        }
    }

    pub(crate) fn add_link(&mut self, scope: &Scope, path: String, target: String, hard: bool) {
        self.items.push(Item::Link(LinkSpec {
            path,
            target,
            hard,
            root: scope.root(),
        }));
    }

    /// Takes the outcome of reading one entry's bytes. `declared` is the size the header
    /// claimed, used only to say that fewer bytes arrived.
    pub(crate) fn take_member(
        &mut self,
        path: String,
        read: Result<Capped, (Vec<u8>, io::Error)>,
        declared: Option<u64>,
        mtime: Option<i64>,
        depth: u32,
    ) {
        match read {
            Ok(Capped::TooBig) => self.too_big(&path, "is"),
            Ok(Capped::Whole(data)) => {
                if let Some(declared) = declared.filter(|&d| (data.len() as u64) < d) {
                    self.diagnostics.push(
                        Diagnostic::error(format!(
                            "member is truncated: {} of {declared} bytes present; kept what \
                             was there",
                            data.len()
                        ))
                        .at_path(path.as_str()),
                    );
                }
                self.add_data(path, data, mtime, depth);
            }
            Err((partial, err)) => {
                if self.meter.exhausted() {
                    self.stop_for_bytes();
                    return;
                }
                self.diagnostics.push(
                    Diagnostic::error(format!(
                        "reading failed after {} bytes: {err}; kept what was read",
                        partial.len()
                    ))
                    .at_path(path.as_str()),
                );
                if !partial.is_empty() {
                    self.add_data(path, partial, mtime, depth);
                }
            }
        }
    }

    fn too_big(&mut self, path: &str, verb: &str) {
        self.diagnostics.push(
            Diagnostic::warning(format!(
                "skipped member: it {verb} larger than the per-member limit of {} bytes",
                self.limits.max_member_bytes
            ))
            .at_path(path),
        );
    }

    /// A member's bytes: decompressed if they are a compressed single file, expanded if
    /// they are an archive, kept otherwise.
    fn add_data(&mut self, path: String, data: Vec<u8>, mtime: Option<i64>, depth: u32) {
        let data = if sniff(&data).is_compressed() {
            match self.decompress(&path, data) {
                Some(plain) => plain,
                None => return,
            }
        } else {
            data
        };
        if sniff(&data).is_archive() {
            self.nested(path, data, mtime, depth);
        } else if !self
            .sink
            .as_mut()
            .is_some_and(|sink| sink(&path, &data, mtime))
        {
            self.items
                .push(Item::File(StoredFile { path, data, mtime }));
        }
    }

    fn decompress(&mut self, path: &str, packed: Vec<u8>) -> Option<Vec<u8>> {
        let read = {
            let decoder = decoder(sniff(&packed), &packed[..]);
            read_capped(
                Metered::new(decoder, &self.meter),
                self.limits.max_member_bytes,
            )
        };
        match read {
            Ok(Capped::Whole(plain)) => {
                self.meter.refund(packed.len());
                Some(plain)
            }
            Ok(Capped::TooBig) => {
                self.meter.refund(packed.len());
                self.too_big(path, "decompresses to");
                None
            }
            Err(_) if self.meter.exhausted() => {
                self.stop_for_bytes();
                None
            }
            Err((partial, err)) if partial.is_empty() => {
                self.diagnostics.push(
                    Diagnostic::error(format!(
                        "could not decompress: {err}; kept the compressed bytes"
                    ))
                    .at_path(path),
                );
                Some(packed)
            }
            Err((partial, err)) => {
                self.diagnostics.push(
                    Diagnostic::error(format!(
                        "compressed data is damaged after {} bytes: {err}; kept the bytes \
                         before the damage",
                        partial.len()
                    ))
                    .at_path(path),
                );
                self.meter.refund(packed.len());
                Some(partial)
            }
        }
    }

    /// An archive inside the bundle: expanded under its own path while depth allows, so
    /// `logs.tar.gz/var/log/secure` is a member and `logs.tar.gz` is not.
    fn nested(&mut self, path: String, data: Vec<u8>, mtime: Option<i64>, depth: u32) {
        let level = depth + 1;
        if level > self.limits.max_depth.min(HARD_MAX_DEPTH) {
            self.diagnostics.push(
                Diagnostic::warning(format!(
                    "archive nested {level} levels deep was not expanded (limit {}); kept as \
                     one member",
                    self.limits.max_depth.min(HARD_MAX_DEPTH)
                ))
                .at_path(path.as_str()),
            );
            self.items
                .push(Item::File(StoredFile { path, data, mtime }));
            return;
        }
        // The container's bytes give way to what it holds, and it is not a member itself.
        self.meter.refund(data.len());
        self.seen = self.seen.saturating_sub(1);
        let before = self.items.len();
        let complete = archive::read_archive_bytes(self, &data, &Scope::nested(&path, level));
        if !complete && self.items.len() == before && !self.stopped {
            self.keep_unreadable_archive(path, data, mtime);
        }
    }

    fn keep_unreadable_archive(&mut self, path: String, data: Vec<u8>, mtime: Option<i64>) {
        if !self.meter.try_charge(data.len()) || !self.admit() {
            self.stop_for_bytes();
            return;
        }
        self.diagnostics.push(
            Diagnostic::warning("no entry of this archive could be read; kept it as one member")
                .at_path(path.as_str()),
        );
        self.items
            .push(Item::File(StoredFile { path, data, mtime }));
    }

    /// Sorts, removes duplicates, resolves links and hands over the bundle.
    pub(crate) fn finish(mut self, name: String) -> Bundle {
        let (mut members, links) = self.dedup();
        let extra = self.materialise_links(&members, &links);
        members.extend(extra);
        members.sort_by(|a, b| a.path.cmp(&b.path));
        Bundle {
            name,
            members,
            links: links
                .into_iter()
                .map(|l| (Arc::from(l.path), l.target))
                .collect(),
            diagnostics: self.diagnostics,
        }
    }

    /// The same path twice (a tar appended to, a nested archive shadowing a file) keeps the
    /// entry read last, as extracting the archive would.
    fn dedup(&mut self) -> (Vec<Member>, Vec<LinkSpec>) {
        let mut items = std::mem::take(&mut self.items);
        items.sort_by(|a, b| a.path().cmp(b.path()));
        let mut members = Vec::new();
        let mut links = Vec::new();
        let mut iter = items.into_iter().peekable();
        while let Some(mut item) = iter.next() {
            let mut copies = 1;
            while iter.peek().is_some_and(|next| next.path() == item.path()) {
                item = iter.next().unwrap_or(item);
                copies += 1;
            }
            if copies > 1 {
                self.diagnostics.push(
                    Diagnostic::warning(format!(
                        "path appears {copies} times in the bundle; kept the last one"
                    ))
                    .at_path(item.path()),
                );
            }
            match item {
                Item::File(f) => members.push(Member {
                    path: Arc::from(f.path),
                    data: f.data,
                    mtime: f.mtime,
                }),
                Item::Link(l) => links.push(l),
            }
        }
        (members, links)
    }

    /// A resolved link becomes a member holding its target's bytes; an unresolved one is a
    /// diagnostic naming the link and its target text.
    fn materialise_links(&mut self, members: &[Member], links: &[LinkSpec]) -> Vec<Member> {
        let resolver = Resolver::new(members, links);
        let mut copies = Vec::new();
        let mut not_copied = 0usize;
        for link in links {
            match resolver.resolve(link) {
                Ok(i) if self.meter.try_charge(members[i].data.len()) => copies.push(Member {
                    path: Arc::from(link.path.as_str()),
                    data: members[i].data.clone(),
                    mtime: members[i].mtime,
                }),
                Ok(_) => not_copied += 1,
                Err(why) => self.diagnostics.push(unresolved(link, why)),
            }
        }
        if not_copied > 0 {
            self.diagnostics.push(Diagnostic::error(format!(
                "{not_copied} links were not read: the total size limit of {} bytes was reached",
                self.meter.cap()
            )));
        }
        copies
    }
}

fn unresolved(link: &LinkSpec, why: Unresolved) -> Diagnostic {
    let message = format!("link -> {}: {why}", link.target);
    let diagnostic = match why {
        Unresolved::Missing | Unresolved::Directory => Diagnostic::info(message),
        Unresolved::Outside | Unresolved::Loop | Unresolved::NoTarget => {
            Diagnostic::warning(message)
        }
    };
    diagnostic.at_path(link.path.as_str())
}

/// A streaming decoder for data that [`sniff`] found to be gzip or xz.
pub(crate) fn decoder<'r, R: Read + 'r>(format: Format, inner: R) -> Box<dyn Read + 'r> {
    match format {
        Format::Xz => Box::new(lzma_rust2::XzReader::new_mem_limit(
            inner,
            true,
            XZ_MEM_LIMIT_KIB,
        )),
        _ => Box::new(MultiGzDecoder::new(inner)),
    }
}
