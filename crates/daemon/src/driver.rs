//! The monitoring driver: runs the core's timer on time and carries what instance links
//! report back into the core. Like every other task it borrows the shared state only
//! between awaits, so commands and monitoring interleave as in redis' event loop.

use crate::link_events::EventReceiver;
use crate::links::LinkEvent;
use crate::scripts::Ended;
use crate::state::Daemon;
use rsentinel_core::ConnId;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedReceiver;

/// Runs until the process stops.
pub async fn run(daemon: Rc<RefCell<Daemon>>, mut events: EventReceiver) {
    let mut scripts = daemon.borrow_mut().scripts.take_receiver();
    let wake = daemon.borrow().wake.timer();
    // The timer is scheduled on the monotonic clock, as redis does; the core reads the
    // wall clock, so a clock jump either way shows up as a TILT-triggering gap instead of
    // silently stretching the sleep.
    let mut next = Instant::now();
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(next.into()) => {
                let mut d = daemon.borrow_mut();
                let now = Daemon::now_ms();
                d.sentinel.tick(now);
                d.after_command();
                let delay = d.sentinel.next_tick().saturating_sub(now);
                next = Instant::now() + Duration::from_millis(delay);
            }
            _ = wake.notified() => {
                let d = daemon.borrow();
                let delay = d.sentinel.next_tick().saturating_sub(Daemon::now_ms());
                next = next.min(Instant::now() + Duration::from_millis(delay));
            }
            Some((id, outcome)) = script_ended(&mut scripts) => {
                let mut d = daemon.borrow_mut();
                d.scripts.ended(id);
                d.sentinel.script_done(id, outcome, Daemon::now_ms());
                d.after_command();
            }
            ev = events.recv() => {
                let Some(ev) = ev else { return };
                let handled = daemon.borrow_mut().link_events(ev, &mut events, &mut next);
                // The queue is always ready while it holds events: after a full batch
                // the other tasks get their turn before the next one.
                if handled == EVENT_BATCH {
                    tokio::task::yield_now().await;
                }
            }
        }
    }
}

/// Link events handled in one turn of the driver at most, so that client commands and
/// the timer still run between the turns of a very long burst.
const EVENT_BATCH: usize = 4096;

impl Daemon {
    /// Carries `first` and whatever else the links already reported (up to
    /// [`EVENT_BATCH`] in all) into the core, in one turn: the outputs of all of it are
    /// carried out once, so a burst of INFO replies that each discovered a replica
    /// rewrites the config once, not per reply. Returns how many were handled.
    fn link_events(
        &mut self,
        first: LinkEvent,
        events: &mut EventReceiver,
        next: &mut Instant,
    ) -> usize {
        let now = Daemon::now_ms();
        self.link_event(first, now);
        let mut handled = 1;
        while handled < EVENT_BATCH {
            match events.try_recv() {
                Some(ev) => self.link_event(ev, now),
                None => break,
            }
            handled += 1;
        }
        self.after_command();
        // A reply or a lost link may move the next timer run earlier (fast failover's
        // deadlines); never later than already planned.
        let delay = self.sentinel.next_tick().saturating_sub(now);
        *next = (*next).min(Instant::now() + Duration::from_millis(delay));
        handled
    }

    /// Carries one link report into the core.
    fn link_event(&mut self, ev: LinkEvent, now: u64) {
        match ev {
            LinkEvent::Connected(id, local_ip) => self.sentinel.conn_up(ConnId(id), &local_ip),
            LinkEvent::Reply(id, frame) => self.sentinel.conn_frame(ConnId(id), frame, now),
            LinkEvent::Refused(id, why) => {
                // What reaches the core is only ever a bounded reply; the peer that broke
                // the bound is named so an operator can find it.
                if let Some(addr) = self.links.addr(ConnId(id)) {
                    self.log
                        .warning(&format!("Closing the link to {addr}: {why}"));
                }
            }
            LinkEvent::Closed(id, _reason) => {
                self.links.ended(ConnId(id));
                self.sentinel.conn_down(ConnId(id));
            }
        }
    }
}

/// The next script ending; never resolves when there is no receiver.
async fn script_ended(rx: &mut Option<UnboundedReceiver<Ended>>) -> Option<Ended> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
