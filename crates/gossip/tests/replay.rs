//! Replays hellos that were fed to real redis-sentinel 7.0.15 processes
//! (tests/fixtures/replay.txt) through `process_hello` and a small model of the core, and
//! checks the log lines come out exactly as the real processes wrote them.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

use std::net::IpAddr;

use rsentinel_gossip::{
    receive_hello, Level, MasterView, PeerAddr, PeerView, Source, Step, Subject, View,
};

const ID_27651: &str = "d54ba17463ee8fb83937165fc25349cda3945225";
const ID_27652: &str = "4a37fa1dc8983633bd27174e0b31c3cc7e060504";
const ID_27654: &str = "25d04f1826ba644d22a0cb2b762cc830f8ea42a2";
const ID_27655: &str = "0225b2f44b8bf0b3820036813f218da486b5e502";

struct Peer {
    name: String,
    runid: Option<String>,
    addr: PeerAddr,
}

struct Master {
    name: String,
    addr: PeerAddr,
    config_epoch: u64,
    sentinels: Vec<Peer>,
    replicas: Vec<PeerAddr>,
}

/// Just enough of the core to apply steps and render log lines like redis.
struct Model {
    myid: String,
    current_epoch: u64,
    resolve_hostnames: bool,
    announce_hostnames: bool,
    masters: Vec<Master>,
}

fn addr(host: &str, ip: &str, port: u16) -> PeerAddr {
    PeerAddr {
        hostname: host.into(),
        ip: ip.into(),
        port,
    }
}

fn ip_addr(ip: &str, port: u16) -> PeerAddr {
    addr(ip, ip, port)
}

fn level_char(l: Level) -> char {
    match l {
        Level::Notice => '*',
        Level::Warning => '#',
    }
}

impl Model {
    fn new(myid: &str, current_epoch: u64, masters: Vec<Master>) -> Model {
        Model {
            myid: myid.into(),
            current_epoch,
            resolve_hostnames: false,
            announce_hostnames: false,
            masters,
        }
    }

    fn resolve(&self, host: &str) -> Option<String> {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Some(ip.to_string());
        }
        (self.resolve_hostnames && host == "localhost").then(|| "127.0.0.1".to_string())
    }

    fn announced<'a>(&self, a: &'a PeerAddr) -> &'a str {
        if self.announce_hostnames {
            &a.hostname
        } else {
            &a.ip
        }
    }

    fn describe(&self, m: usize, subject: &Subject) -> String {
        let master = &self.masters[m];
        let mdesc = format!(
            "{} {} {}",
            master.name,
            self.announced(&master.addr),
            master.addr.port
        );
        match subject {
            Subject::None => String::new(),
            Subject::Master => format!("master {mdesc}"),
            Subject::Sentinel(name) => match master.sentinels.iter().find(|s| &s.name == name) {
                Some(s) => format!(
                    "sentinel {} {} {} @ {mdesc}",
                    s.name,
                    self.announced(&s.addr),
                    s.addr.port
                ),
                None => panic!("event about unknown sentinel {name}"),
            },
        }
    }

    fn feed(&mut self, payload: &[u8], source: Source) -> Vec<String> {
        let steps = {
            let views: Vec<MasterView<'_>> = self
                .masters
                .iter()
                .map(|m| MasterView {
                    name: &m.name,
                    addr: m.addr.as_addr_ref(),
                    config_epoch: m.config_epoch,
                    sentinels: m
                        .sentinels
                        .iter()
                        .map(|s| PeerView {
                            name: &s.name,
                            runid: s.runid.as_deref(),
                            addr: s.addr.as_addr_ref(),
                        })
                        .collect(),
                })
                .collect();
            let resolve = |h: &str| self.resolve(h);
            let view = View {
                current_epoch: self.current_epoch,
                masters: &views,
                resolve_hostnames: self.resolve_hostnames,
                announce_hostnames: self.announce_hostnames,
                resolve: &resolve,
            };
            receive_hello(payload, source, &self.myid, &view)
        };
        let mut log = Vec::new();
        for step in steps {
            self.apply(step, &mut log);
        }
        log
    }

    fn sentinel_mut(&mut self, m: usize, name: &str) -> &mut Peer {
        match self.masters[m]
            .sentinels
            .iter_mut()
            .find(|s| s.name == name)
        {
            Some(s) => s,
            None => panic!("no sentinel {name}"),
        }
    }

    fn apply(&mut self, step: Step, log: &mut Vec<String>) {
        match step {
            Step::Log { level, text } => log.push(format!("{} {text}", level_char(level))),
            Step::Event(e) => {
                let prefix = self.describe(e.master, &e.subject);
                log.push(format!(
                    "{} {} {}",
                    level_char(e.level),
                    e.kind,
                    e.message(&prefix)
                ));
            }
            Step::RemoveSentinel { master, name } => {
                self.masters[master].sentinels.retain(|s| s.name != name)
            }
            Step::AddSentinel {
                master,
                runid,
                addr,
            } => self.masters[master].sentinels.push(Peer {
                name: runid.clone(),
                runid: Some(runid),
                addr,
            }),
            Step::CloseSentinelLink { master, name } => {
                self.sentinel_mut(master, &name);
            }
            Step::SetSentinelAddr { master, name, addr } => {
                self.sentinel_mut(master, &name).addr = addr
            }
            Step::FlushConfig => log.push("* Sentinel new configuration saved on disk".into()),
            Step::SaveConfigQuietly => {}
            Step::SetCurrentEpoch(e) => self.current_epoch = e,
            Step::SetMasterConfigEpoch { master, epoch } => {
                self.masters[master].config_epoch = epoch
            }
            Step::SwitchMasterAddress { master, addr } => {
                let same = |a: &PeerAddr, b: &PeerAddr| a.as_addr_ref().same_as(b.as_addr_ref());
                let mm = &mut self.masters[master];
                let mut replicas: Vec<PeerAddr> = std::mem::take(&mut mm.replicas)
                    .into_iter()
                    .filter(|r| !same(r, &addr))
                    .collect();
                if !same(&addr, &mm.addr) {
                    replicas.push(mm.addr.clone());
                }
                mm.addr = addr;
                for r in &replicas {
                    let host = self.announced(r);
                    let desc = self.describe(master, &Subject::Master);
                    let at = desc.trim_start_matches("master ");
                    log.push(format!(
                        "* +slave slave {host}:{} {host} {} @ {at}",
                        r.port, r.port
                    ));
                }
                self.masters[master].replicas = replicas;
                log.push("* Sentinel new configuration saved on disk".into());
            }
            Step::ClientReconfigScript { .. } => {}
            Step::HelloReceived { master, name } => {
                self.sentinel_mut(master, &name);
            }
        }
    }
}

