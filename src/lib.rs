//! rootline reads a Linux support bundle offline and explains why SSH access failed.
//!
//! The pipeline, one module per stage:
//! [`bundle`] reads a folder or archive safely into members ->
//! [`detect`] decides what kind of artifact each member is, by content ->
//! [`parse`] turns each kind into records (one file per kind) ->
//! [`time`] places every record on one UTC clock using only what the bundle says ->
//! [`facts`] combines records into events and system facts (effective sshd config, accounts,
//! file modes, units) ->
//! [`rules`] turn facts into findings (one file per finding id) ->
//! [`rank`] orders them, root causes first ->
//! [`report`] writes them for people or programs.

pub mod analysis;
pub mod bundle;
pub mod cli;
pub mod detect;
pub mod error;
pub mod facts;
pub mod finding;
pub mod model;
pub mod parse;
pub mod rank;
pub mod report;
pub mod rules;
pub mod time;
pub mod util;
