//! Hello message parser (`Hello::parse`) and its encoder.
//!
//! Properties checked besides "never panics":
//! - a payload fails exactly when it does not have 8 comma-separated fields;
//! - text fields never contain a comma or a NUL (they are cut like C strings);
//! - `parse(encode(parse(x))) == parse(x)` whenever the encoding was not cut at
//!   `HELLO_MAX_LEN` (redis' 1070-byte `snprintf` buffer), and encoding never exceeds it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rsentinel_gossip::hello::HELLO_MAX_LEN;
use rsentinel_gossip::Hello;

fuzz_target!(|data: &[u8]| {
    let fields = data.split(|b| *b == b',').count();
    let parsed = Hello::parse(data);
    assert_eq!(
        parsed.is_ok(),
        !data.is_empty() && fields == 8,
        "{data:?} gave {parsed:?}"
    );
    let Ok(hello) = parsed else {
        return;
    };
    for text in [
        &hello.ip,
        &hello.runid,
        &hello.master_name,
        &hello.master_ip,
    ] {
        assert!(!text.contains([',', '\0']), "field {text:?}");
    }
    let wire = hello.encode();
    assert!(wire.len() <= HELLO_MAX_LEN);
    if wire.len() < HELLO_MAX_LEN {
        let again = Hello::parse(&wire);
        assert_eq!(again.as_ref(), Ok(&hello), "via {wire:?}");
    }
});
