//! Database migrations for halshop. Append-only: a released migration is never edited;
//! a change to the schema is a new file.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_create_catalogue;
mod m20261122_000002_create_dev_idp_key;
mod m20261122_000003_create_orders;
mod m20261122_000004_create_sales;
mod m20261122_000005_create_refunds;
mod m20261122_000006_create_store_transactions;
mod m20261123_000007_fence_idempotency_keys;
mod m20261124_000008_index_order_reads;
mod m20261124_000010_create_events_and_tickets;
mod m20261125_000011_create_webhooks;
mod m20261125_000013_create_reports_and_mails;
mod m20261126_000015_represent_events;
mod m20261126_000016_revise_orders;
mod m20261127_000017_create_library_lending;
mod m20261206_000018_index_back_office_reads;
mod m20261206_000019_note_order_changes;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_catalogue::Migration),
            Box::new(m20261122_000002_create_dev_idp_key::Migration),
            Box::new(m20261122_000003_create_orders::Migration),
            Box::new(m20261122_000004_create_sales::Migration),
            Box::new(m20261122_000005_create_refunds::Migration),
            Box::new(m20261122_000006_create_store_transactions::Migration),
            Box::new(m20261123_000007_fence_idempotency_keys::Migration),
            Box::new(m20261124_000008_index_order_reads::Migration),
            Box::new(m20261124_000010_create_events_and_tickets::Migration),
            Box::new(m20261125_000011_create_webhooks::Migration),
            Box::new(m20261125_000013_create_reports_and_mails::Migration),
            Box::new(m20261126_000015_represent_events::Migration),
            Box::new(m20261126_000016_revise_orders::Migration),
            Box::new(m20261127_000017_create_library_lending::Migration),
            Box::new(m20261206_000018_index_back_office_reads::Migration),
            Box::new(m20261206_000019_note_order_changes::Migration),
        ]
    }
}
