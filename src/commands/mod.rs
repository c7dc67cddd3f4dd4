//! One module per command. Commands read and present; the work lives in the
//! pipeline stages and the store.

pub mod clean;
pub mod run;
pub mod stats;
pub mod watch;
