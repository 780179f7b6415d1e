//! Read and write access to a database as two types. Every query takes the
//! one it needs, so a query that writes cannot be handed the pool meant for
//! reads: on SQLite that pool has several connections, and a write there
//! would race the one writer connection for the file's lock.

use std::ops::Deref;

use sqlx::{Database, Pool};

/// Access for queries that only read.
#[derive(Debug, Clone)]
pub struct Reader<DB: Database>(Pool<DB>);

/// Access for queries that write (and may read: a writer is a reader too).
#[derive(Debug, Clone)]
pub struct Writer<DB: Database>(Reader<DB>);

impl<DB: Database> Reader<DB> {
    pub fn new(pool: Pool<DB>) -> Reader<DB> {
        Reader(pool)
    }

    pub fn pool(&self) -> &Pool<DB> {
        &self.0
    }
}

impl<DB: Database> Writer<DB> {
    pub fn new(pool: Pool<DB>) -> Writer<DB> {
        Writer(Reader(pool))
    }
}

impl<DB: Database> Deref for Writer<DB> {
    type Target = Reader<DB>;

    fn deref(&self) -> &Reader<DB> {
        &self.0
    }
}
