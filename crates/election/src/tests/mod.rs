//! Property tests and the multi-Sentinel model check.

mod model;
mod props;
mod scenario;
