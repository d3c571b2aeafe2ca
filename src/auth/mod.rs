//! Authentication and authorisation mechanics shared by every module: roles, password
//! hashing, access tokens, login rate limits, and the `Caller` extractor with its checks.

mod caller;
pub mod password;
pub mod rate_limit;
mod role;
pub mod token;

pub use caller::{Auth, Caller, ObjectScope, StaffAccess};
pub use role::Role;
