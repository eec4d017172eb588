//! Read models: what each event does to the tables that pages and queries read.
//!
//! Called inside the appending transaction, so a read model never runs ahead of or
//! behind the log.

use fengqiao_domain::DomainEvent;
use sqlx::{Any, Transaction};

use crate::StoreError;

type Tx = Transaction<'static, Any>;

/// Applies one event to the read models.
pub(crate) async fn apply(
    tx: &mut Tx,
    event: &DomainEvent,
    at: &str,
    (occurred_at, actor): (&str, &str),
) -> Result<(), StoreError> {
    if crate::base::project::apply(tx, event, at, (occurred_at, actor)).await? {
        return Ok(());
    }
    if crate::incident::apply(tx, event, at, occurred_at).await? {
        return Ok(());
    }
    if crate::transfer::apply(tx, event, at, occurred_at).await? {
        return Ok(());
    }
    if crate::secondary::apply(tx, event, at, occurred_at).await? {
        return Ok(());
    }
    if crate::duty::apply(tx, event, at).await? {
        return Ok(());
    }
    match event {
        DomainEvent::JurisdictionNodeCreated {
            id,
            parent_id,
            level,
            code,
            name,
        } => {
            let id = id.to_string();
            let parent = parent_id.map(|p| p.to_string());
            sqlx::query(
                "INSERT INTO jurisdiction_nodes (id, parent_id, level, code, name, boundary, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, NULL, $6, $6)",
            )
            .bind(&id)
            .bind(&parent)
            .bind(level.as_str())
            .bind(code)
            .bind(name)
            .bind(at)
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "INSERT INTO jurisdiction_closure (ancestor_id, descendant_id, depth) \
                 SELECT ancestor_id, $1, depth + 1 FROM jurisdiction_closure WHERE descendant_id = $2 \
                 UNION ALL SELECT $1, $1, 0",
            )
            .bind(&id)
            .bind(parent.as_deref().unwrap_or(""))
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::JurisdictionNodeRenamed { id, name } => {
            update_one(
                tx,
                "UPDATE jurisdiction_nodes SET name = $1, updated_at = $2 WHERE id = $3",
                name,
                at,
                id,
            )
            .await?;
        }
        DomainEvent::JurisdictionBoundarySet { id, boundary } => {
            let text = boundary.as_ref().map(ToString::to_string);
            sqlx::query(
                "UPDATE jurisdiction_nodes SET boundary = $1, updated_at = $2 WHERE id = $3",
            )
            .bind(text)
            .bind(at)
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::PostCreated {
            id,
            node_id,
            kind,
            name,
            lng,
            lat,
        } => {
            sqlx::query(
                "INSERT INTO posts (id, node_id, kind, name, lng, lat, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id.to_string())
            .bind(node_id.to_string())
            .bind(kind)
            .bind(name)
            .bind(*lng)
            .bind(*lat)
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::UnitCreated {
            id,
            node_id,
            kind,
            name,
        } => {
            sqlx::query("INSERT INTO units (id, node_id, kind, name, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(id.to_string())
                .bind(node_id.to_string())
                .bind(kind)
                .bind(name)
                .bind(at)
                .execute(&mut **tx)
                .await?;
        }
        DomainEvent::StaffCreated {
            id,
            name,
            badge_number,
            unit_id,
            roles,
            specialties,
            phone,
            node_id,
        } => {
            let id = id.to_string();
            let unit = unit_id.map(|u| u.to_string());
            // Without an explicit home node, a person belongs to their unit's station.
            sqlx::query(
                "INSERT INTO staff (id, name, badge_number, unit_id, phone, created_at, node_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, COALESCE($7, (SELECT node_id FROM units WHERE id = $4)))",
            )
            .bind(&id)
            .bind(name)
            .bind(badge_number)
            .bind(&unit)
            .bind(phone)
            .bind(at)
            .bind(node_id.map(|n| n.to_string()))
            .execute(&mut **tx)
            .await?;
            for role in roles {
                pair(
                    tx,
                    "INSERT INTO staff_roles (staff_id, role) VALUES ($1, $2)",
                    &id,
                    role.as_str(),
                )
                .await?;
            }
            for category in specialties {
                pair(
                    tx,
                    "INSERT INTO staff_specialties (staff_id, category) VALUES ($1, $2)",
                    &id,
                    category,
                )
                .await?;
            }
        }
        DomainEvent::StaffAssigned {
            staff_id,
            node_id,
            duty,
        } => {
            sqlx::query(
                "INSERT INTO staff_assignments (staff_id, node_id, duty, assigned_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (staff_id, node_id) DO UPDATE SET duty = excluded.duty, assigned_at = excluded.assigned_at",
            )
            .bind(staff_id.to_string())
            .bind(node_id.to_string())
            .bind(duty.as_str())
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::StaffUnassigned { staff_id, node_id } => {
            pair(
                tx,
                "DELETE FROM staff_assignments WHERE staff_id = $1 AND node_id = $2",
                &staff_id.to_string(),
                &node_id.to_string(),
            )
            .await?;
        }
        DomainEvent::PartnerAgencyCreated {
            id,
            name,
            department,
            residency,
            node_id,
            contact_phone,
        } => {
            sqlx::query(
                "INSERT INTO partner_agencies (id, name, department, residency, node_id, contact_phone, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id.to_string())
            .bind(name)
            .bind(department)
            .bind(residency.as_str())
            .bind(node_id.to_string())
            .bind(contact_phone)
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::CodeEntrySaved { table, entry } => {
            sqlx::query(
                "INSERT INTO code_entries (code_table, code, name, name_en, parent, sort_order, active, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (code_table, code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, \
                 parent = excluded.parent, sort_order = excluded.sort_order, active = excluded.active, \
                 updated_at = excluded.updated_at",
            )
            .bind(table.as_str())
            .bind(&entry.code)
            .bind(&entry.name)
            .bind(&entry.name_en)
            .bind(&entry.parent)
            .bind(entry.sort_order)
            .bind(i64::from(entry.active))
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::UserCreated {
            id,
            username,
            display_name,
            staff_id,
            partner_id,
            roles,
            jurisdiction,
            must_change_password,
            service_account,
        } => {
            let id = id.to_string();
            sqlx::query(
                "INSERT INTO users (id, username, display_name, staff_id, partner_id, password_hash, \
                 must_change_password, active, created_at, service_account) \
                 VALUES ($1, $2, $3, $4, $5, NULL, $6, 1, $7, $8)",
            )
            .bind(&id)
            .bind(username)
            .bind(display_name)
            .bind(staff_id.map(|s| s.to_string()))
            .bind(partner_id.map(|p| p.to_string()))
            .bind(i64::from(*must_change_password))
            .bind(at)
            .bind(i64::from(*service_account))
            .execute(&mut **tx)
            .await?;
            for role in roles {
                pair(
                    tx,
                    "INSERT INTO user_roles (user_id, role) VALUES ($1, $2)",
                    &id,
                    role.as_str(),
                )
                .await?;
            }
            for node in jurisdiction {
                pair(
                    tx,
                    "INSERT INTO user_jurisdictions (user_id, node_id) VALUES ($1, $2)",
                    &id,
                    &node.to_string(),
                )
                .await?;
            }
        }
        DomainEvent::UserRolesSet {
            user_id,
            roles,
            jurisdiction,
        } => {
            let id = user_id.to_string();
            execute(tx, "DELETE FROM user_roles WHERE user_id = $1", &id).await?;
            execute(tx, "DELETE FROM user_jurisdictions WHERE user_id = $1", &id).await?;
            for role in roles {
                pair(
                    tx,
                    "INSERT INTO user_roles (user_id, role) VALUES ($1, $2)",
                    &id,
                    role.as_str(),
                )
                .await?;
            }
            for node in jurisdiction {
                pair(
                    tx,
                    "INSERT INTO user_jurisdictions (user_id, node_id) VALUES ($1, $2)",
                    &id,
                    &node.to_string(),
                )
                .await?;
            }
        }
        DomainEvent::UserActiveSet { user_id, active } => {
            sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
                .bind(i64::from(*active))
                .bind(user_id.to_string())
                .execute(&mut **tx)
                .await?;
        }
        DomainEvent::LoginSucceeded { user_id, .. } => {
            let id = user_id.to_string();
            sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
                .bind(at)
                .bind(&id)
                .execute(&mut **tx)
                .await?;
            clear_failures(tx, &id).await?;
        }
        DomainEvent::LoginFailed { username, .. } => {
            pair(
                tx,
                "INSERT INTO login_failures (username, at) VALUES ($1, $2)",
                username,
                at,
            )
            .await?;
        }
        DomainEvent::AccountLocked { user_id, until, .. } => {
            sqlx::query("UPDATE users SET locked_until = $1 WHERE id = $2")
                .bind(until.to_string())
                .bind(user_id.to_string())
                .execute(&mut **tx)
                .await?;
        }
        DomainEvent::AccountUnlocked { user_id } => {
            let id = user_id.to_string();
            execute(
                tx,
                "UPDATE users SET locked_until = NULL WHERE id = $1",
                &id,
            )
            .await?;
            clear_failures(tx, &id).await?;
        }
        DomainEvent::PasswordChanged {
            user_id,
            by_administrator,
        } => {
            sqlx::query(
                "UPDATE users SET password_changed_at = $1, must_change_password = $2 WHERE id = $3",
            )
            .bind(at)
            .bind(i64::from(*by_administrator))
            .bind(user_id.to_string())
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::TotpSet { user_id, enrolled } => {
            if !enrolled {
                execute(
                    tx,
                    "UPDATE users SET totp_secret = NULL WHERE id = $1",
                    &user_id.to_string(),
                )
                .await?;
            }
        }
        DomainEvent::SettingChanged { key, value } => {
            sqlx::query(
                "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            )
            .bind(key)
            .bind(value.to_string())
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::RolePermissionsSet { role, permissions } => {
            execute(
                tx,
                "DELETE FROM role_permissions WHERE role = $1",
                role.as_str(),
            )
            .await?;
            for permission in permissions {
                pair(
                    tx,
                    "INSERT INTO role_permissions (role, permission) VALUES ($1, $2)",
                    role.as_str(),
                    permission.as_str(),
                )
                .await?;
            }
        }
        DomainEvent::ApiTokenIssued {
            id,
            user_id,
            name,
            expires_at,
        } => {
            sqlx::query(
                "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at) \
                 VALUES ($1, $2, $3, NULL, $4, $5)",
            )
            .bind(id.to_string())
            .bind(user_id.to_string())
            .bind(name)
            .bind(at)
            .bind(expires_at.map(|t| t.to_string()))
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::ApiTokenRevoked { id } => {
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
                .bind(at)
                .bind(id.to_string())
                .execute(&mut **tx)
                .await?;
        }
        // These live only in the log: the access trail and session ends are read from
        // the events themselves, and the probe's events have no read model.
        DomainEvent::LoggedOut { .. }
        | DomainEvent::AccessDenied { .. }
        | DomainEvent::PersonalDataRevealed { .. }
        | DomainEvent::PersonRecordViewed { .. }
        | DomainEvent::ProbeAppended { .. } => {}
        DomainEvent::AddressSaved { .. }
        | DomainEvent::HouseSaved { .. }
        | DomainEvent::PersonSaved { .. }
        | DomainEvent::KeyPersonSet { .. }
        | DomainEvent::EstablishmentSaved { .. }
        | DomainEvent::BaseRecordVerified { .. }
        | DomainEvent::CampaignCreated { .. }
        | DomainEvent::IncidentReceived { .. }
        | DomainEvent::IncidentTriaged { .. }
        | DomainEvent::IncidentDispatched { .. }
        | DomainEvent::IncidentAccepted { .. }
        | DomainEvent::IncidentDeparted { .. }
        | DomainEvent::IncidentArrived { .. }
        | DomainEvent::IncidentHandled { .. }
        | DomainEvent::IncidentClosed { .. }
        | DomainEvent::TransferAssigned { .. }
        | DomainEvent::TransferSigned { .. }
        | DomainEvent::TransferVerified { .. }
        | DomainEvent::TransferHandled { .. }
        | DomainEvent::TransferFedBack { .. }
        | DomainEvent::TransferDeclined { .. }
        | DomainEvent::TransferEvaluated { .. }
        | DomainEvent::TransferReviewed { .. }
        | DomainEvent::TransferEscalated { .. }
        | DomainEvent::TransferSupervised { .. }
        | DomainEvent::TransferRuleSaved { .. }
        | DomainEvent::SecondaryOpened { .. }
        | DomainEvent::SecondaryInstructed { .. }
        | DomainEvent::SecondaryProgressed { .. }
        | DomainEvent::SecondaryConcluded { .. }
        | DomainEvent::ShiftSaved { .. }
        | DomainEvent::ShiftRemoved { .. }
        // Applied above, by base::project, incident, transfer, secondary and duty.
        | DomainEvent::TransferRuleRemoved { .. } => {}
    }
    Ok(())
}

async fn execute(tx: &mut Tx, sql: &str, a: &str) -> Result<(), StoreError> {
    sqlx::query(sql).bind(a).execute(&mut **tx).await?;
    Ok(())
}

/// Forgets the counted sign-in failures of an account (after a success or an unlock).
async fn clear_failures(tx: &mut Tx, user_id: &str) -> Result<(), StoreError> {
    execute(
        tx,
        "DELETE FROM login_failures WHERE username = (SELECT username FROM users WHERE id = $1)",
        user_id,
    )
    .await
}

async fn pair(tx: &mut Tx, sql: &str, a: &str, b: &str) -> Result<(), StoreError> {
    sqlx::query(sql).bind(a).bind(b).execute(&mut **tx).await?;
    Ok(())
}

async fn update_one(
    tx: &mut Tx,
    sql: &str,
    value: &str,
    at: &str,
    id: &fengqiao_domain::org::RecordId,
) -> Result<(), StoreError> {
    let done = sqlx::query(sql)
        .bind(value)
        .bind(at)
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(StoreError::Constraint(format!("no record with id {id}")))
    }
}
