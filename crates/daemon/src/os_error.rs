//! System call errors as redis prints them.

/// The C library's text for an I/O error ("No such file or directory"), as redis prints
/// it: without the ` (os error N)` Rust appends.
pub(crate) fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
