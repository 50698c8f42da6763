//! Replacing the config file atomically: a crash or a full disk must never leave a
//! truncated sentinel.conf, since it holds the sentinel's identity and epochs.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::rewrite::{render, RewriteEnv};
use crate::settings::Config;

/// Writes `content` to `path` atomically: a temporary file in the same directory is
/// written, synced, renamed over `path`, and the directory is synced. On any error the old
/// file is untouched and the temporary file is removed.
///
/// The new file keeps the old one's mode, and its owner and group where the process may
/// set them (as root), because the file holds passwords: an operator's 0600 must survive
/// a rewrite (redis-sentinel turns it into 0644). A new file gets 0644 less the umask.
pub fn write_atomic(path: &Path, content: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let old = fs::metadata(path).ok();
    // Created private when there is a mode to copy, so the content is never readable
    // by more than the old file allowed, even for a moment.
    let (tmp, mut file) = create_temp(path, if old.is_some() { 0o600 } else { 0o644 })?;
    let result = (|| {
        if let Some(old) = &old {
            keep_owner_and_mode(&file, old)?;
        }
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

/// Gives `file` the owner, group and permission bits of `old`. Changing the owner needs
/// privileges: without them the group alone is tried (allowed for a group the process
/// belongs to), and what cannot be kept stays the process' own.
fn keep_owner_and_mode(file: &File, old: &fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::{fchown, MetadataExt, PermissionsExt};
    let new = file.metadata()?;
    if (new.uid(), new.gid()) != (old.uid(), old.gid())
        && fchown(file, Some(old.uid()), Some(old.gid())).is_err()
    {
        let _ = fchown(file, None, Some(old.gid()));
    }
    file.set_permissions(fs::Permissions::from_mode(old.mode() & 0o7777))
}

/// What follows the config file's name in a temporary file's name: redis uses
/// `<file>.XXXXXX`, which an operator's `sentinel.conf.backup` also matches, so the
/// leftovers of a rewrite cut short by a crash could not be told apart and removed.
const TEMP_MARK: &str = ".rsentinel-tmp.";

/// Length of the random part of a temporary file's name.
const TEMP_RANDOM_LEN: usize = 6;

/// Creates `<path>.rsentinel-tmp.XXXXXX` exclusively, with `mode` (less the umask).
/// The daemon's file writing: the clock only seeds the name's random part.
#[allow(clippy::disallowed_methods)]
fn create_temp(path: &Path, mode: u32) -> io::Result<(PathBuf, File)> {
    let mut base = path.as_os_str().to_os_string();
    base.push(TEMP_MARK);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
        ^ std::process::id();
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut x = u64::from(seed) | 1;
    for _ in 0..100 {
        let mut name = base.clone();
        for _ in 0..TEMP_RANDOM_LEN {
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
            .mode(mode)
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

/// Removes the temporary files a rewrite of `path` left when the process was killed
/// between creating and renaming them, and returns their names. Only names of the exact
/// shape [`create_temp`] makes are touched.
pub fn remove_stale_temps(path: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(file)) = (path.parent(), path.file_name()) else {
        return Vec::new();
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!("{}{TEMP_MARK}", file.to_string_lossy());
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let shaped =
            rest.len() == TEMP_RANDOM_LEN && rest.bytes().all(|b| b.is_ascii_alphanumeric());
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if shaped && is_file && fs::remove_file(entry.path()).is_ok() {
            removed.push(entry.path());
        }
    }
    removed
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
