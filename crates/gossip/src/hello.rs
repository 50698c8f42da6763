//! The hello message Sentinels exchange on `__sentinel__:hello` (via PUBLISH on masters
//! and replicas, and through the fake PUBLISH of other Sentinels):
//! `ip,port,runid,current_epoch,master_name,master_ip,master_port,master_config_epoch`.
//!
//! Both directions follow redis 7.0.15 byte for byte, since a mixed cluster of redis and
//! rsentinel Sentinels must read each other: encoding is `snprintf` into a 1070-byte
//! buffer (longer payloads are cut), parsing splits on every comma, wants exactly 8
//! fields, reads each field as a C string (up to its first NUL) and converts numbers
//! with `atoi`/`strtoull`, which never fail.

use std::borrow::Cow;
use std::fmt;

use crate::c_numbers::{atoi, strtoull};

/// The Pub/Sub channel hellos travel on (`SENTINEL_HELLO_CHANNEL`); also the only channel
/// a Sentinel's own PUBLISH accepts.
pub const HELLO_CHANNEL: &str = "__sentinel__:hello";

/// Longest payload redis sends: `snprintf` into `char[NET_IP_STR_LEN+1024]` keeps 1069
/// bytes plus the NUL, so a very long master name or announce-ip is cut there.
pub const HELLO_MAX_LEN: usize = 46 + 1024 - 1;

/// How many comma-separated fields a hello has.
pub const HELLO_FIELDS: usize = 8;

/// One hello, as the receiving redis reads it. Ports are `int` as `atoi` returns them (a
/// garbage port is 0, an overflowing one wraps), so the caller applies redis' own range
/// checks later, where redis applies them; the address strings are kept raw because
/// events print them as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    /// The sender's announced IP (or hostname, if its announce-ip is one).
    pub ip: String,
    /// The sender's announced port (`atoi` of the field).
    pub port: i32,
    /// The sender's run id.
    pub runid: String,
    /// The sender's current epoch.
    pub current_epoch: u64,
    /// Which master this hello is about (our table key).
    pub master_name: String,
    /// The master address the sender believes current (its announced form).
    pub master_ip: String,
    /// The master port the sender believes current (`atoi` of the field).
    pub master_port: i32,
    /// The epoch of the sender's configuration for this master.
    pub master_config_epoch: u64,
}

/// Why a payload is not a hello; redis silently drops such messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// The payload does not split into exactly 8 comma-separated fields (redis'
    /// `sdssplitlen` gives 0 fields for an empty payload).
    FieldCount(usize),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::FieldCount(n) => {
                write!(f, "hello has {n} fields, expected {HELLO_FIELDS}")
            }
        }
    }
}

impl std::error::Error for ParseError {}

/// A field as C code sees it: up to the first NUL (redis uses the split tokens as C
/// strings, so `mymaster\0junk` names `mymaster`).
fn c_str(field: &[u8]) -> &[u8] {
    match field.iter().position(|b| *b == 0) {
        Some(nul) => &field[..nul],
        None => field,
    }
}

/// A hello borrowed from its payload: what [`Hello::parse`] reads, without copying the
/// text fields when they are valid UTF-8 (every hello every Sentinel receives goes
/// through here, most of them repeats of one another).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HelloRef<'a> {
    /// See [`Hello::ip`].
    pub ip: Cow<'a, str>,
    /// See [`Hello::port`].
    pub port: i32,
    /// See [`Hello::runid`].
    pub runid: Cow<'a, str>,
    /// See [`Hello::current_epoch`].
    pub current_epoch: u64,
    /// See [`Hello::master_name`].
    pub master_name: Cow<'a, str>,
    /// See [`Hello::master_ip`].
    pub master_ip: Cow<'a, str>,
    /// See [`Hello::master_port`].
    pub master_port: i32,
    /// See [`Hello::master_config_epoch`].
    pub master_config_epoch: u64,
}

