//! The id of a link: a plain value with no dependencies, so that instances can name
//! their link without the link table's module, which names instances in turn.

/// Identifies a link in the [`LinkTable`](crate::LinkTable): the slot (low 32 bits) and the generation of
/// its use (high 32 bits). The daemon never sees it: its sockets are keyed by
/// [`ConnId`](crate::ConnId).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkId(pub u64);

impl LinkId {
    pub(crate) fn new(slot: u32, generation: u32) -> LinkId {
        LinkId(u64::from(generation) << 32 | u64::from(slot))
    }

    pub(crate) fn slot(self) -> usize {
        (self.0 & 0xffff_ffff) as usize
    }

    pub(crate) fn generation(self) -> u32 {
        (self.0 >> 32) as u32
    }
}
