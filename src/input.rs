//! Reading the files a user names: regular files only, and only up to a size limit.
//!
//! A scenario file, a partial result or a batch's bookkeeping may come from anywhere.
//! Reading `/dev/zero` or a 20 GB sparse file would take memory until the process is
//! killed, and opening a FIFO would wait forever; so every read goes through
//! [`read_limited`], which refuses anything but a regular file at once and reads no
//! more than the limit.

use std::io::Read as _;
use std::path::Path;

/// The largest scenario file read: 64 MiB (a file of 100,000 buyers is about 15 MiB).
pub const MAX_SCENARIO_BYTES: u64 = 64 << 20;
/// The largest bookkeeping file of a batch read back (`batch-done.json`, `rows.csv`,
/// a case's `summary.json`).
pub const MAX_RESULT_BYTES: u64 = 64 << 20;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not a regular file (a folder, a FIFO, a device, a socket).
    #[error("is {0}, not a regular file; name a file")]
    NotRegular(&'static str),
    /// Larger than the limit.
    #[error(
        "is {} MiB, more than the {} MiB such a file may have; check that this is the \
         right file",
        mib(*size),
        mib(*limit)
    )]
    TooLarge {
        /// The file's size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The operating system's error.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1u64 << 20) as f64)
}

/// What kind of file system object `meta` describes, for a message.
fn kind(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// Opens `path` for reading without waiting on a FIFO that appears there after the
/// check (non-blocking open; regular files read as usual).
fn open(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// The bytes of `path`, which must be a regular file of at most `limit` bytes.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind(&meta)));
    }
    let file = open(path)?;
    // Checked again on the open file: the path may have changed in between.
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind(&meta)));
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            limit,
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

/// The first `n` bytes of `path` (fewer if it is shorter), which must be a regular file.
pub fn read_head(path: &Path, n: usize) -> Result<Vec<u8>, ReadError> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind(&meta)));
    }
    let file = open(path)?;
    let mut bytes = Vec::with_capacity(n);
    file.take(n as u64).read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_limit_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.toml");
        std::fs::write(&file, b"0123456789").unwrap();
        assert_eq!(read_limited(&file, 10).unwrap(), b"0123456789");
        assert!(matches!(
            read_limited(&file, 9),
            Err(ReadError::TooLarge { size: 10, limit: 9 })
        ));
        assert!(matches!(
            read_limited(dir.path(), 10),
            Err(ReadError::NotRegular("a folder"))
        ));
        #[cfg(target_os = "linux")]
        {
            assert!(matches!(
                read_limited(Path::new("/dev/zero"), 10),
                Err(ReadError::NotRegular("a device"))
            ));
            // A sparse file: its size is refused before a byte is read.
            let sparse = std::fs::File::create(dir.path().join("sparse")).unwrap();
            sparse.set_len(20 << 30).unwrap();
            assert!(matches!(
                read_limited(&dir.path().join("sparse"), MAX_SCENARIO_BYTES),
                Err(ReadError::TooLarge { .. })
            ));
        }
    }
}
