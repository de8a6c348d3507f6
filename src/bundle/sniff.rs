//! Container format detection by content. File names in customer uploads lie (`.tar.gz`
//! that is a plain tar, `secure.1` that is gzip), so only the leading bytes decide.

/// How many leading bytes [`sniff`] wants to see to recognise every format.
pub(crate) const HEAD_LEN: usize = 512;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Zip,
    Gzip,
    Xz,
    Tar,
    Plain,
}

impl Format {
    pub(crate) fn is_archive(self) -> bool {
        matches!(self, Format::Zip | Format::Tar)
    }

    pub(crate) fn is_compressed(self) -> bool {
        matches!(self, Format::Gzip | Format::Xz)
    }
}

const XZ_MAGIC: &[u8] = &[0xFD, b'7', b'z', b'X', b'Z', 0x00];

pub(crate) fn sniff(head: &[u8]) -> Format {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Format::Zip
    } else if head.starts_with(&[0x1f, 0x8b]) {
        Format::Gzip
    } else if head.starts_with(XZ_MAGIC) {
        Format::Xz
    } else if is_tar(head) {
        Format::Tar
    } else {
        Format::Plain
    }
}

/// A POSIX/GNU header says `ustar` at offset 257; a pre-POSIX header has no magic, so its
/// checksum has to vouch for it.
pub(crate) fn is_tar(head: &[u8]) -> bool {
    let Some(header) = head.get(..HEAD_LEN) else {
        return false;
    };
    if header[0] == 0 {
        return false;
    }
    header[257..262] == *b"ustar" || checksum_matches(header)
}

fn checksum_matches(header: &[u8]) -> bool {
    let Some(stored) = parse_octal(&header[148..156]) else {
        return false;
    };
    let field = 148..156;
    let unsigned: u64 = header
        .iter()
        .enumerate()
        .map(|(i, &b)| if field.contains(&i) { 32 } else { u64::from(b) })
        .sum();
    // Some historic tars summed signed chars.
    let signed: i64 = header
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if field.contains(&i) {
                32
            } else {
                i64::from(b as i8)
            }
        })
        .sum();
    stored == unsigned || i64::try_from(stored).is_ok_and(|s| s == signed)
}

fn parse_octal(field: &[u8]) -> Option<u64> {
    let text = field
        .iter()
        .copied()
        .skip_while(|&b| b == b' ')
        .take_while(|&b| b != 0 && b != b' ');
    let mut value: u64 = 0;
    let mut digits = 0;
    for b in text {
        if !(b'0'..=b'7').contains(&b) {
            return None;
        }
        value = value.checked_mul(8)? + u64::from(b - b'0');
        digits += 1;
    }
    (digits > 0).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn old_style_header(name: &str) -> Vec<u8> {
        let mut h = vec![0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..108].copy_from_slice(b"0000644\0");
        h[124..136].copy_from_slice(b"00000000005\0");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum::<u32>() + 8 * 32;
        let text = format!("{sum:06o}\0 ");
        h[148..156].copy_from_slice(text.as_bytes());
        h
    }

    #[test]
    fn recognises_magic_bytes() {
        assert_eq!(sniff(b"PK\x03\x04rest"), Format::Zip);
        assert_eq!(sniff(b"PK\x05\x06"), Format::Zip);
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Format::Gzip);
        assert_eq!(sniff(&[0xFD, b'7', b'z', b'X', b'Z', 0, 0]), Format::Xz);
        assert_eq!(sniff(b"Nov 23 14:05:01 host sshd[1]: hi\n"), Format::Plain);
    }

    #[test]
    fn old_style_tar_needs_a_valid_checksum() {
        let mut header = old_style_header("etc/hosts");
        assert_eq!(sniff(&header), Format::Tar);
        header[0] = b'x';
        assert_eq!(sniff(&header), Format::Plain);
    }

    #[test]
    fn ustar_magic_is_enough() {
        let mut header = vec![b'a'; 512];
        header[257..263].copy_from_slice(b"ustar\0");
        assert_eq!(sniff(&header), Format::Tar);
        assert_eq!(sniff(&header[..300]), Format::Plain);
    }
}
