//! A small generational arena: the instance table's storage for masters, and for each
//! master's replicas and Sentinels.
//!
//! Instances used to be addressed by position, so an index kept across a change of the
//! table (a reply arriving after SENTINEL REMOVE, RESET or a failover's switch) could
//! name another instance, and every use had to guard against that. A [`Key`] names one
//! value for its lifetime: a lookup is an index into a slot checked against the slot's
//! generation, so a key kept after its value was removed finds nothing, even once the
//! slot holds a new value.
//!
//! A value lives in its slot, so a lookup costs what indexing a vector does (the timer
//! looks instances up several times per instance per run). Walks follow a separate
//! list of keys in insertion order: the order of `SENTINEL MASTERS`, `REPLICAS`,
//! `SENTINELS`, of the config file and of the simulator's traces is the order
//! instances were added. Removal takes the key out of that list, O(n); it is rare.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

/// Names one value of an [`Arena<T>`] for as long as it is there; typed by `T`, so a
/// master's key cannot be used on a replica list.
pub struct Key<T> {
    slot: u32,
    generation: u32,
    _of: PhantomData<fn() -> T>,
}

// Derives would require `T: Clone` and so on; a key is two integers whatever `T` is.
impl<T> Clone for Key<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Key<T> {}

impl<T> PartialEq for Key<T> {
    fn eq(&self, o: &Self) -> bool {
        (self.slot, self.generation) == (o.slot, o.generation)
    }
}

impl<T> Eq for Key<T> {}

impl<T> Hash for Key<T> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        (self.slot, self.generation).hash(h);
    }
}

impl<T> fmt::Debug for Key<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({}v{})", self.slot, self.generation)
    }
}

/// One slot: the generation of its current (or next) use, its place in the order, and
/// its value while it holds one.
#[derive(Clone, Debug)]
struct Slot<T> {
    generation: u32,
    pos: u32,
    value: Option<T>,
}

/// Values of type `T`, each reachable in constant time by its [`Key`], walked in
/// insertion order.
#[derive(Clone, Debug)]
pub struct Arena<T> {
    slots: Vec<Slot<T>>,
    /// Slots free for reuse.
    free: Vec<u32>,
    /// The keys of the values held, in insertion order.
    order: Vec<Key<T>>,
}

impl<T> Default for Arena<T> {
    fn default() -> Self {
        Arena {
            slots: Vec::new(),
            free: Vec::new(),
            order: Vec::new(),
        }
    }
}

impl<T: PartialEq> PartialEq for Arena<T> {
    /// Same values with the same keys in the same order.
    fn eq(&self, o: &Self) -> bool {
        self.order == o.order && self.values().eq(o.values())
    }
}

impl<T> Arena<T> {
    /// Appends `value`; its key is new (a reused slot has a new generation).
    pub fn insert(&mut self, value: T) -> Key<T> {
        // More than 2^32 values cannot be held in memory anyway.
        let pos = u32::try_from(self.order.len()).unwrap_or(u32::MAX);
        let key = match self.free.pop() {
            Some(slot) => {
                let s = &mut self.slots[slot as usize];
                s.pos = pos;
                s.value = Some(value);
                Key {
                    slot,
                    generation: s.generation,
                    _of: PhantomData,
                }
            }
            None => {
                let slot = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
                // A master's replicas and Sentinels are a handful: the first slots are
                // added one at a time, where a Vec would make room for four at once
                // (1.5 KB for a master with one replica).
                if self.slots.len() == self.slots.capacity() && self.slots.len() < 4 {
                    self.slots.reserve_exact(1);
                }
                self.slots.push(Slot {
                    generation: 0,
                    pos,
                    value: Some(value),
                });
                Key {
                    slot,
                    generation: 0,
                    _of: PhantomData,
                }
            }
        };
        self.order.push(key);
        key
    }

    /// The slot of `key`, if the key is current.
    #[inline]
    fn slot(&self, key: Key<T>) -> Option<&Slot<T>> {
        self.slots
            .get(key.slot as usize)
            .filter(|s| s.generation == key.generation)
    }