impl<'a> HelloRef<'a> {
    /// [`Hello::parse`], borrowing.
    pub fn parse(payload: &'a [u8]) -> Result<HelloRef<'a>, ParseError> {
        if payload.is_empty() {
            return Err(ParseError::FieldCount(0));
        }
        let mut fields: [&[u8]; HELLO_FIELDS] = [&[]; HELLO_FIELDS];
        let mut count = 0usize;
        for field in payload.split(|b| *b == b',') {
            if let Some(slot) = fields.get_mut(count) {
                *slot = field;
            }
            count += 1;
        }
        if count != HELLO_FIELDS {
            return Err(ParseError::FieldCount(count));
        }
        let [ip, port, runid, epoch, name, master_ip, master_port, config_epoch] = fields;
        // Bytes that are not UTF-8 become U+FFFD because the core keys its tables by
        // `String` (such names match nothing redis-compatible anyway).
        let text = |f: &'a [u8]| String::from_utf8_lossy(c_str(f));
        Ok(HelloRef {
            ip: text(ip),
            port: atoi(port),
            runid: text(runid),
            current_epoch: strtoull(epoch),
            master_name: text(name),
            master_ip: text(master_ip),
            master_port: atoi(master_port),
            master_config_epoch: strtoull(config_epoch),
        })
    }
}

impl Hello {
    /// The same hello, borrowed.
    pub fn as_ref(&self) -> HelloRef<'_> {
        HelloRef {
            ip: Cow::Borrowed(&self.ip),
            port: self.port,
            runid: Cow::Borrowed(&self.runid),
            current_epoch: self.current_epoch,
            master_name: Cow::Borrowed(&self.master_name),
            master_ip: Cow::Borrowed(&self.master_ip),
            master_port: self.master_port,
            master_config_epoch: self.master_config_epoch,
        }
    }
}

