//! Where link tasks report to the driver: a queue for one thread, in place of tokio's
//! unbounded channel. Every reply of every instance passes here (about 1800 a second at
//! 500 masters). The channel allocated a block of 32 events (about 2 KB) every 32
//! events, and that size made glibc merge all small chunks freed since each time
//! (`malloc_consolidate`); it also paid atomic operations that one thread does not
//! need. This queue keeps its room between bursts, up to [`KEPT_ROOM`].

use crate::links::LinkEvent;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};

/// Room kept once a burst is drained: a few timer runs' worth of replies at a few
/// hundred masters. A longer burst's room is given back when it has been read.
const KEPT_ROOM: usize = 1024;

#[derive(Default)]
struct Shared {
    queue: RefCell<VecDeque<LinkEvent>>,
    /// The driver, while it waits.
    waker: Cell<Option<Waker>>,
    /// Senders alive; with none, an empty queue stays empty.
    senders: Cell<usize>,
    /// The receiver is gone: nothing sent would be read.
    closed: Cell<bool>,
}

impl Shared {
    fn wake(&self) {
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }
}

/// A new queue: its sending half for the link tasks, its receiving half for the driver.
pub fn channel() -> (EventSender, EventReceiver) {
    let shared = Rc::new(Shared::default());
    shared.senders.set(1);
    (EventSender(shared.clone()), EventReceiver(shared))
}

/// The link tasks' half; cloned for each link.
pub struct EventSender(Rc<Shared>);

impl EventSender {
    /// Queues `ev` for the driver; `Err` gives it back when the driver is gone.
    pub fn send(&self, ev: LinkEvent) -> Result<(), LinkEvent> {
        if self.0.closed.get() {
            return Err(ev);
        }
        self.0.queue.borrow_mut().push_back(ev);
        self.0.wake();
        Ok(())
    }
}

impl Clone for EventSender {
    fn clone(&self) -> Self {
        self.0.senders.set(self.0.senders.get() + 1);
        EventSender(self.0.clone())
    }
}

impl Drop for EventSender {
    fn drop(&mut self) {
        let left = self.0.senders.get().saturating_sub(1);
        self.0.senders.set(left);
        if left == 0 {
            self.0.wake();
        }
    }
}

impl std::fmt::Debug for EventSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventSender")
            .field("queued", &self.0.queue.borrow().len())
            .finish()
    }
}

/// The driver's half.
pub struct EventReceiver(Rc<Shared>);

impl EventReceiver {
    /// The next event, waiting for one; `None` once every sender is gone and the queue
    /// is empty.
    pub async fn recv(&mut self) -> Option<LinkEvent> {
        poll_fn(|cx| match self.try_recv() {
            Some(ev) => Poll::Ready(Some(ev)),
            None if self.0.senders.get() == 0 => Poll::Ready(None),
            None => {
                match self.0.waker.take() {
                    Some(w) if w.will_wake(cx.waker()) => self.0.waker.set(Some(w)),
                    _ => self.0.waker.set(Some(cx.waker().clone())),
                }
                Poll::Pending
            }
        })
        .await
    }

    /// The next event if one is queued.
    pub fn try_recv(&mut self) -> Option<LinkEvent> {
        let mut queue = self.0.queue.borrow_mut();
        let ev = queue.pop_front();
        if ev.is_none() && queue.capacity() > KEPT_ROOM {
            queue.shrink_to(KEPT_ROOM);
        }
        ev
    }
}

impl Drop for EventReceiver {
    /// Nothing queued would be read: the queue, its room and the driver's waker go.
    fn drop(&mut self) {
        self.0.closed.set(true);
        *self.0.queue.borrow_mut() = VecDeque::new();
        drop(self.0.waker.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Wake};

    /// Counts its wakes.
    struct Flag(std::sync::atomic::AtomicUsize);
    impl Wake for Flag {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    fn closed(n: u64) -> LinkEvent {
        LinkEvent::Closed(n, String::new())
    }

    #[test]
    fn events_come_out_in_order_and_wake_the_waiting_driver() {
        let (tx, mut rx) = channel();
        let flag = std::sync::Arc::new(Flag(Default::default()));
        let waker = Waker::from(flag.clone());
        let mut cx = Context::from_waker(&waker);
        {
            let mut fut = pin!(rx.recv());
            assert!(fut.as_mut().poll(&mut cx).is_pending());
            assert!(tx.send(closed(1)).is_ok());
            assert_eq!(flag.0.load(std::sync::atomic::Ordering::SeqCst), 1);
            assert_eq!(fut.as_mut().poll(&mut cx), Poll::Ready(Some(closed(1))));
        }
        let tx2 = tx.clone();
        assert!(tx2.send(closed(2)).is_ok() && tx.send(closed(3)).is_ok());
        assert_eq!(rx.try_recv(), Some(closed(2)));
        assert_eq!(rx.try_recv(), Some(closed(3)));
        assert_eq!(rx.try_recv(), None);
    }

    #[test]
    fn the_last_sender_gone_ends_the_stream_after_what_was_queued() {
        let (tx, mut rx) = channel();
        let tx2 = tx.clone();
        assert!(tx.send(closed(1)).is_ok());
        drop(tx);
        let flag = std::sync::Arc::new(Flag(Default::default()));
        let waker = Waker::from(flag.clone());
        let mut cx = Context::from_waker(&waker);
        {
            let mut fut = pin!(rx.recv());
            assert_eq!(fut.as_mut().poll(&mut cx), Poll::Ready(Some(closed(1))));
        }
        let mut fut = pin!(rx.recv());
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        drop(tx2);
        assert_eq!(flag.0.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(fut.as_mut().poll(&mut cx), Poll::Ready(None));
    }

    #[test]
    fn sending_to_a_dropped_receiver_fails() {
        let (tx, rx) = channel();
        drop(rx);
        assert_eq!(tx.send(closed(7)), Err(closed(7)));
    }

    #[test]
    fn room_of_a_long_burst_is_given_back_once_read() {
        let (tx, mut rx) = channel();
        for n in 0..(KEPT_ROOM as u64 * 4) {
            assert!(tx.send(closed(n)).is_ok());
        }
        while rx.try_recv().is_some() {}
        assert!(rx.0.queue.borrow().capacity() <= KEPT_ROOM);
    }
}
