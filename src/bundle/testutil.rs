//! Builders for test archives in memory. Tar headers are written by hand where needed so
//! that tests can hold the hostile names (`../../etc/passwd`, `/etc/shadow`) a careful
//! archiver would refuse to write. The xz writer emits stored (uncompressed) LZMA2 chunks:
//! the crate is built without its encoder, and a valid stream is all a reader test needs.

use std::io::{Cursor, Write};

use tar::{EntryType, Header};

pub(crate) const MTIME: u64 = 1_795_000_000;

pub(crate) struct TarBuilder {
    builder: tar::Builder<Vec<u8>>,
}

impl TarBuilder {
    pub(crate) fn new() -> Self {
        TarBuilder {
            builder: tar::Builder::new(Vec::new()),
        }
    }

    pub(crate) fn file(mut self, path: &str, data: &[u8]) -> Self {
        self.entry(path, EntryType::Regular, "", data);
        self
    }

    pub(crate) fn dir(mut self, path: &str) -> Self {
        self.entry(path, EntryType::Directory, "", b"");
        self
    }

    pub(crate) fn symlink(mut self, path: &str, target: &str) -> Self {
        self.entry(path, EntryType::Symlink, target, b"");
        self
    }

    pub(crate) fn hardlink(mut self, path: &str, target: &str) -> Self {
        self.entry(path, EntryType::Link, target, b"");
        self
    }

    pub(crate) fn special(mut self, path: &str, kind: EntryType) -> Self {
        self.entry(path, kind, "", b"");
        self
    }

    fn entry(&mut self, path: &str, kind: EntryType, link: &str, data: &[u8]) {
        let mut header = Header::new_gnu();
        let old = header.as_old_mut();
        old.name[..path.len()].copy_from_slice(path.as_bytes());
        old.linkname[..link.len()].copy_from_slice(link.as_bytes());
        header.set_entry_type(kind);
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(MTIME);
        header.set_cksum();
        self.builder.append(&header, data).expect("tar in memory");
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.builder.into_inner().expect("tar in memory")
    }
}

pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).expect("gzip in memory");
    encoder.finish().expect("gzip in memory")
}

pub(crate) fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    zip_with_links(entries, &[])
}

pub(crate) fn zip_with_links(entries: &[(&str, &[u8])], links: &[(&str, &str)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        if name.ends_with('/') {
            writer.add_directory(*name, options).expect("zip in memory");
        } else {
            writer.start_file(*name, options).expect("zip in memory");
            writer.write_all(data).expect("zip in memory");
        }
    }
    for (name, target) in links {
        writer
            .add_symlink(*name, *target, options)
            .expect("zip in memory");
    }
    writer.finish().expect("zip in memory").into_inner()
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn pad4(out: &mut Vec<u8>) {
    while out.len() % 4 != 0 {
        out.push(0);
    }
}

/// One xz stream, one block, no integrity check, LZMA2 stored chunks.
pub(crate) fn xz(data: &[u8]) -> Vec<u8> {
    let flags = [0u8, 0u8];
    let mut out = vec![0xFD, b'7', b'z', b'X', b'Z', 0];
    out.extend_from_slice(&flags);
    out.extend_from_slice(&crc32(&flags).to_le_bytes());

    // Header size 12 bytes, one filter: LZMA2 (0x21) with a 1 MiB dictionary (0x10).
    let mut block_header = vec![0x02, 0x00, 0x21, 0x01, 0x10, 0, 0, 0];
    let header_crc = crc32(&block_header);
    block_header.extend_from_slice(&header_crc.to_le_bytes());
    let mut body = Vec::new();
    for (i, chunk) in data.chunks(1 << 16).enumerate() {
        body.push(if i == 0 { 0x01 } else { 0x02 });
        body.extend_from_slice(&((chunk.len() - 1) as u16).to_be_bytes());
        body.extend_from_slice(chunk);
    }
    body.push(0x00);
    let unpadded = block_header.len() + body.len();
    out.extend_from_slice(&block_header);
    out.extend_from_slice(&body);
    pad4(&mut out);

    let mut index = vec![0x00];
    varint(&mut index, 1);
    varint(&mut index, unpadded as u64);
    varint(&mut index, data.len() as u64);
    pad4(&mut index);
    let index_crc = crc32(&index);
    index.extend_from_slice(&index_crc.to_le_bytes());
    let backward = (index.len() / 4 - 1) as u32;
    out.extend_from_slice(&index);

    let mut footer = backward.to_le_bytes().to_vec();
    footer.extend_from_slice(&flags);
    out.extend_from_slice(&crc32(&footer).to_le_bytes());
    out.extend_from_slice(&footer);
    out.extend_from_slice(b"YZ");
    out
}

#[test]
fn stored_xz_stream_decodes() {
    use std::io::Read;
    let text: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let mut out = Vec::new();
    lzma_rust2::XzReader::new(&xz(&text)[..], true)
        .read_to_end(&mut out)
        .unwrap();
    assert_eq!(out, text);
}
