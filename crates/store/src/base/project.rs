//! What the base's events do to its read models.

use fengqiao_domain::DomainEvent;
use fengqiao_domain::base::BaseKind;
use sqlx::{Any, Transaction};

use crate::StoreError;

type Tx = Transaction<'static, Any>;

/// The read-model table of each kind of base record.
pub(crate) fn table(kind: BaseKind) -> &'static str {
    match kind {
        BaseKind::Address => "std_addresses",
        BaseKind::House => "houses",
        BaseKind::Person => "people",
        BaseKind::Establishment => "establishments",
    }
}

/// Applies one base event. `at` is when it was recorded; a check on the spot counts
/// from when it happened (`occurred_at`: a visit entered from paper the next day is as
/// fresh as the visit), and `actor`, the log's actor text, is kept as who checked.
/// Returns `false` for events that are not the base's.
pub(crate) async fn apply(
    tx: &mut Tx,
    event: &DomainEvent,
    at: &str,
    (occurred_at, actor): (&str, &str),
) -> Result<bool, StoreError> {
    match event {
        DomainEvent::AddressSaved { id, address } => {
            let id = id.to_string();
            let node = address.node_id.to_string();
            sqlx::query(
                "INSERT INTO std_addresses (id, code, text, node_id, lng, lat, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
                 ON CONFLICT (id) DO UPDATE SET code = $2, text = $3, node_id = $4, lng = $5, lat = $6, updated_at = $7",
            )
            .bind(&id)
            .bind(&address.code)
            .bind(&address.text)
            .bind(&node)
            .bind(address.lng)
            .bind(address.lat)
            .bind(at)
            .execute(&mut **tx)
            .await?;
            // Everything at the address follows it into its grid.
            for table in ["houses", "people", "establishments"] {
                sqlx::query(&format!(
                    "UPDATE {table} SET node_id = $1 WHERE address_id = $2 AND node_id <> $1"
                ))
                .bind(&node)
                .bind(&id)
                .execute(&mut **tx)
                .await?;
            }
        }
        DomainEvent::HouseSaved { id, house } => {
            sqlx::query(
                "INSERT INTO houses (id, address_id, node_id, room, usage, landlord_id, note, created_at, updated_at) \
                 VALUES ($1, $2, (SELECT node_id FROM std_addresses WHERE id = $2), $3, $4, $5, $6, $7, $7) \
                 ON CONFLICT (id) DO UPDATE SET address_id = $2, \
                 node_id = (SELECT node_id FROM std_addresses WHERE id = $2), room = $3, usage = $4, \
                 landlord_id = $5, note = $6, updated_at = $7",
            )
            .bind(id.to_string())
            .bind(house.address_id.to_string())
            .bind(&house.room)
            .bind(house.usage.as_str())
            .bind(house.landlord_id.map(|l| l.to_string()))
            .bind(&house.note)
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::PersonSaved { id, person } => {
            sqlx::query(
                "INSERT INTO people (id, name, id_number, phone, registration, address_id, house_id, node_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT node_id FROM std_addresses WHERE id = $6), $8, $8) \
                 ON CONFLICT (id) DO UPDATE SET name = $2, id_number = $3, phone = $4, registration = $5, \
                 address_id = $6, house_id = $7, node_id = (SELECT node_id FROM std_addresses WHERE id = $6), updated_at = $8",
            )
            .bind(id.to_string())
            .bind(&person.name)
            .bind(&person.id_number)
            .bind(&person.phone)
            .bind(person.registration.as_str())
            .bind(person.address_id.to_string())
            .bind(person.house_id.map(|h| h.to_string()))
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::KeyPersonSet { person_id, key } => {
            let (reason, every) = match key {
                Some(k) => (Some(k.reason.as_str()), Some(i64::from(k.visit_every_days))),
                None => (None, None),
            };
            // key_since keeps the first day of an unbroken key-person status.
            sqlx::query(
                "UPDATE people SET key_reason = $1, visit_every_days = $2, \
                 key_since = CASE WHEN $1 IS NULL THEN NULL ELSE COALESCE(key_since, $3) END, updated_at = $3 \
                 WHERE id = $4",
            )
            .bind(reason)
            .bind(every)
            .bind(at)
            .bind(person_id.to_string())
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::EstablishmentSaved {
            id,
            establishment: e,
        } => {
            sqlx::query(
                "INSERT INTO establishments (id, name, kind, address_id, node_id, contact_name, contact_phone, licence, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, (SELECT node_id FROM std_addresses WHERE id = $4), $5, $6, $7, $8, $8) \
                 ON CONFLICT (id) DO UPDATE SET name = $2, kind = $3, address_id = $4, \
                 node_id = (SELECT node_id FROM std_addresses WHERE id = $4), contact_name = $5, \
                 contact_phone = $6, licence = $7, updated_at = $8",
            )
            .bind(id.to_string())
            .bind(&e.name)
            .bind(&e.kind)
            .bind(e.address_id.to_string())
            .bind(&e.contact_name)
            .bind(&e.contact_phone)
            .bind(&e.licence)
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::BaseRecordVerified {
            kind,
            id,
            campaign_id,
            ..
        } => {
            let id = id.to_string();
            let done = sqlx::query(&format!(
                "UPDATE {} SET verified_at = $1, verified_by = $2 WHERE id = $3",
                table(*kind)
            ))
            .bind(occurred_at)
            .bind(actor)
            .bind(&id)
            .execute(&mut **tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Constraint(format!("no {kind} record {id}")));
            }
            if let Some(campaign) = campaign_id {
                sqlx::query(
                    "UPDATE campaign_items SET verified_at = $1, verified_by = $2 \
                     WHERE campaign_id = $3 AND record_kind = $4 AND record_id = $5",
                )
                .bind(occurred_at)
                .bind(actor)
                .bind(campaign.to_string())
                .bind(kind.as_str())
                .bind(&id)
                .execute(&mut **tx)
                .await?;
            }
        }
        DomainEvent::CampaignCreated {
            id,
            node_id,
            name,
            due_date,
            items,
        } => {
            let id = id.to_string();
            sqlx::query(
                "INSERT INTO campaigns (id, node_id, name, due_date, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&id)
            .bind(node_id.to_string())
            .bind(name)
            .bind(due_date)
            .bind(at)
            .bind(actor)
            .execute(&mut **tx)
            .await?;
            for item in items {
                sqlx::query(
                    "INSERT INTO campaign_items (campaign_id, record_kind, record_id) VALUES ($1, $2, $3)",
                )
                .bind(&id)
                .bind(item.kind.as_str())
                .bind(item.id.to_string())
                .execute(&mut **tx)
                .await?;
            }
        }
        _ => return Ok(false),
    }
    Ok(true)
}
