//! Offset pagination shared by every list endpoint: `limit` (default 50, capped at 200)
//! and `offset`, answered with the page and the total count.

use serde::Serialize;
use utoipa::ToSchema;

use diesel::dsl::{CountStar, Limit, Offset, Select};
use diesel::query_dsl::methods::{LimitDsl, OffsetDsl, SelectDsl};
use diesel::query_dsl::LoadQuery;
use diesel::{QueryDsl, RunQueryDsl};

use crate::db::DbConnection;
use crate::error::{AppError, AppResult};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: i64,
    pub offset: i64,
}

impl PageRequest {
    pub fn parse(limit: Option<i64>, offset: Option<i64>) -> AppResult<PageRequest> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        let offset = offset.unwrap_or(0);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(AppError::invalid(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        if offset < 0 {
            return Err(AppError::invalid("offset", "must not be negative"));
        }
        Ok(PageRequest { limit, offset })
    }
}

/// Loads one page of a filtered query and the number of all its matches. `filtered` builds
/// the query with its filters (it runs twice: once counted, once for the page); `rows`
/// orders and selects it.
pub fn load_page<Q, P, T>(
    conn: &mut DbConnection,
    filtered: impl Fn() -> Q,
    page: PageRequest,
    rows: impl FnOnce(Q) -> P,
) -> AppResult<(Vec<T>, i64)>
where
    Q: QueryDsl + SelectDsl<CountStar>,
    Select<Q, CountStar>: for<'a> LoadQuery<'a, DbConnection, i64>,
    P: QueryDsl + LimitDsl,
    Limit<P>: QueryDsl + OffsetDsl,
    Offset<Limit<P>>: for<'a> LoadQuery<'a, DbConnection, T>,
{
    let total = filtered().count().get_result(conn)?;
    let items =
        QueryDsl::offset(QueryDsl::limit(rows(filtered()), page.limit), page.offset).load(conn)?;
    Ok((items, total))
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Number of matching items across all pages.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

impl<T> Page<T> {
    /// The same page with each item turned into its view.
    pub fn map<V>(self, view: impl FnMut(T) -> V) -> Page<V> {
        Page {
            items: self.items.into_iter().map(view).collect(),
            total: self.total,
            limit: self.limit,
            offset: self.offset,
        }
    }

    pub fn new<R>(
        rows: Vec<R>,
        total: i64,
        request: PageRequest,
        view: impl Fn(R) -> T,
    ) -> Page<T> {
        Page {
            items: rows.into_iter().map(view).collect(),
            total,
            limit: request.limit,
            offset: request.offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_bounded() {
        assert_eq!(
            PageRequest::parse(None, None).unwrap(),
            PageRequest {
                limit: 50,
                offset: 0
            }
        );
        assert!(PageRequest::parse(Some(200), Some(10)).is_ok());
        assert!(PageRequest::parse(Some(201), None).is_err());
        assert!(PageRequest::parse(Some(0), None).is_err());
        assert!(PageRequest::parse(None, Some(-1)).is_err());
    }
}