    /// Where the value of `key` is in insertion order, if it is still there.
    pub fn position(&self, key: Key<T>) -> Option<usize> {
        let s = self.slot(key)?;
        s.value.as_ref().map(|_| s.pos as usize)
    }

    #[inline]
    pub fn contains(&self, key: Key<T>) -> bool {
        self.get(key).is_some()
    }

    #[inline]
    pub fn get(&self, key: Key<T>) -> Option<&T> {
        self.slot(key)?.value.as_ref()
    }

    #[inline]
    pub fn get_mut(&mut self, key: Key<T>) -> Option<&mut T> {
        self.slots
            .get_mut(key.slot as usize)
            .filter(|s| s.generation == key.generation)?
            .value
            .as_mut()
    }

    /// Takes the value of `key` out; the values after it move up in the order, and the
    /// key (and any copy of it) finds nothing from now on.
    pub fn remove(&mut self, key: Key<T>) -> Option<T> {
        let pos = self.position(key)?;
        self.order.remove(pos);
        for k in &self.order[pos..] {
            self.slots[k.slot as usize].pos -= 1;
        }
        self.release(key)
    }

    /// Empties `key`'s slot and retires the key: a new generation, so old keys miss,
    /// and back on the free list unless the generation would wrap (a retired slot is
    /// never reused: no key, however old, can ever match again).
    fn release(&mut self, key: Key<T>) -> Option<T> {
        let s = &mut self.slots[key.slot as usize];
        let value = s.value.take();
        if let Some(g) = s.generation.checked_add(1) {
            s.generation = g;
            self.free.push(key.slot);
        }
        value
    }

    /// Removes every value for which `keep` is false, keeping the order of the rest.
    pub fn retain(&mut self, mut keep: impl FnMut(Key<T>, &T) -> bool) {
        let gone: Vec<Key<T>> = self
            .iter()
            .filter(|(k, v)| !keep(*k, v))
            .map(|(k, _)| k)
            .collect();
        for k in gone {
            self.remove(k);
        }
    }

    /// Takes every value out, in order; all their keys find nothing from now on.
    /// (Replacing the arena with a new one instead would hand out the old keys again.)
    pub fn drain(&mut self) -> Vec<T> {
        std::mem::take(&mut self.order)
            .into_iter()
            .filter_map(|k| self.release(k))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The key of the value at `pos` in insertion order: for walks that must see the
    /// list as it is at each step, when what the walk does may change it.
    #[inline]
    pub fn key_at(&self, pos: usize) -> Option<Key<T>> {
        // Most arenas never lost a value, and then the value at `pos` is in slot `pos`:
        // its key comes from the slot, which the caller reads next anyway, rather than
        // from the order list. That list is an allocation of its own, cold on each timer
        // run's walk, and reading it was most of the walk's own time at 500 masters.
        if let Some(s) = self.slots.get(pos) {
            if s.pos as usize == pos && s.value.is_some() {
                return Some(Key {
                    slot: s.pos,
                    generation: s.generation,
                    _of: PhantomData,
                });
            }
        }
        self.order.get(pos).copied()
    }

    /// The keys, in insertion order.
    pub fn keys(&self) -> std::iter::Copied<std::slice::Iter<'_, Key<T>>> {
        self.order.iter().copied()
    }

    /// Keys with their values, in insertion order.
    pub fn iter(
        &self,
    ) -> impl DoubleEndedIterator<Item = (Key<T>, &T)> + ExactSizeIterator + Clone {
        self.order.iter().map(move |&k| (k, self.held(k)))
    }

    /// The value of a key of `order`, which always holds one.
    #[inline]
    fn held(&self, k: Key<T>) -> &T {
        match &self.slots[k.slot as usize].value {
            Some(v) => v,
            None => unreachable!("the order lists only slots holding a value"),
        }
    }

