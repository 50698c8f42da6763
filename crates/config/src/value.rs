//! What a standard directive's arguments mean once validated, and what rewriting it
//! produces: the types shared by the generic rules (`directive_values`) and the
//! directives with a syntax of their own (`special_directives`).

/// A validated value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Bool(bool),
    Str(Option<String>),
    Enum(u32),
    /// Percentages are stored negated, as redis does.
    Num(i128),
    Save(Vec<(i64, i64)>),
    /// Client class (0 normal, 1 replica, 2 pubsub), hard, soft, soft seconds.
    OutputBufferLimits(Vec<(usize, u64, u64, i64)>),
    Oom([i64; 3]),
    Notify(u32),
    Bind(Vec<String>),
    ReplicaOf(Option<(String, i64)>),
    Percentiles(Vec<f64>),
    Dir(String),
}

/// What the rewrite does for one standard config: write these lines (each with its own
/// "force" flag: append even when the old file does not mention the option), or only mark
/// the option processed so that its old lines are removed.
#[derive(Clone, Debug, PartialEq)]
pub enum Rewrite {
    Lines(Vec<(String, bool)>),
    Remove,
}
