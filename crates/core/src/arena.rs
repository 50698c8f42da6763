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
//! Values are kept in insertion order in a dense vector (the slot only records where):
//! the order of `SENTINEL MASTERS`, `REPLICAS`, `SENTINELS`, of the config file and of
//! the simulator's traces is the order instances were added, and a walk over them is a
//! walk over a slice. Removal shifts the later values, O(n); it is rare.

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

/// One slot: the generation of its current (or next) use, and where its value is in
/// the dense order, if it holds one.
#[derive(Clone, Debug)]
struct Slot {
    generation: u32,
    pos: Option<usize>,
}

/// Values of type `T` in insertion order, each reachable in constant time by its [`Key`].
#[derive(Clone, Debug)]
pub struct Arena<T> {
    slots: Vec<Slot>,
    /// Slots free for reuse.
    free: Vec<u32>,
    /// The keys of `values`, position for position.
    keys: Vec<Key<T>>,
    /// The values, in insertion order.
    values: Vec<T>,
}

impl<T> Default for Arena<T> {
    fn default() -> Self {
        Arena {
            slots: Vec::new(),
            free: Vec::new(),
            keys: Vec::new(),
            values: Vec::new(),
        }
    }
}

impl<T: PartialEq> PartialEq for Arena<T> {
    /// Same values with the same keys in the same order.
    fn eq(&self, o: &Self) -> bool {
        self.keys == o.keys && self.values == o.values
    }
}

impl<T> Arena<T> {
    /// Appends `value`; its key is new (a reused slot has a new generation).
    pub fn insert(&mut self, value: T) -> Key<T> {
        let pos = self.values.len();
        let key = match self.free.pop() {
            Some(slot) => {
                let s = &mut self.slots[slot as usize];
                s.pos = Some(pos);
                Key {
                    slot,
                    generation: s.generation,
                    _of: PhantomData,
                }
            }
            None => {
                // More than 2^32 values at once cannot be held in memory anyway.
                let slot = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
                self.slots.push(Slot {
                    generation: 0,
                    pos: Some(pos),
                });
                Key {
                    slot,
                    generation: 0,
                    _of: PhantomData,
                }
            }
        };
        self.keys.push(key);
        self.values.push(value);
        key
    }

    /// Where the value of `key` is in insertion order, if it is still there.
    pub fn position(&self, key: Key<T>) -> Option<usize> {
        self.slots
            .get(key.slot as usize)
            .filter(|s| s.generation == key.generation)?
            .pos
    }

    pub fn contains(&self, key: Key<T>) -> bool {
        self.position(key).is_some()
    }

    pub fn get(&self, key: Key<T>) -> Option<&T> {
        self.position(key).map(|p| &self.values[p])
    }

    pub fn get_mut(&mut self, key: Key<T>) -> Option<&mut T> {
        self.position(key).map(|p| &mut self.values[p])
    }

    /// Takes the value of `key` out; the values after it move up, and the key (and any
    /// copy of it) finds nothing from now on.
    pub fn remove(&mut self, key: Key<T>) -> Option<T> {
        let pos = self.position(key)?;
        self.release(key);
        self.keys.remove(pos);
        for k in &self.keys[pos..] {
            if let Some(p) = &mut self.slots[k.slot as usize].pos {
                *p -= 1;
            }
        }
        Some(self.values.remove(pos))
    }

    /// Retires `key`'s slot: a new generation, so old keys miss, and back on the free
    /// list unless the generation would wrap (a retired slot is never reused: no key,
    /// however old, can ever match again).
    fn release(&mut self, key: Key<T>) {
        let s = &mut self.slots[key.slot as usize];
        s.pos = None;
        if let Some(g) = s.generation.checked_add(1) {
            s.generation = g;
            self.free.push(key.slot);
        }
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
        for k in std::mem::take(&mut self.keys) {
            self.release(k);
        }
        std::mem::take(&mut self.values)
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The key of the value at `pos` in insertion order: for walks that must see the
    /// list as it is at each step, when what the walk does may change it.
    pub fn key_at(&self, pos: usize) -> Option<Key<T>> {
        self.keys.get(pos).copied()
    }

    /// The keys, in insertion order.
    pub fn keys(&self) -> std::iter::Copied<std::slice::Iter<'_, Key<T>>> {
        self.keys.iter().copied()
    }

    /// The values, in insertion order.
    pub fn values(&self) -> std::slice::Iter<'_, T> {
        self.values.iter()
    }

    /// The values, in insertion order, to change in place.
    pub fn values_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.values.iter_mut()
    }

    /// The values as a slice, in insertion order.
    pub fn as_slice(&self) -> &[T] {
        &self.values
    }

    /// Keys with their values, in insertion order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (Key<T>, &T)> + ExactSizeIterator {
        self.keys.iter().copied().zip(self.values.iter())
    }

    /// Keys with their values to change in place, in insertion order.
    pub fn iter_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = (Key<T>, &mut T)> + ExactSizeIterator {
        self.keys.iter().copied().zip(self.values.iter_mut())
    }

    /// The key of the first value (in insertion order) for which `pred` holds.
    pub fn find_key(&self, mut pred: impl FnMut(&T) -> bool) -> Option<Key<T>> {
        self.iter().find(|(_, v)| pred(v)).map(|(k, _)| k)
    }
}

impl<T> std::ops::Index<Key<T>> for Arena<T> {
    type Output = T;

    /// For a key just obtained from this arena; a key that may be stale is looked up
    /// with [`Arena::get`].
    fn index(&self, key: Key<T>) -> &T {
        match self.get(key) {
            Some(v) => v,
            None => panic!("stale arena key {key:?}"),
        }
    }
}

impl<T> std::ops::IndexMut<Key<T>> for Arena<T> {
    fn index_mut(&mut self, key: Key<T>) -> &mut T {
        match self.position(key) {
            Some(p) => &mut self.values[p],
            None => panic!("stale arena key {key:?}"),
        }
    }
}

/// Tests name values by their place in the order.
#[cfg(test)]
impl<T> std::ops::Index<usize> for Arena<T> {
    type Output = T;
    fn index(&self, pos: usize) -> &T {
        &self.values[pos]
    }
}

#[cfg(test)]
impl<T> std::ops::IndexMut<usize> for Arena<T> {
    fn index_mut(&mut self, pos: usize) -> &mut T {
        &mut self.values[pos]
    }
}

#[cfg(test)]
#[path = "arena_tests.rs"]
mod tests;
