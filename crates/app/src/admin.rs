//! Administration as a signed-in user does it: the same use cases as the organisation
//! and code-table modules, each behind the policy (permission and jurisdiction).

use std::path::Path;

use fengqiao_domain::codes::{CodeEntry, CodeTable};
use fengqiao_domain::org::{RecordId, check_name};
use fengqiao_domain::policy::Permission;
use fengqiao_domain::{DomainEvent, StreamRef};
use fengqiao_store::{Commit, ExpectedVersion};

use crate::codes::ImportSummary;
use crate::org::{NewNode, NewPartner};
use crate::policy::Principal;
use crate::{App, AppError};

impl App {
    /// Adds a node under a parent in the principal's jurisdiction.
    pub async fn create_node_as(
        &self,
        principal: &Principal,
        new: NewNode,
    ) -> Result<RecordId, AppError> {
        let parent = new.parent_id.ok_or_else(|| {
            AppError::Refused("a new bureau is created from the command line".into())
        })?;
        self.require_node(
            principal,
            Permission::OrgManage,
            &parent.to_string(),
            "create jurisdiction node",
        )
        .await?;
        self.create_node(&principal.actor(), new).await
    }

    /// Renames a node in the principal's jurisdiction.
    pub async fn rename_node_as(
        &self,
        principal: &Principal,
        id: RecordId,
        name: &str,
    ) -> Result<(), AppError> {
        self.require_node(
            principal,
            Permission::OrgManage,
            &id.to_string(),
            "rename jurisdiction node",
        )
        .await?;
        let stream = StreamRef::new("jurisdiction_node", id);
        let version = self.store.stream_version(&stream).await?;
        let event = DomainEvent::JurisdictionNodeRenamed {
            id,
            name: check_name("name", name, 60)?,
        };
        self.store
            .commit(
                &principal.actor(),
                &[Commit::now(
                    stream,
                    ExpectedVersion::Exact(version),
                    vec![event],
                )],
                &[],
            )
            .await?;
        Ok(())
    }

    /// Sets or clears the boundary of a node in the principal's jurisdiction.
    pub async fn set_boundary_as(
        &self,
        principal: &Principal,
        id: RecordId,
        boundary: Option<serde_json::Value>,
    ) -> Result<(), AppError> {
        self.require_node(
            principal,
            Permission::OrgManage,
            &id.to_string(),
            "set boundary",
        )
        .await?;
        self.set_boundary(&principal.actor(), id, boundary).await
    }

    /// Adds a unit to a station in the principal's jurisdiction.
    pub async fn create_unit_as(
        &self,
        principal: &Principal,
        node_id: RecordId,
        kind: &str,
        name: &str,
    ) -> Result<RecordId, AppError> {
        self.require_node(
            principal,
            Permission::OrgManage,
            &node_id.to_string(),
            "create unit",
        )
        .await?;
        self.create_unit(
            &principal.actor(),
            fengqiao_domain::org::new_id(),
            node_id,
            kind,
            name,
        )
        .await
    }

    /// Adds a partner agency working with a node in the principal's jurisdiction.
    pub async fn create_partner_as(
        &self,
        principal: &Principal,
        new: NewPartner,
    ) -> Result<RecordId, AppError> {
        self.require_node(
            principal,
            Permission::OrgManage,
            &new.node_id.to_string(),
            "create partner agency",
        )
        .await?;
        self.create_partner(&principal.actor(), fengqiao_domain::org::new_id(), new)
            .await
    }

    /// The entries of a code table.
    pub async fn code_table_for(
        &self,
        principal: &Principal,
        table: CodeTable,
    ) -> Result<Vec<CodeEntry>, AppError> {
        self.require(principal, Permission::CodesView, "view code table")
            .await?;
        Ok(self.store.code_entries(table).await?)
    }

    /// Adds or changes a code-table entry.
    pub async fn save_code_entry_as(
        &self,
        principal: &Principal,
        table: CodeTable,
        entry: CodeEntry,
    ) -> Result<(), AppError> {
        self.require(principal, Permission::CodesManage, "edit code table")
            .await?;
        self.save_code_entry(&principal.actor(), table, entry).await
    }

    /// Imports code tables from a file, all or nothing.
    pub async fn import_code_tables_as(
        &self,
        principal: &Principal,
        path: &Path,
    ) -> Result<ImportSummary, AppError> {
        self.require(principal, Permission::CodesManage, "import code tables")
            .await?;
        self.import_code_tables(&principal.actor(), path).await
    }

    /// Exports code tables to a file.
    pub async fn export_code_tables_as(
        &self,
        principal: &Principal,
        path: &Path,
        tables: &[CodeTable],
    ) -> Result<usize, AppError> {
        self.require(principal, Permission::CodesManage, "export code tables")
            .await?;
        self.export_code_tables(path, tables).await
    }
}
