//! `@armillaria/native`: the Node.js addon of Armillaria. One module per capability; each exports
//! plain functions (covered by `cargo test`) and thin `#[napi]` glue at its end.
#![deny(clippy::all)]

pub mod batch;
pub mod check;
pub mod config;
pub mod dictionary;
pub mod error;
pub mod hash;
pub mod ipc;
pub mod ipc_pieces;
pub mod layout;
pub mod malloc;
pub mod mmap;
pub mod parquet;
pub mod stats;
pub mod table;

#[cfg(test)]
mod test_util;

#[napi_derive::module_init]
fn init() {
    malloc::apply();
}