    /// The values, in insertion order.
    pub fn values(&self) -> Values<'_, T> {
        Values {
            arena: self,
            keys: self.order.iter(),
        }
    }

    /// Keys with their values to change in place, in insertion order. (Rare: it sorts
    /// the slots into the order first.)
    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = (Key<T>, &mut T)> {
        let mut by_slot: Vec<Option<&mut T>> =
            self.slots.iter_mut().map(|s| s.value.as_mut()).collect();
        let mut in_order = Vec::with_capacity(self.order.len());
        for &k in &self.order {
            if let Some(v) = by_slot.get_mut(k.slot as usize).and_then(Option::take) {
                in_order.push((k, v));
            }
        }
        in_order.into_iter()
    }

    /// The values, in insertion order, to change in place.
    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut T> {
        self.iter_mut().map(|(_, v)| v)
    }

    /// The values to change in place, in no particular order: for changes that do not
    /// depend on each other, without [`Arena::values_mut`]'s two vectors.
    pub fn values_mut_any_order(&mut self) -> impl Iterator<Item = &mut T> {
        self.slots.iter_mut().filter_map(|s| s.value.as_mut())
    }

    /// The key of the first value (in insertion order) for which `pred` holds.
    pub fn find_key(&self, mut pred: impl FnMut(&T) -> bool) -> Option<Key<T>> {
        self.iter().find(|(_, v)| pred(v)).map(|(k, _)| k)
    }
}

/// The values of an arena, in insertion order.
pub struct Values<'a, T> {
    arena: &'a Arena<T>,
    keys: std::slice::Iter<'a, Key<T>>,
}

impl<T> Clone for Values<'_, T> {
    fn clone(&self) -> Self {
        Values {
            arena: self.arena,
            keys: self.keys.clone(),
        }
    }
}

impl<'a, T> Iterator for Values<'a, T> {
    type Item = &'a T;

    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        let k = self.keys.next()?;
        Some(self.arena.held(*k))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.keys.size_hint()
    }
}

impl<T> DoubleEndedIterator for Values<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let k = self.keys.next_back()?;
        Some(self.arena.held(*k))
    }
}

impl<T> ExactSizeIterator for Values<'_, T> {}

/// Walking an arena by reference gives its values in order, as walking a slice did.
impl<'a, T> IntoIterator for &'a Arena<T> {
    type Item = &'a T;
    type IntoIter = Values<'a, T>;
    fn into_iter(self) -> Values<'a, T> {
        self.values()
    }
}

impl<T> std::ops::Index<Key<T>> for Arena<T> {
    type Output = T;

    /// For a key just obtained from this arena; a key that may be stale is looked up
    /// with [`Arena::get`].
    #[inline]
    #[track_caller]
    fn index(&self, key: Key<T>) -> &T {
        match self.get(key) {
            Some(v) => v,
            None => stale(key.slot, key.generation),
        }
    }
}

impl<T> std::ops::IndexMut<Key<T>> for Arena<T> {
    #[inline]
    #[track_caller]
    fn index_mut(&mut self, key: Key<T>) -> &mut T {
        match self.get_mut(key) {
            Some(v) => v,
            None => stale(key.slot, key.generation),
        }
    }
}

/// Out of line: the lookups that index stay small enough to inline.
#[cold]
#[inline(never)]
#[track_caller]
fn stale(slot: u32, generation: u32) -> ! {
    panic!("stale arena key {slot}v{generation}")
}

/// Tests name values by their place in the order.
#[cfg(test)]
impl<T> std::ops::Index<usize> for Arena<T> {
    type Output = T;
    fn index(&self, pos: usize) -> &T {
        self.held(self.order[pos])
    }
}

#[cfg(test)]
impl<T> std::ops::IndexMut<usize> for Arena<T> {
    fn index_mut(&mut self, pos: usize) -> &mut T {
        let key = self.order[pos];
        &mut self[key]
    }
}

#[cfg(test)]
#[path = "arena_tests.rs"]
mod tests;
