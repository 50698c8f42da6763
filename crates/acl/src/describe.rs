//! Turning a selector back into rules, the way redis 7.0 prints ACL LIST and
//! ACL GETUSER: `+@all`/`-@all`, then a greedy choice of categories that best
//! approximate the command bitmap, then the single commands still differing.
//! Redis walks its command dict in hash order (random per process); we walk
//! the table order, so single-command rules may be listed in another order.

use rsentinel_commands::ACL_CATEGORIES;

use crate::registry::registry;
use crate::selector::Selector;

/// Counts (allowed, denied) commands of category `cat` in `bits`.
fn count_category(bits: &[bool], cat: &str) -> (usize, usize) {
    let reg = registry();
    let (mut on, mut off) = (0, 0);
    for (id, allowed) in bits.iter().enumerate() {
        if reg.in_category(id, cat) {
            if *allowed {
                on += 1;
            } else {
                off += 1;
            }
        }
    }
    (on, off)
}

/// The command rules of a selector (`ACLDescribeSelectorCommandRules`).
pub(crate) fn command_rules(sel: &Selector) -> Vec<u8> {
    let reg = registry();
    let additive = !sel.future;
    let mut rules: Vec<Vec<u8>> = vec![if additive {
        b"-@all".to_vec()
    } else {
        b"+@all".to_vec()
    }];

    // `fake` replays the emitted rules; `temp` has the categories already
    // used flipped back so they stop counting as matches.
    let mut fake = Selector::new(false);
    fake.allowed.iter_mut().for_each(|b| *b = !additive);
    let mut temp = Selector::new(false);
    temp.allowed.clone_from(&sel.allowed);

    let mut applied = [false; 64];
    loop {
        let mut best = None;
        let (mut min_diff, mut max_same) = (i32::MAX as usize, 0usize);
        for (j, cat) in ACL_CATEGORIES.iter().enumerate() {
            if applied.get(j).copied().unwrap_or(true) {
                continue;
            }
            let (on, off) = count_category(&temp.allowed, cat);
            let (diff, same) = if additive { (off, on) } else { (on, off) };
            if same > diff && (diff < min_diff || (diff == min_diff && same > max_same)) {
                best = Some(j);
                min_diff = diff;
                max_same = same;
            }
        }
        let Some(best) = best else { break };
        let cat = ACL_CATEGORIES[best];
        fake.change_category(cat, additive);
        temp.change_category(cat, !additive);
        rules.push(format!("{}@{cat}", if additive { '+' } else { '-' }).into_bytes());
        applied[best] = true;
    }

    for &id in &reg.top {
        single_command(sel, &mut fake, id, &mut rules);
    }
    rules.join(&b' ')
}

/// Emits the rule for one command (then its subcommands, then its allowed
/// first arguments) if the replayed bitmap still differs.
fn single_command(sel: &Selector, fake: &mut Selector, id: usize, rules: &mut Vec<Vec<u8>>) {
    let entry = &registry().entries[id];
    let user_bit = sel.allowed[id];
    if user_bit != fake.allowed[id] {
        rules.push(format!("{}{}", if user_bit { '+' } else { '-' }, entry.full_name).into_bytes());
        fake.change_perm(id, user_bit);
    }
    for &sub in &entry.subs {
        single_command(sel, fake, sub, rules);
    }
    if !user_bit {
        for arg in sel.first_args_of(id) {
            rules.push([format!("+{}|", entry.full_name).as_bytes(), arg].concat());
        }
    }
}

/// Key patterns as GETUSER shows them: `~*` or the patterns joined by spaces.
pub(crate) fn keys_field(sel: &Selector) -> Vec<u8> {
    if sel.all_keys {
        return b"~*".to_vec();
    }
    let parts: Vec<Vec<u8>> = sel.keys.iter().map(|k| k.describe()).collect();
    parts.join(&b' ')
}

/// Channel patterns as GETUSER shows them: `&*` or `&a &b`.
pub(crate) fn channels_field(sel: &Selector) -> Vec<u8> {
    if sel.all_channels {
        return b"&*".to_vec();
    }
    let parts: Vec<Vec<u8>> = sel
        .channels
        .iter()
        .map(|c| [b"&", c.as_slice()].concat())
        .collect();
    parts.join(&b' ')
}

/// The full selector as ACL LIST shows it (`ACLDescribeSelector`).
pub(crate) fn selector(sel: &Selector) -> Vec<u8> {
    let mut out = Vec::new();
    if sel.all_keys {
        out.extend_from_slice(b"~* ");
    } else {
        for k in &sel.keys {
            out.extend_from_slice(&k.describe());
            out.push(b' ');
        }
    }
    if sel.all_channels {
        out.extend_from_slice(b"&* ");
    } else {
        out.extend_from_slice(b"resetchannels ");
        for c in &sel.channels {
            out.push(b'&');
            out.extend_from_slice(c);
            out.push(b' ');
        }
    }
    out.extend_from_slice(&command_rules(sel));
    out
}
