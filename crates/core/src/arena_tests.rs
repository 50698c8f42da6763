use super::*;
use proptest::prelude::*;

fn contents(a: &Arena<u32>) -> Vec<u32> {
    a.values().copied().collect()
}

#[test]
fn values_keep_insertion_order_across_removals() {
    let mut a = Arena::default();
    let k: Vec<Key<u32>> = (0..5).map(|v| a.insert(v)).collect();
    assert_eq!(a.remove(k[1]), Some(1));
    assert_eq!(a.remove(k[3]), Some(3));
    assert_eq!(contents(&a), vec![0, 2, 4]);
    // The new value goes last, even though it reuses a freed slot.
    let k5 = a.insert(5);
    assert_eq!(contents(&a), vec![0, 2, 4, 5]);
    assert_eq!(a.len(), 4);
    let keys: Vec<_> = a.keys().collect();
    assert_eq!(keys, vec![k[0], k[2], k[4], k5]);
    assert_eq!(a.position(k[4]), Some(2));
    assert_eq!(a.key_at(3), Some(k5));
    assert_eq!(a.key_at(4), None);
    for (key, v) in a.iter() {
        assert_eq!(a.get(key), Some(v));
    }
}

#[test]
fn a_removed_key_finds_nothing_even_once_its_slot_is_reused() {
    let mut a = Arena::default();
    let old = a.insert(7);
    assert_eq!(a.remove(old), Some(7));
    let new = a.insert(8);
    assert_ne!(old, new);
    assert_eq!(a.get(old), None);
    assert_eq!(a.get_mut(old), None);
    assert_eq!(a.remove(old), None);
    assert!(!a.contains(old));
    assert_eq!(a[new], 8);
    a[new] += 1;
    assert_eq!(a.get(new), Some(&9));
}

#[test]
fn drain_empties_and_stales_every_key() {
    let mut a = Arena::default();
    let k: Vec<Key<u32>> = (0..3).map(|v| a.insert(v)).collect();
    assert_eq!(a.drain(), vec![0, 1, 2]);
    assert!(a.is_empty());
    let fresh: Vec<Key<u32>> = (10..13).map(|v| a.insert(v)).collect();
    for key in &k {
        assert_eq!(a.get(*key), None);
        assert!(!fresh.contains(key));
    }
    assert_eq!(contents(&a), vec![10, 11, 12]);
}

#[test]
fn retain_keeps_the_order_of_what_stays() {
    let mut a = Arena::default();
    let k: Vec<Key<u32>> = (0..6).map(|v| a.insert(v)).collect();
    a.retain(|_, v| v % 2 == 0);
    assert_eq!(contents(&a), vec![0, 2, 4]);
    assert_eq!(a.get(k[1]), None);
    assert_eq!(a.get(k[4]), Some(&4));
    for (_, v) in a.iter_mut() {
        *v += 1;
    }
    for v in a.values_mut() {
        *v *= 10;
    }
    assert_eq!(contents(&a), vec![10, 30, 50]);
    assert_eq!(a.find_key(|v| *v == 30), Some(k[2]));
    // Every value, each once, whatever the order; freed slots are skipped.
    for v in a.values_mut_any_order() {
        *v += 1;
    }
    assert_eq!(contents(&a), vec![11, 31, 51]);
}

#[test]
fn a_slot_whose_generation_would_wrap_is_retired() {
    let mut a: Arena<u32> = Arena::default();
    let k = a.insert(1);
    a.slots[0].generation = u32::MAX;
    let k = Key {
        generation: u32::MAX,
        ..k
    };
    a.order[0] = k;
    assert_eq!(a.remove(k), Some(1));
    let next = a.insert(2);
    assert_eq!(next.slot, 1);
    assert_eq!(a.get(k), None);
}

#[derive(Clone, Debug)]
enum Op {
    Insert(u32),
    /// Remove the key handed out by the n-th insert (live or not).
    Remove(usize),
    Drain,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => any::<u32>().prop_map(Op::Insert),
        4 => any::<usize>().prop_map(Op::Remove),
        1 => Just(Op::Drain),
    ]
}

proptest! {
    /// Against a plain Vec of (insert number, value): the same values in the same
    /// order, every live key finds its value and position, every key given out and
    /// since removed finds nothing.
    #[test]
    fn behaves_like_an_ordered_vec(ops in proptest::collection::vec(op(), 0..200)) {
        let mut a = Arena::default();
        let mut model: Vec<(usize, u32)> = Vec::new();
        let mut handed: Vec<Key<u32>> = Vec::new();
        for op in ops {
            match op {
                Op::Insert(v) => {
                    model.push((handed.len(), v));
                    handed.push(a.insert(v));
                }
                Op::Remove(n) if !handed.is_empty() => {
                    let n = n % handed.len();
                    let expected = model.iter().position(|(i, _)| *i == n);
                    let expected = expected.map(|p| model.remove(p).1);
                    prop_assert_eq!(a.remove(handed[n]), expected);
                }
                Op::Remove(_) => {}
                Op::Drain => {
                    let all: Vec<u32> = model.drain(..).map(|(_, v)| v).collect();
                    prop_assert_eq!(a.drain(), all);
                }
            }
            prop_assert_eq!(a.len(), model.len());
            let values: Vec<u32> = model.iter().map(|(_, v)| *v).collect();
            prop_assert_eq!(contents(&a), values);
            for (n, key) in handed.iter().enumerate() {
                let at = model.iter().position(|(i, _)| *i == n);
                prop_assert_eq!(a.position(*key), at);
                prop_assert_eq!(a.get(*key), at.map(|p| &model[p].1));
            }
            let keys: Vec<Key<u32>> = model.iter().map(|(i, _)| handed[*i]).collect();
            prop_assert_eq!(a.keys().collect::<Vec<_>>(), keys.clone());
            for pos in 0..=keys.len() {
                prop_assert_eq!(a.key_at(pos), keys.get(pos).copied());
            }
        }
    }
}
