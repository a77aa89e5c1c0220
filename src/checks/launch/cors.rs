//! CORS (filled in by the cors slice).

use super::syntax::Code;
use super::{Examples, Sink};
use crate::checks::Check;

pub const CHECKS: [Check; 0] = [];

pub const EXAMPLES: &[Examples] = &[];

pub fn code(_code: &Code<'_>, _sink: &mut Sink<'_>) {}
pub fn nginx(_text: &str, _sink: &mut Sink<'_>) {}
