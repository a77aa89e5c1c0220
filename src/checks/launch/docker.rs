//! Docker (filled in by the docker slice).

use super::{Examples, Sink};
use crate::checks::Check;

pub const CHECKS: [Check; 0] = [];

pub const EXAMPLES: &[Examples] = &[];

pub fn dockerfile(_text: &str, _sink: &mut Sink<'_>) {}
pub fn compose(_text: &str, _sink: &mut Sink<'_>) {}
