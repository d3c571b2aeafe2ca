//! The outbox's one user step, through the transition kernel: an admin puts a dead message
//! back in the queue.

use super::domain::{check_requeue, MailStatus};
use super::store::{self, OutboxMessage};
use super::OutboxId;
use crate::auth::{Caller, ObjectScope, Role, StaffAccess};
use crate::db::{now, DbConnection};
use crate::error::AppResult;
use crate::workflow::transition::Lifecycle;
use crate::workflow::Tx;
use chrono::NaiveDateTime;

/// The one step an admin takes on a message: put a dead one back in the queue.
#[derive(Debug, Clone, Copy)]
pub struct Requeue;

/// The outbox's lifecycle as the transition kernel sees it (the dispatcher's own moves,
/// pending → sending → sent or dead, are claims and outcomes, not user steps).
pub struct Outbox;

impl Lifecycle for Outbox {
    const ENTITY: &'static str = "outbox_message";
    type Id = OutboxId;
    type Record = OutboxMessage;
    type State = MailStatus;
    type Step = Requeue;

    fn load(conn: &mut DbConnection, id: &OutboxId) -> AppResult<Option<OutboxMessage>> {
        store::find(conn, id)
    }

    fn scope(_: &OutboxMessage) -> ObjectScope<'_> {
        ObjectScope {
            organisation_id: None,
            staff: StaffAccess::AdminOnly,
        }
    }

    fn state(message: &OutboxMessage) -> MailStatus {
        message.status
    }

    fn next(from: MailStatus, _: Requeue) -> Result<MailStatus, String> {
        check_requeue(from)
    }

    fn roles(_: Requeue) -> &'static [Role] {
        &[Role::Admin]
    }

    fn action(_: Requeue) -> &'static str {
        "requeued"
    }

    fn store_state(
        conn: &mut DbConnection,
        id: &OutboxId,
        from: MailStatus,
        _to: MailStatus,
        _note: Option<&str>,
        // Mail runs on the system time: the dispatcher compares with it.
        _: (&Caller, NaiveDateTime),
    ) -> AppResult<bool> {
        store::requeue(conn, id, from, now())
    }

    fn notify(
        _: &mut Tx<'_>,
        _: &OutboxMessage,
        _: Requeue,
        _: MailStatus,
        _: Option<&str>,
    ) -> AppResult<()> {
        Ok(())
    }
}