fn master(name: &str, a: PeerAddr, config_epoch: u64, sentinels: Vec<Peer>) -> Master {
    Master {
        name: name.into(),
        addr: a,
        config_epoch,
        sentinels,
        replicas: Vec::new(),
    }
}

fn peer(runid: &str, a: PeerAddr) -> Peer {
    Peer {
        name: runid.into(),
        runid: Some(runid.into()),
        addr: a,
    }
}

/// The state each real process was in when the scenario's first hello arrived.
fn initial(scenario: &str) -> Model {
    match scenario {
        "sentinel-27651" => {
            let mut m = master(
                "mymaster",
                ip_addr("127.0.0.1", 27653),
                1,
                vec![peer(ID_27652, ip_addr("127.0.0.1", 27652))],
            );
            m.replicas.push(ip_addr("127.0.0.1", 27650));
            Model::new(ID_27651, 1, vec![m])
        }
        "sentinel-27652" => {
            let mut m = master(
                "mymaster",
                ip_addr("127.0.0.1", 27650),
                0,
                vec![peer(ID_27651, ip_addr("127.0.0.1", 27651))],
            );
            m.replicas.push(ip_addr("127.0.0.1", 27653));
            Model::new(ID_27652, 0, vec![m])
        }
        "sentinel-27654" => {
            let mut m = master("mymaster", addr("localhost", "127.0.0.1", 27653), 0, vec![]);
            m.replicas.push(ip_addr("127.0.0.1", 27650));
            let mut model = Model::new(ID_27654, 0, vec![m]);
            model.resolve_hostnames = true;
            model.announce_hostnames = true;
            model
        }
        "sentinel-27655" => {
            let mut m = master("mymaster", ip_addr("127.0.0.1", 27653), 0, vec![]);
            m.replicas.push(ip_addr("127.0.0.1", 27650));
            Model::new(ID_27655, 0, vec![m])
        }
        other => panic!("unknown scenario {other}"),
    }
}

/// True when the payload has 8 fields and its run id is not a real one.
fn bad_runid(payload: &str) -> bool {
    let fields: Vec<&str> = payload.split(',').collect();
    // A field is a C string: it ends at a NUL (written `\0` in the fixture).
    let runid = fields.get(2).and_then(|f| f.split("\\0").next());
    fields.len() == 8 && !runid.is_some_and(rsentinel_gossip::hello::is_run_id)
}

fn unescape(s: &str) -> Vec<u8> {
    s.replace("\\0", "\0").into_bytes()
}

/// Check what the model logged for the last input against the fixture's lines.
fn finish(scenario: &str, current: Option<(String, Vec<String>)>, want: &mut Vec<String>) {
    match current {
        // rsentinel's deliberate difference: a hello whose run id is not 40 hex digits
        // is dropped (redis takes it and writes it into the config file).
        Some((input, got)) if bad_runid(&input) => {
            assert!(
                got.is_empty(),
                "scenario {scenario}, after input {input:?}: {got:?}"
            )
        }
        Some((input, got)) => assert_eq!(&got, want, "scenario {scenario}, after input {input:?}"),
        None => assert!(want.is_empty(), "expected lines without an input: {want:?}"),
    }
    want.clear();
}

#[test]
fn real_sentinel_logs_replay_exactly() {
    let text = include_str!("fixtures/replay.txt");
    let mut scenario = String::new();
    let mut model: Option<Model> = None;
    let mut current: Option<(String, Vec<String>)> = None;
    let mut want: Vec<String> = Vec::new();
    let mut inputs = 0;
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(exp) = line.strip_prefix("< ") {
            want.push(exp.to_string());
            continue;
        }
        finish(&scenario, current.take(), &mut want);
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            scenario = name.to_string();
            model = Some(initial(name));
            continue;
        }
        let Some(m) = model.as_mut() else {
            panic!("input before any scenario: {line}");
        };
        if let Some(p) = line.strip_prefix("> ") {
            current = Some((p.to_string(), m.feed(&unescape(p), Source::Publish)));
        } else if let Some(p) = line.strip_prefix("~ ") {
            current = Some((p.to_string(), m.feed(&unescape(p), Source::PubSub)));
        } else if let Some(rest) = line.strip_prefix("! monitor ") {
            let parts: Vec<&str> = rest.split(' ').collect();
            let [name, ip, port] = parts[..] else {
                panic!("bad monitor line {line}");
            };
            let port = port.parse().unwrap_or_else(|e| panic!("{e}"));
            m.masters.push(master(name, ip_addr(ip, port), 0, vec![]));
            continue;
        } else {
            panic!("unknown fixture line {line}");
        }
        inputs += 1;
    }
    finish(&scenario, current.take(), &mut want);
    assert_eq!(inputs, 43, "fixture inputs");
}
