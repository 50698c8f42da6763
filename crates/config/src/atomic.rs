//! Replacing the config file atomically: a crash or a full disk must never leave a
//! truncated sentinel.conf, since it holds the sentinel's identity and epochs.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::rewrite::{render, RewriteEnv};
use crate::settings::Config;

/// Writes `content` to `path` atomically: a temporary file in the same directory is
/// written, synced, given mode 0644 (less the umask), renamed over `path`, and the directory
/// is synced. On any error the old file is untouched and the temporary file is removed.
pub fn write_atomic(path: &Path, content: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let (tmp, mut file) = create_temp(path)?;
    let result = (|| {
        file.write_all(content)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        File::open(&dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Creates `<path>.XXXXXX` exclusively (redis' temp name shape).
fn create_temp(path: &Path) -> io::Result<(PathBuf, File)> {
    let base = path.as_os_str().to_os_string();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
        ^ std::process::id();
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut x = u64::from(seed) | 1;
    for _ in 0..100 {
        let mut name = base.clone();
        name.push(".");
        for _ in 0..6 {
            // xorshift: only uniqueness matters here, not unpredictability.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            name.push(char::from(ALPHABET[(x % ALPHABET.len() as u64) as usize]).to_string());
        }
        let tmp = PathBuf::from(name);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "could not create a unique temporary config file",
    ))
}

/// Rewrites the config file at `path` for `config` (like `CONFIG REWRITE` /
/// `SENTINEL FLUSHCONFIG`): reads the current content (missing file = empty), renders,
/// and replaces the file atomically.
pub fn rewrite_file(path: &Path, config: &Config, env: &RewriteEnv) -> io::Result<()> {
    let old = match fs::read(path) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    write_atomic(path, render(&old, config, env).as_bytes())
}
