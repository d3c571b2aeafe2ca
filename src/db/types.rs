//! Column types shared by every stage, so row structs hold domain values instead of strings:
//!
//! - `text_enum!` declares an enum stored as TEXT (states, roles, kinds, statuses). A stored
//!   value the enum does not know fails the load with an error; it is never defaulted.
//! - `id_type!` declares an entity's id: a newtype over the UUID text, so two ids of
//!   different entities cannot be swapped in a call.
//! - `Json<T>` is the one wrapper for JSON kept in a TEXT column. Stored shapes are read
//!   tolerantly (unknown fields are ignored); `deny_unknown_fields` belongs at the API edge only.
//!
//! These are TEXT on both backends (calendar dates use diesel's `Date`): the multi-backend
//! connection needs one representation per column.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::MultiBackend;

/// What `text_enum!` gives every such enum, for code generic over them (the transition kernel).
pub trait TextEnum: Copy + Eq + std::fmt::Display + 'static {
    fn as_str(self) -> &'static str;
}

/// An enum stored as TEXT, named the same in the API, the database and the audit trail.
///
/// ```text
/// text_enum! {
///     /// What the doc says.
///     pub enum MailStatus { Pending = "pending", Sent = "sent" }
/// }
/// ```
/// gives the enum with serde, OpenAPI and diesel support, `as_str`, `parse` and `ALL`.
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        // `tt`, not `literal`: a literal fragment reaches derive macros wrapped in an
        // invisible group, and utoipa then misses the rename (the spec said `DeepBlue`).
        pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:tt),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
            utoipa::ToSchema, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(value: &str) -> Option<$name> {
                match value {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The identifier as words, for messages: `under_review` → `under review`.
            pub fn label(self) -> String {
                self.as_str().replace('_', " ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::db::types::TextEnum for $name {
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
        }

        $crate::text_column!($name, text => $name::parse(&text).ok_or_else(|| {
            format!("{text:?} is not a known {} value", stringify!($name)).into()
        }));
    };
}

/// An entity's id: a UUID made in Rust, stored as TEXT, serialised as a plain string.
#[macro_export]
macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize,
            serde::Deserialize, utoipa::ToSchema, diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[serde(transparent)]
        #[schema(value_type = String)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub struct $name(String);

        impl $name {
            /// A fresh random id for a new row.
            pub fn generate() -> $name {
                $name($crate::db::new_id())
            }

            /// Wraps an id read from a path or another record; existence is checked by the load.
            pub fn from_text(text: impl Into<String>) -> $name {
                $name(text.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        $crate::text_column!($name, text => Ok($name(text)));
    };
}

/// TEXT storage of a type with `as_str()`: written as that text, read back through
/// `$parsed` (an expression of the loaded `$text: String` giving `deserialize::Result<Self>`).
#[doc(hidden)]
#[macro_export]
macro_rules! text_column {
    ($name:ident, $text:ident => $parsed:expr) => {
        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                self.as_str().to_sql(out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let $text = String::from_sql(bytes)?;
                $parsed
            }
        }
    };
}

/// A value kept as JSON in a TEXT column. Reading tolerates fields the type no longer has;
/// a value that does not parse at all is a load error, never a default.
#[derive(Debug, Clone, PartialEq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Text)]
pub struct Json<T>(pub T);

impl<T: Serialize> Json<T> {
    fn text(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(&self.0)
    }
}

impl<T: Serialize + std::fmt::Debug> ToSql<Text, Sqlite> for Json<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(self.text()?);
        Ok(IsNull::No)
    }
}

impl<T: Serialize + std::fmt::Debug> ToSql<Text, Pg> for Json<T> {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        use std::io::Write;
        out.write_all(self.text()?.as_bytes())?;
        Ok(IsNull::No)
    }
}

impl<T> ToSql<Text, MultiBackend> for Json<T>
where
    T: Serialize + std::fmt::Debug + Send + Sync + 'static,
{
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        // The multi-backend hands the value to the connection's own `ToSql` above.
        out.set_value((Text, self));
        Ok(IsNull::No)
    }
}

impl<T, DB> FromSql<Text, DB> for Json<T>
where
    T: DeserializeOwned,
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = String::from_sql(bytes)?;
        Ok(Json(serde_json::from_str(&text)?))
    }
}

#[cfg(test)]
mod tests {
    text_enum! {
        /// A test enum.
        pub enum Colour { Red = "red", DeepBlue = "deep_blue" }
    }

    #[test]
    fn text_enums_are_documented_as_they_are_spelled() {
        use utoipa::PartialSchema;
        let schema = serde_json::to_value(Colour::schema()).unwrap();
        assert_eq!(
            schema["enum"],
            serde_json::json!(["red", "deep_blue"]),
            "{schema}"
        );
    }

    #[test]
    fn text_enums_round_trip_and_refuse_unknown_text() {
        for colour in Colour::ALL {
            assert_eq!(Colour::parse(colour.as_str()), Some(*colour));
            assert_eq!(serde_json::to_value(colour).unwrap(), colour.as_str());
        }
        assert_eq!(Colour::DeepBlue.label(), "deep blue");
        assert_eq!(Colour::parse("Red"), None);
    }
}
