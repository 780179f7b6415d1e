//! The `pulse` server: configuration, startup, HTTP routes and commands.
//! Kept as a library so integration tests start the real app in-process.

pub mod cli;
mod commands;
pub mod config;
mod embedding;
mod purge;
mod routes;
mod single_sign_on;
pub mod startup;
pub mod telemetry;
