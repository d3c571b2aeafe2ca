//! Who may handle a matter about a client without being involved in it: the decisions on
//! its certification (17021-1 9.5.1.2), its complaints (9.8.3) and its appeals (9.7.3).

use crate::accounts::store::User;
use crate::accounts::{OrganisationId, UserId};
use crate::audits;
use crate::db::DbConnection;
use crate::decisions;
use crate::error::AppResult;
use crate::programmes::store::{self as programmes, Programme};
use crate::workflow::Tx;

/// Was `user` on an audit team (observers included) of `programme`'s current cycle: its
/// planned audits, and the special audits since the decision that started it?
pub fn on_cycle_team(
    conn: &mut DbConnection,
    user: &UserId,
    programme: &Programme,
) -> AppResult<bool> {
    let entries = programmes::cycle_entries(conn, programme)?;
    let since = programme.decision_date.filter(|_| programme.cycle > 1);
    Ok(audits::store::members_in_cycle(conn, &programme.id, (&entries, since))?.contains(user))
}

/// Why `user` is involved with `client`, if they are: on an audit team of one of its
/// programmes' current cycles, the decision maker of a decision in that cycle, or a
/// declared conflict or consultancy (5.2).
pub fn involvement(
    tx: &mut Tx<'_>,
    user: &User,
    client: &OrganisationId,
) -> AppResult<Option<String>> {
    for programme in programmes::of_organisation(tx.conn, client)? {
        if on_cycle_team(tx.conn, &user.id, &programme)? {
            return Ok(Some(format!(
                "{} was on an audit team of this client in its current cycle",
                user.full_name
            )));
        }
        if decisions::store::of_programme(tx.conn, &programme.id)?
            .iter()
            .any(|d| d.decided_by == user.id && d.cycle == programme.cycle)
        {
            return Ok(Some(format!(
                "{} decided on this client's certification in its current cycle",
                user.full_name
            )));
        }
    }
    let today = tx.today();
    crate::auditors::service::conflict_with(tx.conn, user, client, (today, today))
}
