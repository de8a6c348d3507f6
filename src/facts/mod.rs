//! Combiners: facts about the system assembled from one or more parsed artifacts.

pub mod sshd_config;
