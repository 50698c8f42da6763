//! Replies nobody asked for: the connection is dropped (as hiredis does), so a hostile
//! instance cannot push an endless stream of replies into the core.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a panic is a failed test

mod common;

use common::*;
use rsentinel_core::Output;
use rsentinel_resp::Frame;

#[test]
fn a_reply_beyond_the_pending_commands_drops_the_connection() {
    let mut s = sentinel();
    s.tick(T0 + 1_000);
    let out = drain(&mut s);
    let conn = out
        .iter()
        .find_map(|o| match o {
            Output::Connect { conn, .. } => Some(*conn),
            _ => None,
        })
        .expect("the master's command connection is opened");
    s.conn_up(conn, "127.0.0.1");
    let asked = out
        .iter()
        .filter(|o| matches!(o, Output::Send { conn: c, .. } if *c == conn))
        .count();
    assert!(asked > 0);
    for _ in 0..asked {
        s.conn_frame(conn, Frame::ok(), T0 + 1_010);
    }
    assert!(!drain(&mut s).contains(&Output::Close(conn)));
    s.conn_frame(conn, Frame::ok(), T0 + 1_020);
    assert!(drain(&mut s).contains(&Output::Close(conn)));
}