/// True for a run id as redis makes them: exactly 40 hexadecimal digits.
pub fn is_run_id(id: &str) -> bool {
    id.len() == 40 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Hello {
    /// Read a payload the way `sentinelProcessHelloMessage` does. Only the field count can
    /// fail; numbers are read with `atoi`/`strtoull` semantics. Never panics.
    pub fn parse(payload: &[u8]) -> Result<Hello, ParseError> {
        let h = HelloRef::parse(payload)?;
        Ok(Hello {
            ip: h.ip.into_owned(),
            port: h.port,
            runid: h.runid.into_owned(),
            current_epoch: h.current_epoch,
            master_name: h.master_name.into_owned(),
            master_ip: h.master_ip.into_owned(),
            master_port: h.master_port,
            master_config_epoch: h.master_config_epoch,
        })
    }

    /// The payload redis' `sentinelSendHello` would publish for these values: `%s,%d,...`
    /// with strings cut at a NUL (C `%s`) and the whole cut at [`HELLO_MAX_LEN`] bytes.
    pub fn encode(&self) -> Vec<u8> {
        self.encode_with_ip(self.ip.as_bytes())
    }

    /// [`Hello::encode`] with `ip` in place of `self.ip`, taken as bytes: an announce-ip
    /// is sent as configured even when it is not UTF-8 (cut at a NUL, as C's `%s`).
    /// Written straight into one buffer: every Sentinel sends one per instance every
    /// publish period.
    pub fn encode_with_ip(&self, ip: &[u8]) -> Vec<u8> {
        self.as_ref().encode_with_ip(ip)
    }
}

/// A number as C's `%d`/`%llu` print it, appended without the formatting machinery.
fn push_num(out: &mut Vec<u8>, v: i128) {
    if v < 0 {
        out.push(b'-');
    }
    let mut digits = [0u8; 40];
    let mut n = v.unsigned_abs();
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

impl HelloRef<'_> {
    /// [`Hello::encode_with_ip`] on borrowed fields: the core sends one per instance
    /// every publish period, without copying its names into a [`Hello`] first.
    pub fn encode_with_ip(&self, ip: &[u8]) -> Vec<u8> {
        let strings = [ip, self.runid.as_bytes(), self.master_name.as_bytes()];
        let len = strings.iter().map(|f| f.len()).sum::<usize>() + self.master_ip.len() + 64;
        let mut out = Vec::with_capacity(len.min(HELLO_MAX_LEN));
        out.extend_from_slice(c_str(ip));
        out.push(b',');
        push_num(&mut out, i128::from(self.port));
        out.push(b',');
        out.extend_from_slice(c_str(self.runid.as_bytes()));
        out.push(b',');
        push_num(&mut out, i128::from(self.current_epoch));
        out.push(b',');
        out.extend_from_slice(c_str(self.master_name.as_bytes()));
        out.push(b',');
        out.extend_from_slice(c_str(self.master_ip.as_bytes()));
        out.push(b',');
        push_num(&mut out, i128::from(self.master_port));
        out.push(b',');
        push_num(&mut out, i128::from(self.master_config_epoch));
        out.truncate(HELLO_MAX_LEN);
        out
    }
}

/// The IP a Sentinel advertises in its hellos: `announce-ip` when set (even empty, as
/// after `SENTINEL CONFIG SET announce-ip ""`), else the local address of the command
/// connection the hello goes out on (`getsockname`, unbracketed). `None` when neither is
/// known: redis then sends no hello on that link.
pub fn hello_ip<'a>(announce_ip: Option<&'a str>, local_ip: Option<&'a str>) -> Option<&'a str> {
    announce_ip.or(local_ip)
}

/// The port a Sentinel advertises: `announce-port` when not 0, else the TLS port when
/// replication runs over TLS (`tls_replication_port`), else the listening port.
pub fn hello_port(announce_port: u16, tls_replication_port: Option<u16>, port: u16) -> u16 {
    if announce_port != 0 {
        announce_port
    } else {
        match tls_replication_port {
            Some(p) if p != 0 => p,
            _ => port,
        }
    }
}

/// The hello redis' pub/sub callback drops before parsing because it is our own echo:
/// `strstr(payload, myid)`, i.e. our run id appears anywhere before the first NUL (in any
/// field). Only hellos read from a master's or replica's pub/sub link get this check; the
/// Sentinel PUBLISH command processes every payload, our own run id included.
pub fn mentions_runid(payload: &[u8], myid: &str) -> bool {
    let hay = c_str(payload);
    let needle = myid.as_bytes();
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    // Every hello from a master or replica goes through this: look for the first byte,
    // then compare, rather than comparing at every offset.
    hay.iter()
        .enumerate()
        .filter(|(_, b)| **b == first)
        .any(|(i, _)| hay.get(i + 1..i + needle.len()) == Some(rest))
}

/// A pub/sub push the hello callback looks at: kind `message` (compared as a C string);
/// the channel is not checked, redis subscribes to the hello channel only.
pub fn is_message_push(kind: &[u8]) -> bool {
    c_str(kind) == b"message"
}

/// The command that carries a hello: `PUBLISH __sentinel__:hello <payload>`, where
/// `publish` is PUBLISH as renamed for the master (redis maps it with the master's
/// rename-command table for its replicas and its Sentinels too).
pub fn publish_command(publish: &str, payload: Vec<u8>) -> [Vec<u8>; 3] {
    [
        publish.as_bytes().to_vec(),
        HELLO_CHANNEL.as_bytes().to_vec(),
        payload,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The hand-written number formatting prints what `%d`/`%llu` (and Display) print.
        #[test]
        fn numbers_print_as_display(v in proptest::prelude::any::<i64>(), u in proptest::prelude::any::<u64>()) {
            for n in [i128::from(v), i128::from(u), 0, -1, i128::from(i32::MIN), i128::from(u64::MAX)] {
                let mut out = Vec::new();
                push_num(&mut out, n);
                proptest::prop_assert_eq!(out, n.to_string().into_bytes());
            }
        }
    }
    use proptest::prelude::*;

    const ID: &str = "d54ba17463ee8fb83937165fc25349cda3945225";

    fn sample() -> Hello {
        Hello {
            ip: "127.0.0.1".into(),
            port: 26379,
            runid: ID.into(),
            current_epoch: 1,
            master_name: "mymaster".into(),
            master_ip: "127.0.0.1".into(),
            master_port: 6379,
            master_config_epoch: 1,
        }
    }

    #[test]
    fn encodes_like_redis() {
        assert_eq!(
            sample().encode(),
            format!("127.0.0.1,26379,{ID},1,mymaster,127.0.0.1,6379,1").into_bytes()
        );
    }

    #[test]
    fn parses_a_plain_hello() {
        let p = format!("127.0.0.1,26379,{ID},1,mymaster,127.0.0.1,6379,1");
        assert_eq!(Hello::parse(p.as_bytes()), Ok(sample()));
    }

    #[test]
    fn field_count_must_be_eight() {
        let cases: &[(&str, usize)] = &[
            ("", 0),
            (",", 2),
            ("a,b,c,d,e,f,g", 7),
            ("a,b,c,d,e,f,g,h,i", 9),
            ("127.0.0.1,1,x,1,m,127.0.0.1,2,3,", 9),
        ];
        for (p, n) in cases {
            assert_eq!(
                Hello::parse(p.as_bytes()),
                Err(ParseError::FieldCount(*n)),
                "{p:?}"
            );
        }
        assert!(Hello::parse(b",,,,,,,").is_ok());
    }

    #[test]
    fn garbage_numbers_read_as_redis_reads_them() {
        let h = Hello::parse(b"h, 27696xyz,r,7abc,m,mh,99999,-1");
        let Ok(h) = h else {
            panic!("8 fields must parse: {h:?}");
        };
        assert_eq!(h.port, 27696);
        assert_eq!(h.current_epoch, 7);
        assert_eq!(h.master_port, 99999);
        assert_eq!(h.master_config_epoch, u64::MAX);
        let Ok(h) = Hello::parse(b"h,abc,r,,m,mh,4294994994,x") else {
            panic!("8 fields must parse");
        };
        assert_eq!((h.port, h.current_epoch), (0, 0));
        assert_eq!((h.master_port, h.master_config_epoch), (27698, 0));
    }

    #[test]
    fn fields_stop_at_nul() {
        let Ok(h) = Hello::parse(b"1.2.3.4,1,run\0id,1,mymaster\0zzz,5.6.7.8,2,3") else {
            panic!("8 fields must parse");
        };
        assert_eq!(h.runid, "run");
        assert_eq!(h.master_name, "mymaster");
    }

    #[test]
    fn long_payloads_are_cut_like_snprintf() {
        let mut h = sample();
        h.master_name = "a".repeat(1100);
        let p = h.encode();
        assert_eq!(p.len(), HELLO_MAX_LEN);
        assert_eq!(Hello::parse(&p), Err(ParseError::FieldCount(5)));
    }

    #[test]
    fn own_hello_detection_is_a_substring_search() {
        let p = format!("127.0.0.1,26379,{ID},1,mymaster,127.0.0.1,6379,1");
        assert!(mentions_runid(p.as_bytes(), ID));
        let p = format!("127.0.0.1,26379,{ID}x,1,mymaster,127.0.0.1,6379,1");
        assert!(mentions_runid(p.as_bytes(), ID));
        let p = format!("127.0.0.1,26379,x,1,{ID},127.0.0.1,6379,1");
        assert!(mentions_runid(p.as_bytes(), ID));
        let p = format!("127.0.0.1,26379,\0{ID},1,m,127.0.0.1,6379,1");
        assert!(!mentions_runid(p.as_bytes(), ID));
        assert!(!mentions_runid(b"short", ID));
    }

    #[test]
    fn announce_rules() {
        assert_eq!(
            hello_ip(Some("10.0.0.1"), Some("127.0.0.1")),
            Some("10.0.0.1")
        );
        assert_eq!(hello_ip(Some(""), Some("127.0.0.1")), Some(""));
        assert_eq!(hello_ip(None, Some("::1")), Some("::1"));
        assert_eq!(hello_ip(None, None), None);
        assert_eq!(hello_port(5000, Some(6000), 26379), 5000);
        assert_eq!(hello_port(0, Some(6000), 26379), 6000);
        assert_eq!(hello_port(0, Some(0), 26379), 26379);
        assert_eq!(hello_port(0, None, 26379), 26379);
    }

    #[test]
    fn push_kind_and_command() {
        assert!(is_message_push(b"message"));
        assert!(!is_message_push(b"pmessage"));
        assert!(!is_message_push(b"subscribe"));
        let [cmd, chan, payload] = publish_command("MYPUB", b"x".to_vec());
        assert_eq!(
            (cmd.as_slice(), chan.as_slice(), payload.as_slice()),
            (&b"MYPUB"[..], &b"__sentinel__:hello"[..], &b"x"[..])
        );
    }

    fn field() -> impl Strategy<Value = String> {
        "[^,\u{0}]{0,20}"
    }

    proptest! {
        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = Hello::parse(&bytes);
            let _ = mentions_runid(&bytes, ID);
        }

        #[test]
        fn parse_never_panics_on_hello_shaped_input(
            parts in proptest::collection::vec("[0-9a-z+\\- .,:\u{0}]{0,12}", 0..12)
        ) {
            let p = parts.join(",");
            match Hello::parse(p.as_bytes()) {
                Ok(_) => prop_assert_eq!(p.split(',').count(), HELLO_FIELDS),
                Err(ParseError::FieldCount(n)) => prop_assert_ne!(n, HELLO_FIELDS),
            }
        }

        #[test]
        fn encode_then_parse_round_trips(
            ip in field(), port in any::<i32>(), runid in field(), epoch in any::<u64>(),
            name in field(), mip in field(), mport in any::<i32>(), cepoch in any::<u64>(),
        ) {
            let h = Hello {
                ip, port, runid, current_epoch: epoch, master_name: name,
                master_ip: mip, master_port: mport, master_config_epoch: cepoch,
            };
            let p = h.encode();
            prop_assert!(p.len() <= HELLO_MAX_LEN);
            prop_assert_eq!(Hello::parse(&p), Ok(h));
        }

        /// The one-buffer encoder writes what C's `snprintf("%s,%d,%s,%llu,%s,%s,%d,%llu")`
        /// writes (strings cut at a NUL, the whole cut at the buffer), here spelled with
        /// `format!` as the reference.
        #[test]
        fn encode_matches_snprintf(
            ip in proptest::collection::vec(any::<u8>(), 0..40),
            port in any::<i32>(), runid in "[^,]{0,45}", epoch in any::<u64>(),
            name in "[^,]{0,1100}", mip in "[^,]{0,30}", mport in any::<i32>(),
            cepoch in any::<u64>(),
        ) {
            let cut = |s: &str| s.split('\u{0}').next().unwrap_or_default().to_string();
            let h = Hello {
                ip: String::new(), port, runid: runid.clone(), current_epoch: epoch,
                master_name: name.clone(), master_ip: mip.clone(), master_port: mport,
                master_config_epoch: cepoch,
            };
            let mut want = c_str(&ip).to_vec();
            want.extend_from_slice(format!(
                ",{port},{},{epoch},{},{},{mport},{cepoch}", cut(&runid), cut(&name), cut(&mip)
            ).as_bytes());
            want.truncate(HELLO_MAX_LEN);
            prop_assert_eq!(h.encode_with_ip(&ip), want);
        }

        /// The first-byte search finds exactly what a search at every offset finds.
        #[test]
        fn mentions_runid_matches_a_plain_search(
            hay in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(0u8)], 0..60),
            needle in "[ab]{0,4}",
        ) {
            let c = c_str(&hay);
            let n = needle.as_bytes();
            let want = n.is_empty() || c.windows(n.len()).any(|w| w == n);
            prop_assert_eq!(mentions_runid(&hay, &needle), want);
        }
    }
}
