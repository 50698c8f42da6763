//! The server's TLS session cache, sized and timed by `tls-session-cache-size` and
//! `tls-session-cache-timeout` as OpenSSL's is (size 0 means no limit on the count;
//! sessions older than the timeout are never resumed and are dropped).

use rustls::server::StoresServerSessions;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct SessionCache {
    size: usize,
    timeout: Duration,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<Vec<u8>, (Instant, Vec<u8>)>,
    /// Keys in insertion order, oldest first (a key put again appears twice; the
    /// stale entry is skipped when it comes up).
    order: VecDeque<(Instant, Vec<u8>)>,
}

impl SessionCache {
    pub fn new(size: u32, timeout_secs: u32) -> SessionCache {
        SessionCache {
            size: size as usize,
            timeout: Duration::from_secs(u64::from(timeout_secs)),
            inner: Mutex::new(Inner::default()),
        }
    }

    fn fresh(&self, born: Instant, now: Instant) -> bool {
        now.duration_since(born) < self.timeout
    }
}

impl Inner {
    /// Drops the oldest entry (if it is still current for its key).
    fn pop_oldest(&mut self) {
        if let Some((born, key)) = self.order.pop_front() {
            if self.map.get(&key).is_some_and(|(b, _)| *b == born) {
                self.map.remove(&key);
            }
        }
    }
}

impl StoresServerSessions for SessionCache {
    fn put(&self, key: Vec<u8>, value: Vec<u8>) -> bool {
        let Ok(mut inner) = self.inner.lock() else {
            return false;
        };
        let now = Instant::now();
        while inner
            .order
            .front()
            .is_some_and(|(born, _)| !self.fresh(*born, now))
        {
            inner.pop_oldest();
        }
        while self.size > 0 && inner.map.len() >= self.size && !inner.order.is_empty() {
            inner.pop_oldest();
        }
        inner.order.push_back((now, key.clone()));
        inner.map.insert(key, (now, value));
        true
    }

    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        let inner = self.inner.lock().ok()?;
        let (born, value) = inner.map.get(key)?;
        self.fresh(*born, Instant::now()).then(|| value.clone())
    }

    fn take(&self, key: &[u8]) -> Option<Vec<u8>> {
        let mut inner = self.inner.lock().ok()?;
        let (born, value) = inner.map.remove(key)?;
        self.fresh(born, Instant::now()).then_some(value)
    }

    fn can_cache(&self) -> bool {
        !self.timeout.is_zero()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_by_size_oldest_out() {
        let c = SessionCache::new(2, 300);
        assert!(c.put(b"a".to_vec(), b"1".to_vec()));
        assert!(c.put(b"b".to_vec(), b"2".to_vec()));
        assert!(c.put(b"c".to_vec(), b"3".to_vec()));
        assert_eq!(c.get(b"a"), None);
        assert_eq!(c.get(b"b"), Some(b"2".to_vec()));
        assert_eq!(c.take(b"c"), Some(b"3".to_vec()));
        assert_eq!(c.get(b"c"), None);
    }

    #[test]
    fn timeout_zero_never_resumes() {
        let c = SessionCache::new(0, 0);
        assert!(!c.can_cache());
        c.put(b"a".to_vec(), b"1".to_vec());
        assert_eq!(c.get(b"a"), None);
    }

    #[test]
    fn unlimited_count_when_size_zero() {
        let c = SessionCache::new(0, 300);
        for i in 0..100u32 {
            c.put(i.to_be_bytes().to_vec(), vec![1]);
        }
        assert_eq!(c.get(&0u32.to_be_bytes()), Some(vec![1]));
    }
}
