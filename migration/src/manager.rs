//! What a migration is given: [`SchemaManager`] runs its statements in the transaction the
//! migration is applied in.

use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, StatementBuilder,
    sea_query::{
        IndexCreateStatement, IndexDropStatement, TableAlterStatement, TableCreateStatement,
        TableDropStatement,
    },
};

/// One change to the schema. Its name is the name of its module (and file), as recorded in
/// `seaql_migrations.version`.
#[async_trait::async_trait]
pub trait MigrationTrait: Send + Sync {
    /// Applies the change.
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr>;

    /// Reverts the change, for taking a development database back (see
    /// [`crate::Migrator::down`]).
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr>;
}

/// Runs a migration's statements in its transaction.
pub struct SchemaManager<'c> {
    txn: &'c DatabaseTransaction,
}

impl<'c> SchemaManager<'c> {
    pub(crate) fn new(txn: &'c DatabaseTransaction) -> Self {
        Self { txn }
    }

    /// Runs a statement built with sea-query.
    pub async fn exec_stmt<S: StatementBuilder + Sync>(&self, stmt: S) -> Result<(), DbErr> {
        self.txn.execute(&stmt).await.map(|_| ())
    }

    pub async fn create_table(&self, stmt: TableCreateStatement) -> Result<(), DbErr> {
        self.exec_stmt(stmt).await
    }

    pub async fn alter_table(&self, stmt: TableAlterStatement) -> Result<(), DbErr> {
        self.exec_stmt(stmt).await
    }

    pub async fn drop_table(&self, stmt: TableDropStatement) -> Result<(), DbErr> {
        self.exec_stmt(stmt).await
    }

    pub async fn create_index(&self, stmt: IndexCreateStatement) -> Result<(), DbErr> {
        self.exec_stmt(stmt).await
    }

    pub async fn drop_index(&self, stmt: IndexDropStatement) -> Result<(), DbErr> {
        self.exec_stmt(stmt).await
    }

    pub fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    /// The migration's transaction, for SQL that sea-query does not build.
    pub fn get_connection(&self) -> &'c DatabaseTransaction {
        self.txn
    }
}
