//! The transition kernel: the one place a record changes state.
//!
//! A stage declares its state machine, who may take each step and its hooks by implementing
//! `Lifecycle`; `take_step` then does, in the caller's write transaction and in this order:
//! role check for the step (403, before anything is loaded, so the answer says nothing about
//! which records exist) → load the record (404) → object-access check (404 for other
//! clients, 403 for unassigned staff) → state machine (409) → the stage's `before_step` hook
//! (e.g. acceptance checks the review and creates the programme) → guarded update (409 when
//! someone else moved it meanwhile) → audit event → the stage's mail.

use std::fmt::Display;

use chrono::NaiveDateTime;
use serde_json::json;

use super::Tx;
use crate::auth::{Caller, ObjectScope, Role};
use crate::db::types::TextEnum;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::trail::Change;

/// What a stage declares so its records go through `take_step`.
pub trait Lifecycle {
    /// The entity as the audit trail and messages name it, e.g. `application`.
    const ENTITY: &'static str;
    type Id: Display;
    type Record;
    type State: TextEnum;
    type Step: Copy;

    fn load(conn: &mut DbConnection, id: &Self::Id) -> AppResult<Option<Self::Record>>;
    /// Whose record it is and which staff reach it.
    fn scope(record: &Self::Record) -> ObjectScope<'_>;
    fn state(record: &Self::Record) -> Self::State;

    /// The state machine: the state after `step` from `from`, or why not (a 409).
    fn next(from: Self::State, step: Self::Step) -> Result<Self::State, String>;
    /// Who may take `step`.
    fn roles(step: Self::Step) -> &'static [Role];
    /// The audit-trail action of `step`, e.g. `submitted`.
    fn action(step: Self::Step) -> &'static str;

    /// Stores `to` only while the record is still in `from`; false if it was not. `by_at` is
    /// who takes the step, for records that keep it (e.g. who agreed to a programme) and the
    /// workflow clock's time.
    fn store_state(
        conn: &mut DbConnection,
        id: &Self::Id,
        from: Self::State,
        to: Self::State,
        note: Option<&str>,
        by_at: (&Caller, NaiveDateTime),
    ) -> AppResult<bool>;

    /// Checks and side effects of a step beyond the state machine, before the state moves
    /// (e.g. impartiality: who takes the step may matter, not only their role).
    fn before_step(
        _tx: &mut Tx<'_>,
        _caller: &Caller,
        _record: &Self::Record,
        _step: Self::Step,
    ) -> AppResult<()> {
        Ok(())
    }

    /// Mail about the step, queued in the same transaction.
    fn notify(
        tx: &mut Tx<'_>,
        record: &Self::Record,
        step: Self::Step,
        to: Self::State,
        note: Option<&str>,
    ) -> AppResult<()>;
}

/// Loads a record the caller may see: 404 when unknown or another client's, 403 for staff
/// who are not assigned to it.
pub fn find_visible<L: Lifecycle>(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &L::Id,
) -> AppResult<L::Record> {
    let record = L::load(conn, id)?
        .ok_or_else(|| AppError::NotFound(format!("no {} has this id", L::ENTITY)))?;
    caller.ensure_may_access(L::scope(&record))?;
    Ok(record)
}

/// Loads a record for reading: as `find_visible`, except that decision makers read every
/// record of the stages they decide on (audits and their findings).
pub fn find_readable<L: Lifecycle>(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &L::Id,
) -> AppResult<L::Record> {
    if caller.role == Role::DecisionMaker {
        return L::load(conn, id)?
            .ok_or_else(|| AppError::NotFound(format!("no {} has this id", L::ENTITY)));
    }
    find_visible::<L>(conn, caller, id)
}

/// Takes one step of a record's lifecycle. The caller loads what it shows afterwards (its
/// view usually needs more than the record), so nothing is read twice.
pub fn take_step<L: Lifecycle>(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &L::Id,
    step: L::Step,
    note: Option<String>,
) -> AppResult<()> {
    caller.require_role(L::roles(step))?;
    let record = find_visible::<L>(tx.conn, caller, id)?;
    let from = L::state(&record);
    let to = L::next(from, step).map_err(AppError::Conflict)?;
    L::before_step(tx, caller, &record, step)?;
    let at = tx.now();
    if !L::store_state(tx.conn, id, from, to, note.as_deref(), (caller, at))? {
        return Err(AppError::Conflict(format!(
            "the {} changed meanwhile; reload it",
            L::ENTITY
        )));
    }
    let entity_id = id.to_string();
    tx.record(Change {
        entity_type: L::ENTITY,
        entity_id: &entity_id,
        organisation_id: L::scope(&record).organisation_id.map(|id| id.as_str()),
        action: L::action(step),
        before: Some(json!({"state": from.as_str()})),
        after: Some(json!({"state": to.as_str(), "note": note})),
    })?;
    L::notify(tx, &record, step, to, note.as_deref())
}
